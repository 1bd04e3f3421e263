/**
 * Mounts the CodeMirror editor into an element, loading CodeMirror itself lazily, and
 * keeps it in step with the active document: tab switches swap per-document states,
 * external text changes are pushed in, the error mark follows the preview's error.
 * Everything is torn down on unmount.
 */
import { onBeforeUnmount, onMounted, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue';
import type { EditorLanguage } from '../domain/diagramTypes';
import type { EditorController } from '../editor/EditorController';

export interface CodeMirrorBinding {
  documentId: MaybeRefOrGetter<string | null>;
  text: MaybeRefOrGetter<string>;
  language: MaybeRefOrGetter<EditorLanguage>;
  errorMark: MaybeRefOrGetter<{ line: number; message: string } | null>;
  onChange: (documentId: string, text: string) => void;
  ariaLabel: string;
}

export function useCodeMirror(parent: Ref<HTMLElement | null>, binding: CodeMirrorBinding) {
  const controller = shallowRef<EditorController | null>(null);
  const ready = ref(false);
  const loadError = ref<string | null>(null);
  let unmounted = false;
  const stopWatchers: (() => void)[] = [];

  onMounted(async () => {
    try {
      const { EditorController } = await import('../editor/EditorController');
      if (unmounted || !parent.value) return;
      const editor = new EditorController({ parent: parent.value, onChange: binding.onChange, ariaLabel: binding.ariaLabel });
      controller.value = editor;
      const showActive = (): void => {
        const id = toValue(binding.documentId);
        if (id) editor.show(id, toValue(binding.text), toValue(binding.language));
      };
      showActive();
      stopWatchers.push(
        watch(() => toValue(binding.documentId), showActive),
        watch(
          () => toValue(binding.text),
          (text) => editor.syncText(text),
        ),
        watch(
          () => toValue(binding.language),
          (language) => void editor.setLanguage(language),
        ),
        watch(
          () => toValue(binding.errorMark),
          (mark) => editor.markError(mark),
          { immediate: true },
        ),
      );
      ready.value = true;
    } catch (error) {
      loadError.value = `The editor could not be loaded: ${(error as Error).message}`;
    }
  });

  onBeforeUnmount(() => {
    unmounted = true;
    for (const stop of stopWatchers) stop();
    controller.value?.destroy();
    controller.value = null;
  });

  return {
    controller,
    ready,
    loadError,
    focus: (): void => controller.value?.focus(),
    forget: (id: string): void => controller.value?.forget(id),
  };
}
