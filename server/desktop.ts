/**
 * The server as the desktop app's child process. Electron starts this module in a
 * utilityProcess and talks to it over `process.parentPort`; a Node parent (the tests, a
 * headless shell) forks it with child_process.fork and talks over the IPC channel. Either
 * way the messages are the typed ones in shared/ipc.ts: the parent sends `init` with the
 * per-launch secret (never in the environment or argv, which the engines' processes
 * inherit), the child answers `ready {url}` once it listens on 127.0.0.1 on a port the
 * system picked, and `shutdown` (or the parent going away) closes every engine before
 * the process exits. Importing this module starts nothing; `server/desktop-main.ts` is
 * the process entry.
 */
import { ConfigError, loadConfig, type StudioConfig } from './config.js';
import type { FromServer, LiveSettings, ToServer } from '../shared/ipc.js';
import { TO_SERVER_TYPES } from '../shared/ipc.js';
import { SAFE_MODES } from '../shared/api.js';
import type { StartedServer } from './start.js';
import { StackBridge } from './desktop-stack.js';

/** The parent's end, whatever carries it. */
export interface ParentChannel {
  send(message: FromServer): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the parent is gone (the fork's channel closed). */
  onDisconnect(listener: () => void): void;
  /** Resolves once the messages sent so far have left (before the process exits). */
  flush(): Promise<void>;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

/** Electron's utilityProcess port, else Node's fork channel, else null (not started as a child). */
export function parentChannel(): ParentChannel | null {
  const port = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      send: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (event) => listener(event.data)),
      // Electron ends a utility process with its app; there is no disconnect event to wait for.
      onDisconnect: () => {},
      flush: () => new Promise((resolve) => setImmediate(resolve)),
    };
  }
  if (typeof process.send === 'function') {
    let last: Promise<void> = Promise.resolve();
    return {
      send: (message) => {
        if (!process.connected) return;
        last = new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
      },
      // Bounded: a parent gone mid-send must not keep the process alive.
      flush: () => Promise.race([last, new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]),
      onMessage: (listener) => process.on('message', listener),
      onDisconnect: (listener) => (process.connected ? process.once('disconnect', listener) : queueMicrotask(listener)),
    };
  }
  return null;
}

/** How long the child waits for `init` before it gives up (a parent that never speaks). */
export const INIT_TIMEOUT_MS = 30_000;

function isToServer(message: unknown): message is ToServer {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && (TO_SERVER_TYPES as readonly string[]).includes(type);
}

