/**
 * Starts the server child with child_process.fork, speaking the same messages as the
 * utilityProcess in Electron: used by the tests and by any Node parent. From TypeScript
 * sources it runs server/desktop-main.ts through tsx; from a build, dist/server/desktop-main.js.
 */
import { fork } from 'node:child_process';
import type { FromServer } from '../shared/ipc.js';
import type { ChildHandle, ChildLauncher } from './child.js';

export interface NodeLauncherOptions {
  /** The entry module (server/desktop-main.ts or its build). */
  entry: string;
  /** Node flags, e.g. ['--import', 'tsx'] for the TypeScript sources. */
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  /** Where the child's stdout/stderr go: 'inherit', or 'pipe' to read them (`onOutput`). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  onOutput?(chunk: string): void;
}

export function nodeLauncher(options: NodeLauncherOptions): ChildLauncher {
  return {
    launch(): ChildHandle {
      const stdio = options.stdio ?? 'inherit';
      const child = fork(options.entry, [], {
        execArgv: options.execArgv ?? [],
        env: { ...(options.env ?? process.env) },
        stdio: [stdio === 'pipe' ? 'ignore' : stdio, stdio, stdio, 'ipc'],
        serialization: 'advanced',
      });
      // Spawn and pipe failures also end in 'exit' (or never start it): the supervisor acts on that, not on this event.
      child.on('error', () => undefined);
      if (stdio === 'pipe') {
        child.stdout?.on('data', (d: Buffer) => options.onOutput?.(d.toString()));
        child.stderr?.on('data', (d: Buffer) => options.onOutput?.(d.toString()));
      }
      return {
        get pid() {
          return child.pid;
        },
        postMessage: (message) => {
          // A child that is exiting closes its pipe under a send (EPIPE): the exit listener reports it.
          if (child.connected) child.send(message, (err) => void err);
        },
        onMessage: (listener) => child.on('message', (m) => listener(m as FromServer)),
        onExit: (listener) => child.once('exit', (code, signal) => listener(code, signal)),
        kill: () => {
          child.kill('SIGKILL');
        },
      };
    },
  };
}
