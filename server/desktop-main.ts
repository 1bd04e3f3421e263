/**
 * The process entry of the desktop's server child (Electron's utilityProcess, or a Node
 * fork): runs runDesktopServer over the parent's channel and exits with its code.
 */
import { parentChannel, runDesktopServer } from './desktop.js';

const channel = parentChannel();
if (!channel) {
  process.stderr.write('kroki-studio: server/desktop-main is started by the desktop app (a utilityProcess or a fork); use `kroki-studio serve` otherwise.\n');
  process.exit(2);
}
runDesktopServer(channel).then(
  // The last message (closed, failed) must reach the parent before the process ends.
  (code) => void channel.flush().then(() => process.exit(code)),
  (err: unknown) => {
    process.stderr.write(`kroki-studio: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
