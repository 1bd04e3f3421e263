/** Opens files dropped anywhere on the window; `dragging` drives the drop overlay. */
import { onBeforeUnmount, onMounted, ref } from 'vue';

export function useFileDrop(onFiles: (files: File[]) => void) {
  const dragging = ref(false);
  let depth = 0;
  const hasFiles = (e: DragEvent): boolean => [...(e.dataTransfer?.types ?? [])].includes('Files');

  const onEnter = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth += 1;
    dragging.value = true;
  };
  const onOver = (e: DragEvent): void => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  };
  const onLeave = (): void => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging.value = false;
  };
  const onDrop = (e: DragEvent): void => {
    const files = [...(e.dataTransfer?.files ?? [])];
    depth = 0;
    dragging.value = false;
    if (files.length === 0) return;
    // Without this the browser would navigate to the dropped file.
    e.preventDefault();
    onFiles(files);
  };

  onMounted(() => {
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
  });
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', onEnter);
    window.removeEventListener('dragover', onOver);
    window.removeEventListener('dragleave', onLeave);
    window.removeEventListener('drop', onDrop);
  });
  return { dragging };
}
