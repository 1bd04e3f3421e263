/**
 * Pan by drag and wheel, zoom with Ctrl+wheel (around the cursor), and fit, for the
 * preview. Zoom and pan live in the preview store so shortcuts can drive them; this
 * composable turns pointer input into store changes and computes fits.
 */
import { onBeforeUnmount, ref, type Ref } from 'vue';
import { usePreviewStore } from '../stores/preview';

export function fitZoom(container: { width: number; height: number }, content: { width: number; height: number }): number {
  if (!content.width || !content.height || !container.width || !container.height) return 1;
  const margin = 0.94;
  // Never blow a tiny diagram up to full screen: fitting caps at 2x.
  return Math.min(2, (container.width / content.width) * margin, (container.height / content.height) * margin);
}

export function usePanZoom(viewport: Ref<HTMLElement | null>, contentSize: () => { width: number; height: number }) {
  const preview = usePreviewStore();
  const panning = ref(false);
  let last: { x: number; y: number; id: number } | null = null;

  function fitNow(): void {
    const el = viewport.value;
    if (!el) return;
    preview.zoom = fitZoom({ width: el.clientWidth, height: el.clientHeight }, contentSize());
    preview.panX = 0;
    preview.panY = 0;
  }

  function onWheel(e: WheelEvent): void {
    e.preventDefault();
    if (e.ctrlKey || e.metaKey) {
      const el = viewport.value!;
      const rect = el.getBoundingClientRect();
      // Keep the point under the cursor where it is: pan by the change of its offset.
      const cx = e.clientX - rect.left - rect.width / 2 - preview.panX;
      const cy = e.clientY - rect.top - rect.height / 2 - preview.panY;
      const before = preview.zoom;
      preview.setZoom(before * Math.exp(-e.deltaY / 300));
      const factor = preview.zoom / before;
      preview.panBy(cx - cx * factor, cy - cy * factor);
    } else {
      preview.fitMode = false;
      preview.panBy(-e.deltaX, -e.deltaY);
    }
  }

  function onPointerDown(e: PointerEvent): void {
    if (e.button !== 0) return;
    last = { x: e.clientX, y: e.clientY, id: e.pointerId };
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    panning.value = true;
  }
  function onPointerMove(e: PointerEvent): void {
    if (!last || e.pointerId !== last.id) return;
    preview.fitMode = false;
    preview.panBy(e.clientX - last.x, e.clientY - last.y);
    last = { x: e.clientX, y: e.clientY, id: e.pointerId };
  }
  function onPointerUp(e: PointerEvent): void {
    if (last && e.pointerId === last.id) {
      last = null;
      panning.value = false;
    }
  }

  function onKeyDown(e: KeyboardEvent): void {
    const step = e.shiftKey ? 100 : 30;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [step, 0],
      ArrowRight: [-step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    preview.fitMode = false;
    preview.panBy(move[0], move[1]);
  }

  let observer: ResizeObserver | null = null;
  function observe(): void {
    if (typeof ResizeObserver === 'undefined' || !viewport.value) return;
    observer = new ResizeObserver(() => {
      if (preview.fitMode) fitNow();
    });
    observer.observe(viewport.value);
  }
  onBeforeUnmount(() => observer?.disconnect());

  return { panning, fitNow, observe, onWheel, onPointerDown, onPointerMove, onPointerUp, onKeyDown };
}
