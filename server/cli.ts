/**
 * `kroki-studio serve [--host H] [--port P]`. Every flag also has an environment variable
 * (STUDIO_HOST, STUDIO_PORT); everything else is configured by environment only.
 * SIGINT/SIGTERM close the server: in-flight renders finish (bounded), engines stop, and
 * the Chromium and JVM children are ended before the process exits.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config.js';
import { createEngineRuntime } from './engine-runtime.js';
import { createServerLogger } from './logging.js';
import { STUDIO_VERSION } from './version.js';

const USAGE = `Usage: kroki-studio serve [--host HOST] [--port PORT]

  serve        Start the Kroki-compatible server and the web UI.
  --host       Address to listen on (default 127.0.0.1; STUDIO_HOST). Use 0.0.0.0 in a container.
  --port       Port (default 8080; STUDIO_PORT). 0 picks a free port.
  --version    Print the version.
  --help       This help.

All other settings are environment variables; see docs/configuration.md.`;

const SHUTDOWN_GRACE_MS = 8000;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean' }, version: { type: 'boolean' } },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${STUDIO_VERSION}\n`);
    return 0;
  }
  if (values.help || positionals[0] !== 'serve' || positionals.length > 1) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }

  let config;
  try {
    const env = { ...process.env };
    if (values.host !== undefined) env.STUDIO_HOST = values.host;
    if (values.port !== undefined) env.STUDIO_PORT = values.port;
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      const flag =
        err.setting === 'STUDIO_PORT' && values.port !== undefined
          ? ' (--port)'
          : err.setting === 'STUDIO_HOST' && values.host !== undefined
            ? ' (--host)'
            : '';
      process.stderr.write(`kroki-studio: ${err.message}${flag}\n`);
      return 2;
    }
    throw err;
  }

  const log = createServerLogger(config.logLevel);
  const exit = (code: number) => {
    log.close();
    process.exit(code);
  };
  // Start the preloaded engines before loading the web framework (~0.25 s of imports):
  // worker threads and the JVM load on the other core meanwhile.
  const runtime = createEngineRuntime(config, log.logger);
  let listening: () => void = () => {};
  // Graphviz first and alone, the other engines once the socket is open.
  void runtime.registry.startPreloaded(new Promise<void>((resolve) => (listening = resolve)));
  const { buildApp } = await import('./app.js');
  const app = await buildApp(config, { logger: log.logger, runtime });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => exit(0),
      (err: unknown) => {
        app.log.error({ err }, 'error during shutdown');
        exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    const address = await app.listen({ host: config.host, port: config.port });
    app.log.info({ address, upstream: config.krokiUrl, safeMode: config.safeMode }, `Kroki Studio ${STUDIO_VERSION} listening on ${address}`);
    log.flush();
    listening();
  } catch (err) {
    process.stderr.write(`kroki-studio: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await app.close();
    log.close();
    return 1;
  }
  return -1; // keep running
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`kroki-studio: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
