/** Starts the server child as an Electron utilityProcess (the app's launcher for the supervisor). */
import { utilityProcess } from 'electron';
import type { FromServer } from '../shared/ipc.js';
import type { ChildHandle, ChildLauncher } from './child.js';

export function electronLauncher(entry: string, env: Record<string, string | undefined>): ChildLauncher {
  return {
    launch(): ChildHandle {
      const child = utilityProcess.fork(entry, [], { serviceName: 'Kroki Studio server', stdio: 'inherit', env: { ...env } });
      return {
        get pid() {
          return child.pid;
        },
        postMessage: (message) => child.postMessage(message),
        onMessage: (listener) => child.on('message', (message: unknown) => listener(message as FromServer)),
        onExit: (listener) => child.once('exit', (code: number) => listener(code, null)),
        kill: () => {
          // utilityProcess.kill() asks politely; the supervisor only calls this when asking failed.
          if (child.pid === undefined) return;
          try {
            process.kill(child.pid, 'SIGKILL');
          } catch {
            child.kill();
          }
        },
      };
    },
  };
}
