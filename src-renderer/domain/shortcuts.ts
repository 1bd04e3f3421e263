/** The table lives in shared/ (the desktop's menus show the same keys); this adds the DOM side. */
import { SHORTCUTS, type Shortcut } from '../../shared/shortcuts';

export { EDITOR_SHORTCUTS, SHORTCUTS, type Shortcut, type ShortcutAction } from '../../shared/shortcuts';

export function comboOf(event: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): string {
  const parts: string[] = [];
  // Cmd on macOS plays Ctrl's role.
  if (event.ctrlKey || event.metaKey) parts.push('Ctrl');
  if (event.altKey) parts.push('Alt');
  if (event.shiftKey) parts.push('Shift');
  parts.push(event.code);
  return parts.join('+');
}

export function shortcutFor(event: Pick<KeyboardEvent, 'code' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>): Shortcut | undefined {
  const combo = comboOf(event);
  return SHORTCUTS.find((s) => s.combo === combo);
}
