import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EngineCrashedError, EngineUnavailableError, RenderTimeoutError } from '../../../server/errors.js';
import { CommandWorker, OutputLimitError, runCommand, type CommandSpec, type CommandWorkerOptions } from '../../../server/runtimes/command-runner.js';

const NODE = process.execPath;
const FIXTURE = fileURLToPath(new URL('../../fixtures/command-worker-echo.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'command-runner-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const base = { id: 'probe', timeoutMs: 5_000, maxOutputBytes: 1024 * 1024 } satisfies Partial<CommandSpec>;
const run = (spec: Partial<CommandSpec> & Pick<CommandSpec, 'argv'>) => runCommand({ ...base, ...spec });
const node = (script: string, ...args: string[]) => [NODE, '-e', script, ...args];

/** Whether a process still runs. Zombies count as gone: this container's PID 1 does not reap orphans. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Dies within a second (the kernel delivers SIGKILL promptly, but not synchronously). */
async function expectGone(pid: number): Promise<void> {
  await expect.poll(() => alive(pid), { timeout: 1_000, interval: 20 }).toBe(false);
}

/** A fresh folder per test, for marker files. */
function folder(): string {
  return mkdtempSync(path.join(scratch, 't-'));
}

/** Pids a shell wrote to `file` ("$$ $!"), once it has. */
async function pidsFrom(file: string): Promise<number[]> {
  await expect.poll(() => existsSync(file) && readFileSync(file, 'utf8').trim().split(/\s+/).length >= 2, { timeout: 1_000, interval: 10 }).toBe(true);
  return readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
}

describe('runCommand', () => {
  it('captures stdout, stderr, the exit code and the duration', async () => {
    const result = await run({ argv: node("process.stdout.write('out'); process.stderr.write('err')") });
    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
    expect(result.stdout.toString()).toBe('out');
    expect(result.stderr.toString()).toBe('err');
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('passes input on stdin and closes it (large input too, without deadlock)', async () => {
    expect((await run({ argv: ['/bin/cat'], input: 'hello\n' })).stdout.toString()).toBe('hello\n');
    const big = Buffer.alloc(2 * 1024 * 1024, 'ab');
    const result = await run({ argv: ['cat'], input: big, maxOutputBytes: big.length });
    expect(result.stdout.equals(big)).toBe(true);
    // Without input, stdin is empty rather than the server's own.
    expect((await run({ argv: ['cat'] })).stdout.length).toBe(0);
  });

  it('reports a non-zero exit or a signal as a result, not an error', async () => {
    const failed = await run({ argv: node("process.stderr.write('no good'); process.exit(7)") });
    expect(failed.code).toBe(7);
    expect(failed.stderr.toString()).toBe('no good');
    const killed = await run({ argv: ['sh', '-c', 'kill -9 $$'] });
    expect(killed.code).toBeNull();
    expect(killed.signal).toBe('SIGKILL');
  });

  it('says 503 with the program name when the program is missing or not executable', async () => {
    const missing = await run({ argv: ['no-such-program-4711', 'x'] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(EngineUnavailableError);
    expect((missing as EngineUnavailableError).status).toBe(503);
    expect((missing as Error).message).toContain('no-such-program-4711');

    const absent = await run({ argv: ['/nonexistent/tool'] }).catch((e: unknown) => e);
    expect(absent).toBeInstanceOf(EngineUnavailableError);
    expect((absent as Error).message).toContain('/nonexistent/tool');

    const dir = folder();
    const script = path.join(dir, 'not-executable.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o644);
    const denied = await run({ argv: [script] }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(EngineUnavailableError);
    expect((denied as Error).message).toMatch(/not-executable\.sh.*not an executable/);
  });

  it('passes arguments literally: no shell ever sees them', async () => {
    const dir = folder();
    const args = [`; touch ${dir}/a`, `$(touch ${dir}/b)`, `\`touch ${dir}/c\``, `| touch ${dir}/d`, `> ${dir}/e`, '*', 'it\'s "quoted"', '$HOME'];
    const result = await run({ argv: node('process.stdout.write(JSON.stringify(process.argv.slice(1)))', ...args) });
    expect(JSON.parse(result.stdout.toString())).toEqual(args);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('gives the program a scrubbed environment: only what is listed gets through', async () => {
    process.env.STUDIO_TEST_SECRET = 'hunter2';
    process.env.STUDIO_TEST_VISIBLE = 'shown';
    try {
      const dir = folder();
      const parse = (out: Buffer) =>
        Object.fromEntries(
          out
            .toString()
            .trim()
            .split('\n')
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
      const plain = parse((await run({ argv: ['env'], cwd: dir })).stdout);
      expect(Object.keys(plain).sort()).toEqual(['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']);
      expect(plain).toMatchObject({ HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', PATH: process.env.PATH, TMPDIR: tmpdir() });

      const listed = parse((await run({ argv: ['env'], passEnv: ['STUDIO_TEST_VISIBLE', 'STUDIO_TEST_UNSET'], env: { EXTRA: '1' } })).stdout);
      expect(listed.STUDIO_TEST_VISIBLE).toBe('shown');
      expect(listed.EXTRA).toBe('1');
      expect(listed.HOME).toBe(tmpdir());
      expect(listed).not.toHaveProperty('STUDIO_TEST_SECRET');
      expect(listed).not.toHaveProperty('STUDIO_TEST_UNSET');
    } finally {
      delete process.env.STUDIO_TEST_SECRET;
      delete process.env.STUDIO_TEST_VISIBLE;
    }
  });

  it('times out with a 504 and kills the whole process group', async () => {
    const dir = folder();
    const started = Date.now();
    const err = await run({ argv: ['sh', '-c', `sleep 30 & echo $$ $! > ${dir}/pids; sleep 30`], timeoutMs: 400 }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(RenderTimeoutError);
    expect((err as RenderTimeoutError).status).toBe(504);
    expect((err as Error).message).toContain('probe');
    expect(elapsed).toBeLessThan(1_500);
    for (const pid of await pidsFrom(`${dir}/pids`)) await expectGone(pid);
  });

  it('escalates to SIGKILL when the group ignores SIGTERM', async () => {
    const dir = folder();
    const started = Date.now();
    // Children inherit the ignored signal, so only SIGKILL ends any of them.
    const argv = ['sh', '-c', `trap '' TERM; sleep 30 & echo $$ $! > ${dir}/pids; sleep 30`];
    const err = await run({ argv, timeoutMs: 300, killGraceMs: 150 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(440);
    expect(Date.now() - started).toBeLessThan(1_500);
    for (const pid of await pidsFrom(`${dir}/pids`)) await expectGone(pid);
  });

  it('kills what a program left running in its group when it exits', async () => {
    const dir = folder();
    const result = await run({ argv: ['sh', '-c', `sleep 30 & echo $$ $! > ${dir}/pids`] });
    expect(result.code).toBe(0);
    for (const pid of await pidsFrom(`${dir}/pids`)) await expectGone(pid);
  });

  it('stops a program that writes past the output cap', async () => {
    const started = Date.now();
    const err = await run({ argv: ['yes', 'spam'], maxOutputBytes: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputLimitError);
    expect((err as OutputLimitError).status).toBe(500);
    expect((err as OutputLimitError).expose).toBe(true);
    expect((err as Error).message).toContain('more than 10000 bytes to its standard output');
    expect(Date.now() - started).toBeLessThan(1_500);

    const noisy = await run({ argv: node("process.stderr.write('e'.repeat(5000)); setTimeout(() => {}, 30000)"), maxOutputBytes: 1000 }).catch(
      (e: unknown) => e,
    );
    expect((noisy as Error).message).toContain('standard error');
  });

  it('rejects with the signal’s reason when aborted, and kills the program', async () => {
    const dir = folder();
    const controller = new AbortController();
    const reason = new Error('the client went away');
    const pending = run({ argv: ['sh', '-c', `echo $$ > ${dir}/pid; exec sleep 30`], signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => existsSync(`${dir}/pid`) && readFileSync(`${dir}/pid`, 'utf8').trim() !== '', { timeout: 1_000, interval: 10 }).toBe(true);
    const pid = Number(readFileSync(`${dir}/pid`, 'utf8'));
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await pending).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(600);
    await expectGone(pid);

    // Aborted before it starts: nothing runs at all.
    const early = await run({ argv: ['sh', '-c', `touch ${dir}/ran`], signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(early).toBe(reason);
    expect(existsSync(`${dir}/ran`)).toBe(false);
  });

  it('leaves no timers, pipes or processes behind', async () => {
    const count = () => {
      const counts: Record<string, number> = {};
      for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
      return counts;
    };
    const before = count();
    await run({ argv: ['/bin/cat'], input: 'x' });
    await run({ argv: ['/bin/sleep', '30'], timeoutMs: 100 }).catch(() => undefined);
    await run({ argv: ['yes'], maxOutputBytes: 100 }).catch(() => undefined);
    await run({ argv: ['no-such-program-4711'] }).catch(() => undefined);
    // A closed process handle is released on the loop's next turn.
    await sleep(20);
    const after = count();
    for (const kind of ['Timeout', 'ProcessWrap', 'PipeWrap']) expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    // The exit hook that kills live groups exists only while one runs.
    expect(process.listeners('exit').map((l) => l.name)).not.toContain('killLiveGroups');
  });
});

describe('CommandWorker', () => {
  const workers: CommandWorker[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  function worker(extra: Partial<CommandWorkerOptions> = {}, flags: string[] = []) {
    const restarts: string[] = [];
    const w = new CommandWorker({
      id: 'echo',
      argv: [NODE, FIXTURE, ...flags],
      logger: pino({ level: 'silent' }),
      onRestart: (id) => restarts.push(id),
      startTimeoutMs: 5_000,
      stopGraceMs: 300,
      ...extra,
    });
    workers.push(w);
    return Object.assign(w, { restarts });
  }

  it('starts once and reports what the child said hello with', async () => {
    const w = worker();
    expect(w.state()).toBe('idle');
    const [a, b] = await Promise.all([w.start(), w.start()]);
    expect(a).toBe(b);
    expect(w.state()).toBe('ready');
    expect(w.info()).toEqual({ node: process.version, pid: w.pid() });
  });

  it('pipelines calls and matches each reply to its call', async () => {
    const w = worker();
    const inputs = Array.from({ length: 30 }, (_, i) => `body ${i} ${'é'.repeat(i)}`);
    const replies = await Promise.all(inputs.map((text, i) => w.call(i % 2 ? 'upper' : 'echo', text)));
    replies.forEach((reply, i) => {
      expect(reply.header.ok).toBe(true);
      expect(reply.body.toString('utf8')).toBe(i % 2 ? inputs[i]!.toUpperCase() : inputs[i]);
    });
    const binary = Buffer.from([0, 1, 2, 255, 0x7b]);
    expect((await w.call('echo', binary)).body.equals(binary)).toBe(true);
    expect(w.restarts).toEqual([]);
  });

  it('passes an error reply through for the engine to judge', async () => {
    const w = worker();
    const reply = await w.call('fail', 'x');
    expect(reply.header.ok).toBe(false);
    expect(reply.header.error).toEqual({ message: 'bad input near "x"', line: 3, kind: 'syntax' });
  });

  it('on abort: rejects at once, kills the child, fails the calls in flight with it, and restarts on the next call', async () => {
    const w = worker();
    await w.start();
    const oldPid = w.pid()!;
    const controller = new AbortController();
    const reason = new Error('gave up');
    const stuck = w.call('sleep', '', { signal: controller.signal }).catch((e: unknown) => e);
    const bystander = w.call('echo', 'innocent').catch((e: unknown) => e);
    await sleep(100);
    const abortedAt = Date.now();
    controller.abort(reason);
    expect(await stuck).toBe(reason);
    expect(Date.now() - abortedAt).toBeLessThan(100);
    expect(await bystander).toBeInstanceOf(EngineCrashedError);
    expect(w.restarts).toEqual(['echo']);
    await expectGone(oldPid);

    expect((await w.call('echo', 'again')).body.toString()).toBe('again');
    expect(w.pid()).not.toBe(oldPid);
    expect(w.state()).toBe('ready');
  });

  it('times a call out with a 504 and restarts', async () => {
    const w = worker();
    await w.start();
    const oldPid = w.pid()!;
    const started = Date.now();
    const err = await w.call('sleep', '', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderTimeoutError);
    expect((err as RenderTimeoutError).status).toBe(504);
    expect(Date.now() - started).toBeLessThan(600);
    expect(w.restarts).toEqual(['echo']);
    await expectGone(oldPid);
    expect((await w.call('upper', 'ok', { timeoutMs: 5_000 })).body.toString()).toBe('OK');
  });

  it('on a crash: rejects with the stderr tail, counts a restart, and the next call works', async () => {
    const w = worker();
    await w.start();
    const crashed = w.call('crash', '').catch((e: unknown) => e);
    const bystander = w.call('echo', 'queued behind the crash').catch((e: unknown) => e);
    const err = await crashed;
    expect(err).toBeInstanceOf(EngineCrashedError);
    expect((err as Error).message).toContain('exit code 3');
    expect((err as Error).message).toContain('fatal: something broke\nat the second line');
    expect(await bystander).toBeInstanceOf(EngineCrashedError);
    expect(w.restarts).toEqual(['echo']);
    expect(w.state()).toBe('idle');
    expect((await w.call('echo', 'back')).body.toString()).toBe('back');
  });

  it('fails clearly, with the text, when the child prints to its output pipe', async () => {
    const w = worker();
    await w.start();
    const started = Date.now();
    const err = await w.call('print', '', { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCrashedError);
    expect((err as Error).message).toContain('library chatter on stdout');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(w.restarts).toEqual(['echo']);
    expect((await w.call('echo', 'clean')).body.toString()).toBe('clean');
  });

  it('fails a start clearly: text before the hello, an early exit, a missing program', async () => {
    const noisy = worker({}, ['--noisy-start']);
    const started = Date.now();
    const err = await noisy.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineUnavailableError);
    expect((err as Error).message).toContain('Loading the library, please wait...');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(noisy.state()).toBe('failed');

    const early = worker({}, ['--fail-start']);
    const exited = await early.call('echo', 'x').catch((e: unknown) => e);
    expect(exited).toBeInstanceOf(EngineUnavailableError);
    expect((exited as Error).message).toContain('exit code 2');
    expect((exited as Error).message).toContain('ImportError: no module named thing');
    expect(early.restarts).toEqual([]);

    const missing = worker({ argv: ['no-such-worker-4711'] });
    const absent = await missing.start().catch((e: unknown) => e);
    expect(absent).toBeInstanceOf(EngineUnavailableError);
    expect((absent as Error).message).toContain('no-such-worker-4711');
    expect(missing.state()).toBe('failed');
  });

  it('stop() ends the child and its helpers; start() works again afterwards', async () => {
    const w = worker();
    const helper = Number((await w.call('grandchild', '')).body.toString());
    const pid = w.pid()!;
    expect(alive(helper)).toBe(true);
    await w.stop();
    expect(w.state()).toBe('stopped');
    expect(w.pid()).toBeUndefined();
    expect(alive(pid)).toBe(false);
    await expectGone(helper);

    expect((await w.call('echo', 'revived')).body.toString()).toBe('revived');
  });

  it('stop() escalates to signals when the child is stuck, and fails its calls', async () => {
    const w = worker({ stopGraceMs: 150 });
    await w.start();
    const pid = w.pid()!;
    const stuck = w.call('sleep', '').catch((e: unknown) => e);
    await sleep(50);
    const started = Date.now();
    await w.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await stuck).toBeInstanceOf(EngineUnavailableError);
    expect(alive(pid)).toBe(false);
    expect(w.restarts).toEqual([]);
  });
});
