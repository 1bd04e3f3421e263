/**
 * Keyboard shortcuts as data: one table drives the web UI's key handler, its help
 * overlay and the desktop app's menus (their accelerators). Combos use
 * `KeyboardEvent.code` so they work on every keyboard layout and with Alt on macOS
 * (where `key` turns into a symbol). Browser-reserved combos
 * (Ctrl+N, Ctrl+T, Ctrl+W, Ctrl+Tab) cannot be intercepted, hence Alt variants.
 */
export type ShortcutAction =
  | 'new'
  | 'open'
  | 'save'
  | 'saveAs'
  | 'export'
  | 'zoomIn'
  | 'zoomOut'
  | 'zoomFit'
  | 'zoomActual'
  | 'nextTab'
  | 'prevTab'
  | 'closeTab'
  | 'reopenTab'
  | 'toggleTheme'
  | 'examples'
  | 'settings'
  | 'help';

export interface Shortcut {
  action: ShortcutAction;
  /** Normalised combo, e.g. `Ctrl+Shift+KeyE`. */
  combo: string;
  /** How the combo is shown to people. */
  keys: string;
  description: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'new', combo: 'Alt+KeyN', keys: 'Alt+N', description: 'New document' },
  { action: 'open', combo: 'Ctrl+KeyO', keys: 'Ctrl+O', description: 'Open a file' },
  { action: 'save', combo: 'Ctrl+KeyS', keys: 'Ctrl+S', description: 'Save' },
  { action: 'saveAs', combo: 'Ctrl+Shift+KeyS', keys: 'Ctrl+Shift+S', description: 'Save as' },
  { action: 'export', combo: 'Ctrl+Shift+KeyE', keys: 'Ctrl+Shift+E', description: 'Export / share' },
  { action: 'zoomIn', combo: 'Alt+Equal', keys: 'Alt+=', description: 'Zoom in' },
  { action: 'zoomOut', combo: 'Alt+Minus', keys: 'Alt+-', description: 'Zoom out' },
  { action: 'zoomFit', combo: 'Alt+Digit9', keys: 'Alt+9', description: 'Fit to window' },
  { action: 'zoomActual', combo: 'Alt+Digit0', keys: 'Alt+0', description: 'Actual size (1:1)' },
  { action: 'nextTab', combo: 'Alt+PageDown', keys: 'Alt+PageDown', description: 'Next tab' },
  { action: 'prevTab', combo: 'Alt+PageUp', keys: 'Alt+PageUp', description: 'Previous tab' },
  { action: 'closeTab', combo: 'Alt+KeyW', keys: 'Alt+W', description: 'Close tab' },
  { action: 'reopenTab', combo: 'Alt+Shift+KeyT', keys: 'Alt+Shift+T', description: 'Reopen the last closed tab' },
  { action: 'toggleTheme', combo: 'Alt+KeyT', keys: 'Alt+T', description: 'Toggle light/dark theme' },
  { action: 'examples', combo: 'Alt+KeyE', keys: 'Alt+E', description: 'Examples gallery' },
  { action: 'settings', combo: 'Alt+Comma', keys: 'Alt+,', description: 'Settings' },
  { action: 'help', combo: 'F1', keys: 'F1', description: 'Keyboard shortcuts' },
  // F1 is taken by some browsers and desktops; Ctrl+/ always reaches the page.
  { action: 'help', combo: 'Ctrl+Slash', keys: 'Ctrl+/', description: 'Keyboard shortcuts' },
];

/** Editor shortcuts provided by CodeMirror, listed in the help overlay only. */
export const EDITOR_SHORTCUTS: readonly { keys: string; description: string }[] = [
  { keys: 'Ctrl+F', description: 'Search in the editor' },
  { keys: 'Ctrl+Z / Ctrl+Shift+Z', description: 'Undo / redo (per document)' },
  { keys: 'Tab / Shift+Tab', description: 'Indent / outdent (Esc then Tab leaves the editor)' },
];
