/**
 * startServer(): the one way to run the studio server, shared by the CLI (`kroki-studio
 * serve`), tests, the container and a future Electron utilityProcess child. It starts the
 * preloaded engines before it loads the web framework: the Graphviz worker loads its WASM
 * on the second core while the main thread is still importing Fastify (~0.25 s), and the
 * other preloaded engines start once the socket is open. Nothing here touches the process
 * (no signal handlers, no exit): the caller decides when to close.
 */
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { BuiltApp } from './app.js';
import type { StudioConfig } from './config.js';
import { createRenderRuntime } from './render/runtime.js';
import { createServerLogger } from './logging.js';
import { STUDIO_VERSION } from './version.js';
import { allocatorInUse } from './allocator.js';

export interface StartOptions {
  /**
   * Default: the buffered JSON logger on stdout (server/logging.ts), flushed after the
   * "listening on" line and closed by close(). A pino logger is used as given and left
   * open; `false` logs nothing.
   */
  logger?: Logger | false;
  /** Aborting closes the server; before it listens, startServer then rejects with the reason. */
  signal?: AbortSignal;
  /** Called once the socket is open and the "listening on" line is written. */
  onListening?(url: string): void;
  /** The server is the process (the CLI, the desktop child): its memory budget weighs the whole process tree. */
  ownsProcess?: boolean;
}

export interface StartedServer {
  /** The address as Fastify reports it, e.g. `http://127.0.0.1:8080`. */
  url: string;
  /** The bound port (the one the system picked for port 0). */
  port: number;
  /** Closes the app, which stops every engine (no JVM or Chromium outlives it). Idempotent. */
  close(): Promise<void>;
  app: BuiltApp;
}

/** The socket could not be opened (port in use, address not available, ...). */
export class ListenError extends Error {
  constructor(host: string, port: number, cause: unknown) {
    super(`cannot listen on ${host}:${port}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ListenError';
  }
}

/** An abort's reason as an Error (a runner may abort with the signal's name). */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return Object.assign(new Error(`aborted${reason === undefined ? '' : ` (${String(reason)})`}`, { cause: reason }), { name: 'AbortError' });
}

export async function startServer(config: StudioConfig, opts: StartOptions = {}): Promise<StartedServer> {
  const { signal } = opts;
  if (signal?.aborted) throw abortError(signal);
  const ownLog = opts.logger === undefined ? createServerLogger(config.logLevel) : null;
  const logger = ownLog?.logger ?? (opts.logger || pino({ level: 'silent' }));

  const runtime = createRenderRuntime(config, logger, undefined, { measureProcess: opts.ownsProcess ?? false });
  let listening: () => void = () => {};
  // Graphviz first and alone, the other engines once the socket is open.
  void runtime.core.startPreloaded(new Promise<void>((resolve) => (listening = resolve)));

  let app: BuiltApp;
  try {
    // Loaded only now, so the engines above start during these imports.
    const { buildApp } = await import('./app.js');
    app = await buildApp(config, { logger, runtime });
  } catch (err) {
    // The app never took the engines over: stop them here.
    await runtime.close();
    ownLog?.close();
    throw err;
  }

  let closing: Promise<void> | undefined;
  const onAbort = () => {
    const reason: unknown = signal?.reason;
    app.log.info(typeof reason === 'string' ? { signal: reason } : {}, 'shutting down');
    close().catch(() => undefined); // logged by close()
  };
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      try {
        await app.close();
      } catch (err) {
        app.log.error({ err }, 'error during shutdown');
        throw err;
      } finally {
        ownLog?.close();
      }
    })());
  const abandon = async (err: unknown): Promise<never> => {
    await close().catch(() => undefined);
    throw err;
  };

  if (signal?.aborted) return abandon(abortError(signal));
  signal?.addEventListener('abort', onAbort, { once: true });

  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    return abandon(new ListenError(config.host, config.port, err));
  }
  // Aborted while the socket was opening: close() is already under way.
  if (signal?.aborted) return abandon(abortError(signal));

  app.log.info(
    { address: url, upstream: config.krokiUrl, safeMode: config.safeMode, allocator: allocatorInUse() },
    `Kroki Studio ${STUDIO_VERSION} listening on ${url}`,
  );
  if (ownLog) ownLog.flush();
  else logger.flush();
  listening();
  opts.onListening?.(url);
  // A stack left running by an earlier Studio (or started by the CLI) becomes the upstream again.
  void app.stack.attach().catch((err: unknown) => app.log.warn({ err }, 'stack re-attach failed'));
  return { url, port: (app.server.address() as AddressInfo).port, close, app };
}