/** Checks settings from the parent; returns an error message or null. */
export function checkLiveSettings(settings: unknown): string | null {
  const s = settings as Partial<LiveSettings> | null;
  if (!s || typeof s !== 'object') return 'settings must be an object';
  if (!(SAFE_MODES as readonly unknown[]).includes(s.safeMode)) return `safeMode must be one of ${SAFE_MODES.join(', ')}`;
  if (s.krokiUrl !== null) {
    if (typeof s.krokiUrl !== 'string') return 'krokiUrl must be a URL or null';
    let url: URL;
    try {
      url = new URL(s.krokiUrl);
    } catch {
      return `krokiUrl "${s.krokiUrl}" is not a URL`;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'krokiUrl must be http or https';
  }
  return null;
}

/**
 * Runs the server for a parent until it says `shutdown` or goes away; resolves with the
 * exit code. `env` is the process environment: host, port and upstream are the desktop's
 * own (loopback, a free port, the upstream from the settings), the rest is as for `serve`.
 */
export async function runDesktopServer(channel: ParentChannel, env: Record<string, string | undefined> = process.env): Promise<number> {
  // One listener for the whole life: messages that arrive while the server starts wait here.
  const pending: ToServer[] = [];
  let handle: ((message: ToServer) => void) | null = null;
  let onInit: ((message: Extract<ToServer, { type: 'init' }> | null) => void) | null = null;
  channel.onMessage((message) => {
    if (!isToServer(message)) return;
    if (onInit && (message.type === 'init' || message.type === 'shutdown')) return onInit(message.type === 'init' ? message : null);
    if (handle) handle(message);
    else pending.push(message);
  });
  const init = await new Promise<Extract<ToServer, { type: 'init' }> | null>((resolve) => {
    const timer = setTimeout(() => {
      process.stderr.write(`kroki-studio: no init message from the parent within ${INIT_TIMEOUT_MS / 1000} s; exiting\n`);
      resolve(null);
    }, INIT_TIMEOUT_MS);
    onInit = (message) => {
      clearTimeout(timer);
      onInit = null;
      resolve(message);
    };
    channel.onDisconnect(() => onInit?.(null));
  });
  if (!init) return 0;
  if (typeof init.secret !== 'string' || init.secret.length < 16) {
    channel.send({ type: 'failed', message: 'init: the secret must be a string of at least 16 characters' });
    return 2;
  }
  const problem = checkLiveSettings(init.settings);
  if (problem) {
    channel.send({ type: 'failed', message: `init: ${problem}` });
    return 2;
  }

  let config: StudioConfig;
  try {
    config = loadConfig(
      {
        ...env,
        STUDIO_HOST: '127.0.0.1',
        STUDIO_PORT: env.STUDIO_DESKTOP_PORT ?? '0',
        KROKI_URL: '',
        KROKI_SAFE_MODE: init.settings.safeMode,
        STUDIO_SECRET: '',
      },
      { secret: init.secret },
    );
  } catch (err) {
    channel.send({ type: 'failed', message: err instanceof ConfigError ? err.message : String((err as Error).message) });
    return 2;
  }

  const controller = new AbortController();
  let server: StartedServer;
  try {
    const { startServer } = await import('./start.js');
    server = await startServer(config, { signal: controller.signal, ownsProcess: true });
  } catch (err) {
    channel.send({ type: 'failed', message: (err as Error).message });
    return 1;
  }

  const { upstream, core } = server.app.studio;
  let releaseUpstream: (() => void) | null = null;
  const apply = (settings: LiveSettings) => {
    config.safeMode = settings.safeMode;
    releaseUpstream?.();
    releaseUpstream = settings.krokiUrl ? upstream.use(settings.krokiUrl, 'desktop') : null;
  };
  apply(init.settings);
  const stack = new StackBridge(server.url, init.secret, (message) => channel.send(message), server.app.hasRoute({ method: 'GET', url: '/api/stack' }));

  let finished: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finished = resolve));
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    stack.close();
    try {
      await server.close();
      channel.send({ type: 'closed' });
      finished(0);
    } catch {
      finished(1); // logged by close()
    }
  };

  handle = (message) => {
    if (closing) return;
    switch (message.type) {
      case 'settings': {
        const bad = checkLiveSettings(message.settings);
        if (bad) channel.send({ type: 'failed', message: `settings: ${bad}` });
        else {
          apply(message.settings);
          channel.send({ type: 'settings-applied', settings: { krokiUrl: message.settings.krokiUrl, safeMode: message.settings.safeMode } });
        }
        return;
      }
      case 'warm': {
        const types = Array.isArray(message.types) ? message.types.filter((t): t is string => typeof t === 'string') : [];
        const known = types.filter((t) => core.isKnown(t));
        for (const type of known) core.warm(type);
        channel.send({ type: 'warmed', types: known, unknown: types.filter((t) => !known.includes(t)) });
        return;
      }
      case 'stack-up':
        void stack.up(message.id, { file: message.file, profiles: message.profiles, project: message.project });
        return;
      case 'stack-down':
        void stack.down(message.id, { removeVolumes: message.removeVolumes });
        return;
      case 'stack-status':
        void stack.status(message.id);
        return;
      case 'shutdown':
        void shutdown();
        return;
      case 'init':
        return; // once only
    }
  };
  channel.onDisconnect(() => void shutdown());
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());

  channel.send({ type: 'ready', url: server.url, pid: process.pid });
  for (const message of pending.splice(0)) handle(message);
  return done;
}
