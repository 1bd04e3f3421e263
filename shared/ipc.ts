/**
 * The messages of the coming desktop app, in one place so each side is typed against the
 * same contract: the main process ↔ the server child (an Electron utilityProcess running
 * startServer) over the child's message port, and the renderer ↔ main process channels
 * the preload bridge exposes. Every channel name starts with `studio:`.
 */
import type { EnginesResponse, OutputFormat, StudioConfigResponse } from './api.js';
import type { ShortcutAction } from './shortcuts.js';
import type { PullProgress, StackStatus } from './stack.js';

// ---- main process <-> server child --------------------------------------------------

/** Settings the desktop may change while the server runs (the rest need a restart). */
export interface LiveSettings {
  /** The upstream Kroki, or null for none. */
  krokiUrl: string | null;
  safeMode: 'unsafe' | 'safe' | 'secure';
}

export type { PullProgress, StackServiceState, StackServiceStatus, StackState, StackStatus } from './stack.js';

/** Main process → server child. Stack requests carry an id their answer repeats. */
export type ToServer =
  /** The first message: the per-launch secret travels here, never in the environment or argv (engines inherit those). */
  | { type: 'init'; secret: string; settings: LiveSettings }
  | { type: 'settings'; settings: LiveSettings }
  | { type: 'stack-up'; id: number; file?: string; profiles?: string[]; project?: string }
  | { type: 'stack-down'; id: number; removeVolumes?: boolean }
  | { type: 'stack-status'; id: number }
  | { type: 'warm'; types: string[] }
  | { type: 'shutdown' };

/** Server child → main process. */
export type FromServer =
  | { type: 'ready'; url: string; pid: number }
  | { type: 'failed'; message: string }
  | { type: 'settings-applied'; settings: LiveSettings }
  /** Which of the asked types started warming; `unknown` names the ones no engine knows. */
  | { type: 'warmed'; types: string[]; unknown: string[] }
  /** A stack answer (`id` set) or a status the stack pushed on its own (no `id`). */
  | { type: 'stack-status'; id?: number; status: StackStatus }
  | { type: 'stack-progress'; progress: PullProgress }
  | { type: 'stack-error'; id?: number; message: string }
  | { type: 'closed' };

export const TO_SERVER_TYPES = [
  'init',
  'settings',
  'stack-up',
  'stack-down',
  'stack-status',
  'warm',
  'shutdown',
] as const satisfies readonly ToServer['type'][];

// ---- renderer <-> main process (the preload bridge) --------------------------------

export interface OpenedFile {
  path: string;
  /** The file name without its folder. */
  name: string;
  text: string;
  /** Modification time when read, to detect external changes. */
  mtimeMs: number;
}

export interface SavedFile {
  path: string;
  name: string;
  mtimeMs: number;
}

/** An unsaved document the main process keeps on disk until it is saved or discarded. */
export interface Draft {
  id: string;
  name: string;
  type: string;
  source: string;
  /** The file it belongs to, or null for a document never saved. */
  path: string | null;
  updatedAt: number;
}

/** What the user may change in the desktop app (kept by the main process). */
export interface DesktopSettings extends LiveSettings {
  /** No connection the user did not ask for: only a loopback Kroki (the local stack) may be the upstream. */
  offline: boolean;
  /** PlantUML `!include` may read files under this folder; null: only the document's own folder. */
  includeRoot: string | null;
}

/** The settings as in force, with what a machine-wide policy locks. */
export interface EffectiveSettings extends DesktopSettings {
  /** Set when an administrator's policy (environment or policy file) forces offline mode. */
  policy: { offline: boolean; source: string } | null;
}

export type CloseChoice = 'save' | 'discard' | 'cancel';

/** Why a bridge call failed; `code` lets the UI pick its wording. */
export interface IpcError {
  code: 'invalid-args' | 'forbidden' | 'not-found' | 'read-only' | 'disk-full' | 'conflict' | 'too-large' | 'render' | 'unavailable' | 'io' | 'internal';
  message: string;
  /** HTTP status of a failed render. */
  status?: number;
  /** Source line a failed render blamed. */
  line?: number | null;
}

/** Every bridge call resolves with this (errors do not survive structured cloning with their fields). */
export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: IpcError };

export interface RenderArgs {
  type: string;
  format: OutputFormat;
  source: string;
  options?: Record<string, string>;
  /** The document's file: PlantUML `!include`s are resolved relative to it before the source leaves the app. */
  documentPath?: string | null;
}

export interface AppInfo {
  version: string;
  electron: string;
  chrome: string;
  node: string;
  /** Engine versions by diagram type, from the server. */
  engines: Record<string, string>;
}

