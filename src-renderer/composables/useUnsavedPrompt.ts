/**
 * "Save the changes?" with three answers (save, don't save, cancel): the native dialog in
 * the desktop app, the app's own dialog in a browser (window.confirm has only two buttons).
 */
import { ref } from 'vue';
import type { CloseChoice } from '../../shared/ipc';
import { desktopBridge, unwrap } from '../services/desktop';

interface Pending {
  names: string[];
  answer(choice: CloseChoice): void;
}

const pending = ref<Pending | null>(null);

export function askUnsaved(names: string[]): Promise<CloseChoice> {
  const bridge = desktopBridge();
  if (bridge) return unwrap(bridge.confirmClose({ names }));
  pending.value?.answer('cancel');
  return new Promise((resolve) => {
    pending.value = {
      names,
      answer: (choice) => {
        pending.value = null;
        resolve(choice);
      },
    };
  });
}

export function useUnsavedPrompt() {
  return { pending };
}
