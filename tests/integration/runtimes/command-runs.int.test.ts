/**
 * CommandRuns with real processes (node and sh, no engine): prepare runs once per start in
 * a private folder, a render's folder goes whatever the outcome, stop() ends the runs in
 * flight and removes everything, a failed prepare leaves 'failed' and the next start retries.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { EngineUnavailableError } from '../../../server/errors.js';
import { CommandRuns, type CommandRunsOptions } from '../../../server/runtimes/command-runs.js';

const logger = pino({ level: 'silent' });
const spec = { timeoutMs: 5_000, maxOutputBytes: 1024 * 1024 };
const runs = (more: Partial<CommandRunsOptions> = {}) => new CommandRuns({ id: 'probe', logger, ...more });

describe('CommandRuns', () => {
  it('prepares once per start in a private folder that stop() removes', async () => {
    let prepared = 0;
    let root = '';
    const host = runs({
      async prepare(ctx) {
        prepared++;
        root = ctx.dir;
        const r = await ctx.run({ ...spec, argv: ['sh', '-c', 'echo shared > shared.txt; echo 1.2.3'], cwd: ctx.dir });
        return { version: r.stdout.toString('utf8').trim() };
      },
    });
    expect(host.state()).toBe('idle');
    await Promise.all([host.start(), host.start()]);
    expect(prepared).toBe(1);
    expect(host.state()).toBe('ready');
    expect(host.info()).toEqual({ version: '1.2.3' });
    // A render sees what prepare left, one level up from its own folder.
    const seen = await host.folder(async (dir, shared) => {
      expect(shared).toBe(root);
      expect(path.dirname(dir)).toBe(root);
      return (await host.run({ ...spec, argv: ['cat', '../shared.txt'], cwd: dir })).stdout.toString('utf8').trim();
    });
    expect(seen).toBe('shared');
    await host.stop();
    expect(host.state()).toBe('stopped');
    expect(existsSync(root)).toBe(false);
    await host.start();
    expect(prepared).toBe(2);
    await host.stop();
  });

  it('removes a render’s folder after success, failure and abort', async () => {
    const host = runs();
    const dirs: string[] = [];
    await host.folder(async (dir) => {
      dirs.push(dir);
      writeFileSync(path.join(dir, 'out.txt'), 'x');
    });
    await expect(
      host.folder(async (dir) => {
        dirs.push(dir);
        throw new Error('the diagram was wrong');
      }),
    ).rejects.toThrow('the diagram was wrong');
    const controller = new AbortController();
    const aborted = host.folder(async (dir) => {
      dirs.push(dir);
      return host.run({ ...spec, argv: ['sleep', '30'], cwd: dir, signal: controller.signal });
    });
    await expect.poll(() => host.activeUses()).toBe(1);
    controller.abort(new Error('the client went away'));
    await expect(aborted).rejects.toThrow('the client went away');
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    expect(host.activeUses()).toBe(0);
    await host.stop();
  });

  it('stop() ends the runs in flight, with a clear error, and waits for them', async () => {
    const host = runs();
    let root = '';
    const pending = host
      .folder(async (dir) => {
        root = path.dirname(dir);
        return host.run({ ...spec, argv: ['sh', '-c', 'exec sleep 30'], cwd: dir });
      })
      .catch((e: unknown) => e);
    await expect.poll(() => host.pid()).toBeDefined();
    const pid = host.pid()!;
    await host.stop();
    expect(await pending).toBeInstanceOf(EngineUnavailableError);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(root)).toBe(false);
  });

  it('leaves a failed prepare as failed with its reason, and tries again on the next start', async () => {
    let attempt = 0;
    const host = runs({
      async prepare(ctx) {
        attempt++;
        if (attempt === 1) throw new EngineUnavailableError('the program is missing');
        writeFileSync(path.join(ctx.dir, 'ok'), String(attempt));
        return { attempt: readFileSync(path.join(ctx.dir, 'ok'), 'utf8') };
      },
    });
    await expect(host.start()).rejects.toThrow('the program is missing');
    expect(host.state()).toBe('failed');
    await expect(host.folder(async () => 'never')).resolves.toBe('never');
    expect(host.info()).toEqual({ attempt: '2' });
    await host.stop();
  });

  it('stops a prepare that runs past its time limit', async () => {
    const host = runs({
      startTimeoutMs: 200,
      prepare: async (ctx) => {
        await ctx.run({ ...spec, argv: ['sleep', '30'], cwd: ctx.dir, signal: ctx.signal });
        return {};
      },
    });
    const started = performance.now();
    await expect(host.start()).rejects.toThrow('did not get ready within 200 ms');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(host.activeUses()).toBe(0);
    expect(readdirSync(os.tmpdir()).some((d) => d.startsWith('studio-probe-'))).toBe(false);
  });
});
