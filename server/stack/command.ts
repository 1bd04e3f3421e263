/**
 * `kroki-studio stack up|down|status|logs`: the command line's side of the stack, run in
 * the CLI's own process (no server needed). Flags follow docker compose: -f/--profile/-p
 * before or after the subcommand, and `logs -f` follows. A failure is one line on stderr
 * (the details, such as a container's last log lines, follow it) and a non-zero exit.
 */
import { parseArgs } from 'node:util';
import { UpstreamProvider } from '../upstream/provider.js';
import { StackController } from './controller.js';
import { progressView, statusTable } from './terminal.js';

export interface StackArgs {
  action: 'up' | 'down' | 'status' | 'logs';
  file?: string;
  profiles: string[];
  project?: string;
  keepOnError: boolean;
  volumes: boolean;
  json: boolean;
  follow: boolean;
  tail?: number;
  service?: string;
}

const ACTIONS = ['up', 'down', 'status', 'logs'] as const;
const TAKES_VALUE = new Set(['-f', '--file', '--profile', '-p', '--project']);

export function parseStackArgs(argv: string[]): StackArgs {
  // The subcommand is the first word that is not an option or an option's value.
  let at = -1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (TAKES_VALUE.has(a)) i++;
    else if (!a.startsWith('-')) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new Error('which stack command? up, down, status or logs');
  const action = argv[at] as StackArgs['action'];
  if (!ACTIONS.includes(action)) throw new Error(`unknown stack command '${argv[at]}' (expected up, down, status or logs)`);
  const shared = { profile: { type: 'string', multiple: true }, project: { type: 'string', short: 'p' } } as const;
  const before = parseArgs({ args: argv.slice(0, at), options: { ...shared, file: { type: 'string', short: 'f' } } }).values;
  const rest = argv.slice(at + 1);
  const args: StackArgs = { action, profiles: [...(before.profile ?? [])], keepOnError: false, volumes: false, json: false, follow: false };
  if (before.file !== undefined) args.file = before.file;
  if (before.project !== undefined) args.project = before.project;
  const after =
    action === 'logs'
      ? parseArgs({
          args: rest,
          allowPositionals: true,
          options: { ...shared, file: { type: 'string' }, follow: { type: 'boolean', short: 'f' }, tail: { type: 'string' } },
        })
      : parseArgs({
          args: rest,
          options: {
            ...shared,
            file: { type: 'string', short: 'f' },
            'keep-on-error': { type: 'boolean' },
            volumes: { type: 'boolean', short: 'v' },
            json: { type: 'boolean' },
          },
        });
  const v = after.values as Record<string, unknown>;
  if (typeof v.file === 'string') args.file = v.file;
  if (typeof v.project === 'string') args.project = v.project;
  args.profiles.push(...((v.profile as string[] | undefined) ?? []));
  const wrong = (flag: string): never => {
    throw new Error(`option '--${flag}' does not apply to stack ${action}`);
  };
  if (v['keep-on-error']) args.keepOnError = action === 'up' || wrong('keep-on-error');
  if (v.volumes) args.volumes = action === 'down' || wrong('volumes');
  if (v.json) args.json = action === 'status' || wrong('json');
  if (action === 'logs') {
    args.follow = v.follow === true;
    if (typeof v.tail === 'string') {
      if (!/^\d+$/.test(v.tail)) throw new Error(`--tail expects a number of lines, got '${v.tail}'`);
      args.tail = Number(v.tail);
    }
    if (after.positionals.length > 1) throw new Error('stack logs takes at most one service');
    if (after.positionals[0]) args.service = after.positionals[0];
  }
  return args;
}

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  signal?: AbortSignal;
}

export async function runStackCommand(args: StackArgs, io: Io, env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const controller = new StackController({
    upstream: new UpstreamProvider(null, 30_000),
    env,
    watchMs: 0,
    defaults: {
      ...(args.file && { file: args.file }),
      ...(args.project && { project: args.project }),
      ...(args.profiles.length && { profiles: args.profiles }),
    },
  });
  const fail = (err: unknown) => {
    const [first, ...more] = ((err as Error).message ?? String(err)).split('\n');
    io.stderr.write(`kroki-studio: stack ${args.action}: ${first}\n${more.map((l) => `  ${l}\n`).join('')}`);
    return 1;
  };
  const onAbort = () => void controller.close();
  io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    switch (args.action) {
      case 'up': {
        const view = progressView(io.stderr);
        controller.on('progress', (p) => view.progress(p));
        controller.on('status', (s) => view.status(s));
        try {
          const status = await controller.up({ keepOnError: args.keepOnError });
          view.stop();
          io.stdout.write(`${statusTable(status)}\n`);
          return 0;
        } catch (err) {
          view.stop();
          return fail(err);
        }
      }
      case 'down': {
        const status = await controller.down({ removeVolumes: args.volumes });
        io.stdout.write(`stack ${status.project} is down (${status.services.length} service${status.services.length === 1 ? '' : 's'} removed)\n`);
        return 0;
      }
      case 'status': {
        await controller.attach();
        const status = await controller.status();
        io.stdout.write(args.json ? `${JSON.stringify(status, null, 2)}\n` : `${statusTable(status)}\n`);
        return status.docker.available ? 0 : 1;
      }
      case 'logs': {
        const opts = { ...(args.service && { service: args.service }), ...(args.tail !== undefined && { tail: args.tail }) };
        const width = 12;
        const write = (l: { service: string; line: string }) => io.stdout.write(args.service ? `${l.line}\n` : `${l.service.padEnd(width)} | ${l.line}\n`);
        if (!args.follow) {
          for (const l of await controller.logs(opts)) write(l);
          return 0;
        }
        const abort = new AbortController();
        io.signal?.addEventListener('abort', () => abort.abort(), { once: true });
        await controller.followLogs(opts, write, abort.signal);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    return fail(err);
  } finally {
    io.signal?.removeEventListener('abort', onAbort);
    await controller.close();
  }
}
