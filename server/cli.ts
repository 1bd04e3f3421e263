/**
 * The `kroki-studio` command line: a table of commands (`serve`, `render`), global `--help` and
 * `--version`, and `<command> --help`. Importing this module does nothing: `main(argv)`
 * returns the exit code and never touches the process, so tests call it directly.
 * `runAsProcess(argv)` is the process entry (bin/kroki-studio.js for the build,
 * server/main.ts for `npm run dev` and the tests): it turns SIGINT/SIGTERM into an abort
 * of the running command, gives it SHUTDOWN_GRACE_MS to finish, then exits with its code.
 */
import { parseArgs } from 'node:util';
import { renderCommand } from './batch/command.js';
import { ConfigError, loadConfig } from './config.js';
import { STUDIO_VERSION } from './version.js';
import { keepAllocatorToNode } from './allocator.js';

export interface CommandContext {
  /** Aborted on SIGINT/SIGTERM (its reason is the signal's name): the command should wind down and return. */
  signal?: AbortSignal;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `<command> --help` text. */
  usage: string;
  /** Returns the exit code once the command is done (for `serve`: once the server has closed). */
  run(argv: string[], ctx: CommandContext): Promise<number>;
}

const serve: Command = {
  name: 'serve',
  summary: 'Start the Kroki-compatible server and the web UI.',
  usage: `Usage: kroki-studio serve [--host HOST] [--port PORT]

Start the Kroki-compatible server and the web UI; SIGINT/SIGTERM stop it (in-flight
renders finish, engines stop, no Chromium or JVM is left behind).

  --host       Address to listen on (default 127.0.0.1; STUDIO_HOST). Use 0.0.0.0 in a container.
  --port       Port (default 8080; STUDIO_PORT). 0 picks a free port.
  --help       This help.

All other settings are environment variables; see docs/configuration.md.`,
  async run(argv, { signal }) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { host: { type: 'string' }, port: { type: 'string' } } }));
    } catch (err) {
      process.stderr.write(`kroki-studio: ${(err as Error).message}\n\n${serve.usage}\n`);
      return 2;
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

    // Loaded here, not at the top: `--help` and `--version` stay quick.
    const { ListenError, startServer } = await import('./start.js');
    let server;
    try {
      server = await startServer(config, { signal, ownsProcess: true });
    } catch (err) {
      if (err instanceof ListenError) {
        process.stderr.write(`kroki-studio: ${err.message}\n`);
        return 1;
      }
      if (signal?.aborted) return 0; // stopped while starting: everything is closed
      throw err;
    }
    if (!signal) return new Promise<number>(() => {}); // nothing can stop it but the process ending
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    // startServer closes on abort; close() is idempotent and resolves when that is done.
    try {
      await server.close();
      return 0;
    } catch {
      return 1; // logged by close()
    }
  },
};

const STACK_USAGE = `Usage: kroki-studio stack [-f FILE] [--profile NAME]... [-p PROJECT] <up|down|status|logs> [options]

Start, watch and stop the local Kroki stack in Docker (Kroki and, by profile, its
companions: mermaid, bpmn, excalidraw, diagramsnet, or companions for all). A running
Studio server uses the stack's Kroki as its upstream while it is healthy.

  up       Pull missing images (progress bars), start the services in dependency
           order and wait until they are healthy; the stack keeps running afterwards.
           --keep-on-error  leave what was created when the start fails (default: removed)
  down     Stop and remove the project's containers and networks.
           -v, --volumes    remove its volumes too
  status   Each service's state, health and ports.  --json  as JSON
  logs     [SERVICE] recent log lines.  --tail N (default 100)  -f, --follow  keep following

  -f, --file     A compose file instead of the built-in stack (STUDIO_STACK_FILE). After
                 "logs", -f means --follow (as in docker compose); use --file there.
  --profile      Enable a profile (repeatable; STUDIO_STACK_PROFILES).
  -p, --project  Project name (default kroki-studio; STUDIO_STACK_PROJECT).

Docker is found through DOCKER_HOST or the default socket. See docs/stack.md.`;

const stack: Command = {
  name: 'stack',
  summary: 'Start, watch and stop the local Kroki stack in Docker (up, down, status, logs).',
  usage: STACK_USAGE,
  async run(argv, { signal }) {
    const { parseStackArgs, runStackCommand } = await import('./stack/command.js');
    let parsed;
    try {
      parsed = parseStackArgs(argv);
    } catch (err) {
      process.stderr.write(`kroki-studio: ${(err as Error).message}\n\n${STACK_USAGE}\n`);
      return 2;
    }
    return runStackCommand(parsed, { stdout: process.stdout, stderr: process.stderr, ...(signal && { signal }) });
  },
};

/** One row per command. */
export const COMMANDS: readonly Command[] = [serve, renderCommand, stack];

export const USAGE = `Usage: kroki-studio <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(11)}${c.summary}`).join('\n')}

Options:
  --version  Print the version.
  --help     This help. \`kroki-studio <command> --help\` shows a command's options.

All other settings are environment variables; see docs/configuration.md.`;

const isHelp = (arg: string) => arg === '--help' || arg === '-h';

export async function main(argv: string[], ctx: CommandContext = {}): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  if (isHelp(first) || (first === 'help' && rest.length === 0)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${STUDIO_VERSION}\n`);
    return 0;
  }
  const name = first === 'help' ? rest[0]! : first;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const what = name.startsWith('-') ? `unknown option '${name}'` : `unknown command '${name}'`;
    process.stderr.write(`kroki-studio: ${what}\n\n${USAGE}\n`);
    return 2;
  }
  // `<command> --help` (before any `--`) and `help <command>`.
  const own = rest.indexOf('--') === -1 ? rest : rest.slice(0, rest.indexOf('--'));
  if (first === 'help' || own.some(isHelp)) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  return command.run(rest, ctx);
}

/** How long a command may take to wind down after SIGINT/SIGTERM before the process exits anyway. */
export const SHUTDOWN_GRACE_MS = 8000;

/** The process entry: runs main(argv), stops it on SIGINT/SIGTERM, exits with its code. */
export function runAsProcess(argv: string[]): void {
  keepAllocatorToNode();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return; // already winding down
    controller.abort(signal);
    const force = setTimeout(() => {
      process.stderr.write(`kroki-studio: shutdown took longer than ${SHUTDOWN_GRACE_MS / 1000} s; exiting\n`);
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(argv, { signal: controller.signal }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`kroki-studio: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