/** Each channel: what the renderer sends and what it gets back. */
export interface IpcChannels {
  /** No path: the native open dialog (null when cancelled). */
  'studio:file-open': { args: { path?: string }; result: OpenedFile | null };
  /** `expectedMtimeMs`: refuse (code `conflict`) when the file changed on disk since it was read. */
  'studio:file-save': { args: { path: string; text: string; expectedMtimeMs?: number }; result: SavedFile };
  'studio:file-save-as': { args: { text: string; suggestedName: string }; result: SavedFile | null };
  /** The files the window has open: main watches these and reports changes. */
  'studio:file-watch': { args: { paths: string[] }; result: null };
  'studio:recent-files': { args: Record<string, never>; result: string[] };
  /** The native "unsaved changes" question for these documents. */
  'studio:confirm-close': { args: { names: string[] }; result: CloseChoice };
  'studio:drafts-list': { args: Record<string, never>; result: Draft[] };
  /** The window's unsaved documents, all of them: drafts not listed are removed. */
  'studio:drafts-save': { args: { drafts: Draft[] }; result: null };
  'studio:render': { args: RenderArgs; result: { body: Uint8Array; contentType: string } };
  'studio:engines': { args: Record<string, never>; result: EnginesResponse };
  'studio:server-info': { args: Record<string, never>; result: StudioConfigResponse };
  'studio:warm': { args: { types: string[] }; result: null };
  'studio:settings-get': { args: Record<string, never>; result: EffectiveSettings };
  'studio:settings-set': { args: Partial<DesktopSettings>; result: EffectiveSettings };
  'studio:stack': {
    args: { action: 'up'; file?: string; profiles?: string[]; project?: string } | { action: 'down'; removeVolumes?: boolean } | { action: 'status' };
    result: StackStatus;
  };
  'studio:app-info': { args: Record<string, never>; result: AppInfo };
  /** Opens an http(s) link in the system browser if it passes the allow-list. */
  'studio:open-external': { args: { url: string }; result: boolean };
  /** The renderer has dealt with its unsaved documents: the window may close now. */
  'studio:close-window': { args: Record<string, never>; result: null };
}

export type IpcChannel = keyof IpcChannels;
export type IpcArgs<C extends IpcChannel> = IpcChannels[C]['args'];
export type IpcResult<C extends IpcChannel> = IpcChannels[C]['result'];

/** Menu items the renderer carries out: the same actions as its keyboard shortcuts. */
export type MenuAction = ShortcutAction;

/** Events main pushes to the renderer. */
export interface IpcEvents {
  /** A watched file changed on disk (its new text read once, here). */
  'studio:file-changed': { path: string; mtimeMs: number; text: string };
  'studio:file-removed': { path: string };
  'studio:server-restarted': { reason: string };
  'studio:stack-progress': PullProgress;
  /** A status or an error the stack reported on its own (not the answer to a request). */
  'studio:stack-status': StackStatus;
  'studio:stack-error': { message: string };
  'studio:menu': { action: MenuAction };
  /** Files to open: the command line, a second instance, macOS open-file, Open Recent. */
  'studio:open-files': { files: OpenedFile[]; errors: string[] };
  /** The window is asked to close: the renderer settles unsaved documents, then calls closeWindow. */
  'studio:close-requested': Record<string, never>;
}

export type IpcEvent = keyof IpcEvents;

/** The bridge's methods and the one channel each calls: the preload builds `window.studioDesktop` from this table. */
export const BRIDGE_METHODS = {
  openFile: 'studio:file-open',
  saveFile: 'studio:file-save',
  saveFileAs: 'studio:file-save-as',
  watchFiles: 'studio:file-watch',
  recentFiles: 'studio:recent-files',
  confirmClose: 'studio:confirm-close',
  listDrafts: 'studio:drafts-list',
  saveDrafts: 'studio:drafts-save',
  render: 'studio:render',
  engines: 'studio:engines',
  serverInfo: 'studio:server-info',
  warm: 'studio:warm',
  getSettings: 'studio:settings-get',
  setSettings: 'studio:settings-set',
  stack: 'studio:stack',
  appInfo: 'studio:app-info',
  openExternal: 'studio:open-external',
  closeWindow: 'studio:close-window',
} as const satisfies Record<string, IpcChannel>;

export const BRIDGE_EVENTS = [
  'studio:file-changed',
  'studio:file-removed',
  'studio:server-restarted',
  'studio:stack-progress',
  'studio:stack-status',
  'studio:stack-error',
  'studio:menu',
  'studio:open-files',
  'studio:close-requested',
] as const satisfies readonly IpcEvent[];

type Methods = typeof BRIDGE_METHODS;

/** `window.studioDesktop`: what the preload exposes, and all it exposes. */
export type DesktopBridge = {
  readonly [M in keyof Methods]: (args: IpcArgs<Methods[M]>) => Promise<IpcReply<IpcResult<Methods[M]>>>;
} & {
  /** Subscribes to one of BRIDGE_EVENTS; returns the unsubscribe function. */
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEvents[E]) => void): () => void;
  readonly platform: string;
};
