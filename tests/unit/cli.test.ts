/**
 * server/cli.ts is a library: importing it starts nothing (no socket, no child process, no
 * worker, no signal handler, no exit), and main(argv) answers with an exit code.
 */
import { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// startServer stays real, but every call is recorded.
const started = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../../server/start.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../server/start.js')>();
  return { ...real, startServer: (...args: Parameters<typeof real.startServer>) => (started.calls++, real.startServer(...args)) };
});

const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
const listen = vi.spyOn(net.Server.prototype, 'listen');
// Every child process (spawn, exec, fork) goes through ChildProcess#spawn, which @types/node leaves out.
const spawn = vi.spyOn(ChildProcess.prototype as unknown as { spawn(): void }, 'spawn');
const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
const written = (spy: typeof out) => spy.mock.calls.map(([chunk]) => String(chunk)).join('');

let cli: typeof import('../../server/cli.js');
let resourcesBefore: string[];
let resourcesAfter: string[];
const signals = () => ['SIGINT', 'SIGTERM'].map((s) => process.listenerCount(s));
let signalsBefore: number[];

beforeAll(async () => {
  resourcesBefore = process.getActiveResourcesInfo();
  signalsBefore = signals();
  cli = await import('../../server/cli.js');
  await new Promise((r) => setTimeout(r, 1000)); // a server started on import would be listening by now
  resourcesAfter = process.getActiveResourcesInfo();
});
afterAll(() => vi.restoreAllMocks());

describe('server/cli.ts', () => {
  it('starts nothing when imported', () => {
    expect(typeof cli.main).toBe('function');
    expect(started.calls).toBe(0);
    expect(listen).not.toHaveBeenCalled();
    expect(spawn).not.toHaveBeenCalled();
    expect(exit).not.toHaveBeenCalled();
    expect(signals()).toEqual(signalsBefore);
    // Handles that appeared (a server, a child's pipes, a worker's port); timers aside.
    const added = resourcesAfter.filter((r) => r !== 'Timeout');
    for (const r of resourcesBefore) if (added.includes(r)) added.splice(added.indexOf(r), 1);
    expect(added).toEqual([]);
  });

  it('answers --help, <command> --help and --version with 0', async () => {
    out.mockClear();
    expect(await cli.main(['--help'])).toBe(0);
    expect(written(out)).toMatch(/Usage: kroki-studio <command>[\s\S]*\n {2}serve {2,}Start/);
    out.mockClear();
    expect(await cli.main(['serve', '--help'])).toBe(0);
    expect(written(out)).toContain('Usage: kroki-studio serve [--host HOST] [--port PORT]');
    out.mockClear();
    expect(await cli.main(['--version'])).toBe(0);
    expect(written(out)).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses an unknown command, a missing one and a bad flag with 2 and the usage on stderr', async () => {
    err.mockClear();
    expect(await cli.main(['nope'])).toBe(2);
    expect(written(err)).toContain("unknown command 'nope'");
    expect(written(err)).toContain('Usage: kroki-studio <command>');
    err.mockClear();
    expect(await cli.main([])).toBe(2);
    expect(written(err)).toContain('Usage: kroki-studio <command>');
    err.mockClear();
    expect(await cli.main(['serve', '--frobnicate'])).toBe(2);
    expect(written(err)).toContain("Unknown option '--frobnicate'");
    err.mockClear();
    expect(await cli.main(['serve', '--port', 'http'])).toBe(2);
    expect(written(err)).toMatch(/STUDIO_PORT.*\(--port\)/);
  });

  it('has one table row per command, each with its usage', () => {
    for (const c of cli.COMMANDS) {
      expect(c.usage).toContain(`Usage: kroki-studio ${c.name}`);
      expect(cli.USAGE).toContain(c.summary);
    }
  });

  it('never calls process.exit or opens a socket from main()', () => {
    expect(started.calls).toBe(0);
    expect(exit).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
    expect(spawn).not.toHaveBeenCalled();
  });
});
