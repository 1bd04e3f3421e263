/**
 * The messages of the coming desktop app, in one place so each side is typed against the
 * same contract: the main process ↔ the server child (an Electron utilityProcess running
 * startServer) over the child's message port, and the renderer ↔ main process channels
 * the preload bridge exposes. Every channel name starts with `studio:`.
 */
import type { EnginesResponse, OutputFormat } from './api.js';
import type { PullProgress, StackStatus } from './stack.js';

// ---- main process <-> server child --------------------------------------------------

/** Settings the desktop may change while the server runs (the rest need a restart). */
export interface LiveSettings {
  /** The upstream Kroki, or null for none. */
  krokiUrl: string | null;
  safeMode: 'unsafe' | 'safe' | 'secure';
}

export type { PullProgress, StackServiceState, StackServiceStatus, StackState, StackStatus } from './stack.js';

/** Main process → server child. */
export type ToServer =
  | { type: 'settings'; settings: LiveSettings }
  | { type: 'stack-up'; file?: string; profiles?: string[]; project?: string }
  | { type: 'stack-down'; removeVolumes?: boolean }
  | { type: 'stack-status' }
  | { type: 'warm'; types: string[] }
  | { type: 'shutdown' };

/** Server child → main process. */
export type FromServer =
  | { type: 'ready'; url: string }
  | { type: 'failed'; message: string }
  | { type: 'stack-status'; status: StackStatus }
  | { type: 'stack-progress'; progress: PullProgress }
  | { type: 'stack-error'; message: string }
  | { type: 'closed' };

// ---- renderer <-> main process (the preload bridge) --------------------------------

export interface OpenedFile {
  path: string;
  text: string;
  /** Modification time when read, to detect external changes. */
  mtimeMs: number;
}

/** Each channel: what the renderer sends and what it gets back. */
export interface IpcChannels {
  'studio:file-open': { args: { path?: string }; result: OpenedFile | null };
  'studio:file-save': { args: { path: string; text: string; expectedMtimeMs?: number }; result: { mtimeMs: number } };
  'studio:file-save-as': { args: { text: string; suggestedName: string }; result: { path: string; mtimeMs: number } | null };
  'studio:recent-files': { args: Record<string, never>; result: string[] };
  'studio:render': {
    args: { type: string; format: OutputFormat; source: string; options?: Record<string, string> };
    result: { body: Uint8Array; contentType: string };
  };
  'studio:engines': { args: Record<string, never>; result: EnginesResponse };
  'studio:settings-get': { args: Record<string, never>; result: LiveSettings };
  'studio:settings-set': { args: LiveSettings; result: LiveSettings };
  'studio:stack': { args: { action: 'up' | 'down' | 'status' }; result: StackStatus };
  'studio:app-info': { args: Record<string, never>; result: { version: string; engines: Record<string, string> } };
}

export type IpcChannel = keyof IpcChannels;

/** Events main pushes to the renderer. */
export interface IpcEvents {
  'studio:file-changed': { path: string; mtimeMs: number };
  'studio:server-restarted': { reason: string };
  'studio:stack-progress': PullProgress;
}
