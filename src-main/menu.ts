/**
 * The native menus as data: the web UI's actions with its shortcuts shown (from the one
 * table in shared/shortcuts.ts), Open Recent, and the platform's usual roles. The keys
 * are handled by the page (as in the browser); the menu only shows them, so a key never
 * fires twice.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../shared/ipc.js';
import { SHORTCUTS } from '../shared/shortcuts.js';

export interface MenuContext {
  platform: NodeJS.Platform;
  appName: string;
  recent: readonly string[];
  /** Runs a renderer action in the focused window. */
  action(action: MenuAction): void;
  openRecent(file: string): void;
  clearRecent(): void;
  about(): void;
  /** Shown only in development builds. */
  devTools: boolean;
}

/** `Ctrl+Shift+KeyS` → `CmdOrCtrl+Shift+S` (Electron's accelerator syntax). */
export function accelerator(combo: string): string {
  return combo
    .split('+')
    .map((part) => {
      if (part === 'Ctrl') return 'CmdOrCtrl';
      if (/^Key[A-Z]$/.test(part)) return part.slice(3);
      if (/^Digit\d$/.test(part)) return part.slice(5);
      return { Equal: '=', Minus: '-', Comma: ',', Slash: '/', PageUp: 'PageUp', PageDown: 'PageDown' }[part] ?? part;
    })
    .join('+');
}

const label = (action: MenuAction): string => SHORTCUTS.find((s) => s.action === action)?.description ?? action;

export function buildMenu(ctx: MenuContext): MenuItemConstructorOptions[] {
  const item = (action: MenuAction, text?: string): MenuItemConstructorOptions => {
    const shortcut = SHORTCUTS.find((s) => s.action === action);
    return {
      label: text ?? label(action),
      ...(shortcut ? { accelerator: accelerator(shortcut.combo), registerAccelerator: false } : {}),
      click: () => ctx.action(action),
    };
  };
  const recent: MenuItemConstructorOptions[] = ctx.recent.length
    ? [
        ...ctx.recent.map((file) => ({ label: file, click: () => ctx.openRecent(file) })),
        { type: 'separator' as const },
        { label: 'Clear Recent', click: () => ctx.clearRecent() },
      ]
    : [{ label: 'No recent files', enabled: false }];
  const mac = ctx.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${ctx.appName}`, click: () => ctx.about() };
  return [
    ...(mac
      ? [
          {
            label: ctx.appName,
            submenu: [
              about,
              { type: 'separator' as const },
              { role: 'hide' as const },
              { role: 'hideOthers' as const },
              { type: 'separator' as const },
              { role: 'quit' as const },
            ],
          },
        ]
      : []),
    {
      label: '&File',
      submenu: [
        item('new', 'New Document'),
        item('open', 'Open…'),
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        item('save', 'Save'),
        item('saveAs', 'Save As…'),
        item('export', 'Export…'),
        { type: 'separator' },
        item('closeTab', 'Close Tab'),
        item('reopenTab', 'Reopen Closed Tab'),
        ...(mac ? [] : [{ type: 'separator' as const }, { role: 'quit' as const }]),
      ],
    },
    {
      label: '&Edit',
      submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
    },
    {
      label: '&View',
      submenu: [
        item('zoomIn', 'Zoom In'),
        item('zoomOut', 'Zoom Out'),
        item('zoomFit', 'Fit to Window'),
        item('zoomActual', 'Actual Size'),
        { type: 'separator' },
        item('nextTab', 'Next Tab'),
        item('prevTab', 'Previous Tab'),
        { type: 'separator' },
        item('toggleTheme', 'Toggle Light/Dark Theme'),
        item('examples', 'Examples…'),
        item('settings', 'Settings…'),
        ...(ctx.devTools ? [{ type: 'separator' as const }, { role: 'toggleDevTools' as const }] : []),
      ],
    },
    { label: '&Help', submenu: [item('help', 'Keyboard Shortcuts'), ...(mac ? [] : [{ type: 'separator' as const }, about])] },
  ];
}
