/**
 * The server child as the supervisor sees it, whatever starts it: Electron's
 * utilityProcess in the app (child-electron.ts), child_process.fork under Node
 * (child-node.ts: the tests, and the same entry and messages).
 */
import type { FromServer, ToServer } from '../shared/ipc.js';

export interface ChildHandle {
  readonly pid: number | undefined;
  postMessage(message: ToServer): void;
  onMessage(listener: (message: FromServer) => void): void;
  /** Once, when the process has ended (`code` null when a signal ended it). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (the supervisor's last resort). */
  kill(): void;
}

export interface ChildLauncher {
  launch(): ChildHandle;
}
