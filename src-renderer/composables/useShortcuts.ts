/**
 * Global keyboard shortcuts. Listens in the capture phase so combos work while the
 * editor has focus; CodeMirror's own keys (search, undo) use other combos.
 */
import { onBeforeUnmount, onMounted } from 'vue';
import { shortcutFor, type ShortcutAction } from '../domain/shortcuts';

export function useShortcuts(handlers: Partial<Record<ShortcutAction, () => void>>): void {
  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.repeat && !['zoomIn', 'zoomOut'].includes(shortcutFor(event)?.action ?? '')) return;
    const shortcut = shortcutFor(event);
    const handler = shortcut && handlers[shortcut.action];
    if (!handler) return;
    event.preventDefault();
    event.stopPropagation();
    handler();
  };
  onMounted(() => window.addEventListener('keydown', onKeyDown, { capture: true }));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKeyDown, { capture: true }));
}
