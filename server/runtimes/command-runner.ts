/**
 * Command runner: system programs as engines (a typesetter, a Python package's command-line
 * tool, ...). It knows nothing about diagrams: an engine builds the argv, decides what a
 * non-zero exit or an error reply means, and turns the output into a picture.
 *
 * runCommand(): one process per call.
 * - No shell. argv[0] is resolved through PATH here (or taken as a path) and the arguments
 *   reach the program exactly as given, so diagram text can never become shell syntax.
 * - A scrubbed environment: the program runs user input, so the server's own variables
 *   (secrets, tokens, proxies) never reach it; only PATH, HOME, LANG/LC_ALL and TMPDIR, plus
 *   what the engine names in `passEnv` or sets in `env`.
 * - Its own process group (`detached`), because programs start helpers of their own: a
 *   timeout, an abort or runaway output sends SIGTERM to the whole group and SIGKILL after
 *   `killGraceMs`; on a normal exit whatever the program left behind in its group is killed.
 *   (A helper that makes its own session escapes any group kill; only a container or cgroup
 *   can catch that.)
 * - The promise settles only once the program has exited and its pipes have closed, so when
 *   it settles nothing of the run is left and the caller's concurrency cap counted real
 *   processes.
 *
 * CommandWorker: one long-lived process that serves many requests, for programs that pay a
 * high start-up price (an interpreter importing a library) and can then answer quickly.
 *
 * Frame protocol, the same in both directions on the child's stdin and stdout:
 *
 *     uint32 BE header length | header: UTF-8 JSON object | uint32 BE body length | body
 *
 * - child → server, once and first: `{"type":"hello","info":{...}}` (versions, say); from then
 *   on the worker is ready.
 * - server → child: `{"id":7,"method":"render"}` + the request's input as the body.
 * - child → server: `{"id":7,"ok":true}` + the result as the body, or
 *   `{"id":7,"ok":false,"error":{"message":"...","line":3,"kind":"syntax"}}` (+ any body).
 *   Other header fields are passed through to the caller.
 * - Requests are pipelined: several may be in flight; replies are matched by id, in any order.
 *
 * What a child must do: keep stdout for frames only (point the language's own stdout at
 * stderr, so a library that prints cannot corrupt the stream; stray text is detected and
 * ends the worker with the text in the error), write diagnostics to stderr, and exit when its
 * stdin closes (that is how stop() ends it, and how it ends when the server dies).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { ByteQueue } from './byte-queue.js';
import type { EngineState } from '../../shared/api.js';
import { EngineCrashedError, EngineUnavailableError, RenderTimeoutError, StudioError } from '../errors.js';

// ---------------------------------------------------------------------------
// Shared: environment, program lookup, process groups
// ---------------------------------------------------------------------------

export interface ProcessOptions {
  /** argv[0] is the program: a name looked up in PATH, or a path (relative to `cwd`). */
  argv: readonly string[];
  /** Working folder; also the child's HOME unless `env` sets one. */
  cwd?: string;
  /** Added to the scrubbed environment (wins over it). */
  env?: Record<string, string>;
  /** Names of server variables the program may see (copied when set). */
  passEnv?: readonly string[];
}

export interface CommandSpec extends ProcessOptions {
  /** Who runs it (an engine id), for messages. */
  id: string;
  /** Written to stdin, which is then closed; without it stdin is empty. */
  input?: string | Buffer;
  timeoutMs: number;
  /** Cap on stdout and on stderr, each; past it the run is stopped and rejected. */
  maxOutputBytes: number;
  signal?: AbortSignal;
  /** Told the program's PID (its process group id too) once it runs. */
  onSpawn?(pid: number): void;
  /** Between SIGTERM and SIGKILL when a run is stopped. Default 200 ms; 0 kills at once. */
  killGraceMs?: number;
}

export interface CommandResult {
  /** Exit code, or null when a signal ended the program. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
}

/** 500 (shown): a program wrote more than the engine allows; it was stopped. */
export class OutputLimitError extends StudioError {
  constructor(id: string, stream: 'stdout' | 'stderr', maxBytes: number) {
    const name = stream === 'stdout' ? 'standard output' : 'standard error';
    super(500, `The ${id} engine wrote more than ${maxBytes} bytes to its ${name}; it was stopped.`, { expose: true });
  }
}

// Most distributions keep their programs here; used only when the server has no PATH at all.
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';
// After the main process exited and its group was killed, its pipes close at once unless a
// helper that escaped the group still holds them; we do not wait for such a helper.
const PIPE_DRAIN_MS = 500;
const STDERR_TAIL_BYTES = 4096;
// Headers are small JSON; keeping their cap below 16 MB means a frame's first byte is always
// 0, so printed text (never starting with NUL) is recognised from its first byte.
const MAX_HEADER_BYTES = 1024 * 1024;
const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** The environment a program sees: nothing of the server's unless asked for. */
export function scrubbedEnv(opts: ProcessOptions): Record<string, string> {
  const tmp = os.tmpdir();
  const env: Record<string, string> = {
    PATH: process.env.PATH || DEFAULT_PATH,
    // Programs write caches and dotfiles under HOME; the server's own must stay out of reach.
    HOME: opts.cwd === undefined ? tmp : path.resolve(opts.cwd),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TMPDIR: tmp,
  };
  for (const name of opts.passEnv ?? []) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return Object.assign(env, opts.env);
}

function executable(file: string): 'ok' | 'missing' | 'denied' {
  try {
    if (!statSync(file).isFile()) return 'denied';
  } catch {
    return 'missing';
  }
  try {
    accessSync(file, constants.X_OK);
    return 'ok';
  } catch {
    return 'denied';
  }
}

/**
 * The file spawn() will run. Done here rather than left to spawn so that a missing program is
 * a clear 503 before anything starts, and so the lookup uses the child's PATH.
 */
function resolveProgram(id: string, program: string, pathVar: string, cwd: string | undefined): string {
  if (program === '') throw new EngineUnavailableError(`The ${id} engine was given an empty program name.`);
  if (program.includes('/')) {
    const file = path.resolve(cwd ?? process.cwd(), program);
    const state = executable(file);
    if (state === 'ok') return file;
    if (state === 'missing') throw new EngineUnavailableError(`The ${id} engine needs the program ${file}, which does not exist.`);
    throw new EngineUnavailableError(`The ${id} engine needs the program ${file}, which is not an executable file.`);
  }
  let denied: string | null = null;
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, program);
    const state = executable(candidate);
    if (state === 'ok') return candidate;
    if (state === 'denied') denied ??= candidate;
  }
  if (denied) throw new EngineUnavailableError(`The ${id} engine needs the program "${program}"; ${denied} exists but is not executable.`);
  throw new EngineUnavailableError(`The ${id} engine needs the program "${program}", which was not found on PATH (${pathVar}). Install it or fix PATH.`);
}

function spawnGroup(id: string, program: string, opts: ProcessOptions, env: Record<string, string>, stdin: 'pipe' | 'ignore'): ChildProcess {
  try {
    return spawn(program, opts.argv.slice(1), {
      argv0: opts.argv[0],
      cwd: opts.cwd,
      env,
      shell: false,
      // A group of its own (setsid), so one kill reaches everything the program started.
      detached: true,
      stdio: [stdin, 'pipe', 'pipe'],
      windowsHide: true,
    });
  } catch (err) {
    // Synchronous refusals: a NUL byte in an argument, a bad cwd type, ...
    throw new EngineUnavailableError(`The ${id} engine could not start ${program}: ${(err as Error).message}`, { cause: err });
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    /* ESRCH: nothing of the group is left */
  }
}

// Groups still running. If the server exits while runs are in flight (process.exit after a
// fatal error), they are killed instead of outliving it: being in their own session, they
// would not get the terminal's SIGHUP. The listener exists only while a group does.
const liveGroups = new Set<number>();
const killLiveGroups = () => {
  for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
};

function trackGroup(pid: number): void {
  if (liveGroups.size === 0) process.on('exit', killLiveGroups);
  liveGroups.add(pid);
}

function untrackGroup(pid: number | undefined): void {
  if (pid === undefined || !liveGroups.delete(pid)) return;
  if (liveGroups.size === 0) process.off('exit', killLiveGroups);
}

/**
 * Calls `gone` once the main process has exited and its pipes have closed. On exit the rest of
 * its group is killed: leftovers would hold the pipes open (so 'close' would never come) and
 * would outlive the request.
 */
function whenGone(child: ChildProcess, gone: (code: number | null, signal: NodeJS.Signals | null) => void): void {
  let done = false;
  let drain: NodeJS.Timeout | undefined;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(drain);
    untrackGroup(child.pid);
    gone(child.exitCode, child.signalCode);
  };
  child.once('exit', () => {
    signalGroup(child.pid, 'SIGKILL');
    drain = setTimeout(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish();
    }, PIPE_DRAIN_MS);
  });
  child.once('close', finish);
}

/** The caller's reason, as the signal carries it. */
function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/** Keeps the first `max` bytes; says when more arrived. */
class CappedBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  /** False once the stream went past the cap. */
  add(chunk: Buffer): boolean {
    const room = this.max - this.size;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.size = this.max;
      return false;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** The last few KB a program wrote to stderr: enough to explain a crash, never unbounded. */
class StderrTail {
  private tail = Buffer.alloc(0);

  add(chunk: Buffer): void {
    this.tail = Buffer.concat([this.tail, chunk]);
    if (this.tail.length > STDERR_TAIL_BYTES) this.tail = this.tail.subarray(this.tail.length - STDERR_TAIL_BYTES);
  }

  /** The last lines, at most `maxChars` long in all. */
  text(maxChars = 1000): string {
    const lines = this.tail
      .toString('utf8')
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l.trim() !== '');
    const kept: string[] = [];
    let length = 0;
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]!;
      if (length + line.length > maxChars) {
        if (kept.length === 0) kept.unshift(`…${line.slice(line.length - maxChars)}`);
        break;
      }
      kept.unshift(line);
      length += line.length + 1;
    }
    return kept.join('\n');
  }
}

// ---------------------------------------------------------------------------
// runCommand
// ---------------------------------------------------------------------------

/**
 * Run a program once. Resolves on exit whatever the exit code (the engine decides what it
 * means); rejects with EngineUnavailableError when the program is missing or not executable,
 * RenderTimeoutError after `timeoutMs`, OutputLimitError past `maxOutputBytes`, and the
 * signal's reason when `signal` aborts.
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  const { id, signal, timeoutMs, maxOutputBytes } = spec;
  const killGraceMs = spec.killGraceMs ?? 200;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  let child: ChildProcess;
  try {
    const env = scrubbedEnv(spec);
    const program = resolveProgram(id, spec.argv[0] ?? '', env.PATH ?? '', spec.cwd);
    child = spawnGroup(id, program, spec, env, spec.input === undefined ? 'ignore' : 'pipe');
  } catch (err) {
    return Promise.reject(err);
  }
  const started = performance.now();

  return new Promise<CommandResult>((resolve, reject) => {
    const stdout = new CappedBuffer(maxOutputBytes);
    const stderr = new CappedBuffer(maxOutputBytes);
    let failure: unknown = null;
    let exited = false;
    let grace: NodeJS.Timeout | undefined;

    const stop = (reason: unknown) => {
      if (failure !== null) return;
      failure = reason;
      if (exited) return;
      if (killGraceMs <= 0) {
        signalGroup(child.pid, 'SIGKILL');
        return;
      }
      // A moment to clean up (temporary files, partial output) before the hard kill.
      signalGroup(child.pid, 'SIGTERM');
      grace = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), killGraceMs);
    };
    const onAbort = () => stop(abortReason(signal!));
    const timer = setTimeout(() => stop(new RenderTimeoutError(id, timeoutMs)), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    if (child.pid !== undefined) {
      trackGroup(child.pid);
      spec.onSpawn?.(child.pid);
    }
    child.stdout!.on('data', (chunk: Buffer) => {
      if (!stdout.add(chunk)) stop(new OutputLimitError(id, 'stdout', maxOutputBytes));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (!stderr.add(chunk)) stop(new OutputLimitError(id, 'stderr', maxOutputBytes));
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed spawn matters here (the lookup above makes that rare: a race, or a
      // binary for another machine); later errors are a kill that found nothing to kill.
      if (child.pid === undefined && failure === null) {
        failure = new EngineUnavailableError(`The ${id} engine could not start ${spec.argv[0]} in ${spec.cwd ?? process.cwd()}: ${err.message}`, {
          cause: err,
        });
        settle(null, null);
      }
    });
    child.once('exit', () => {
      exited = true;
      clearTimeout(timer);
      clearTimeout(grace);
    });

    let settled = false;
    const settle = (code: number | null, exitSignal: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onAbort);
      if (failure !== null) reject(failure);
      else resolve({ code, signal: exitSignal, stdout: stdout.bytes(), stderr: stderr.bytes(), durationMs: performance.now() - started });
    };
    whenGone(child, settle);

    if (spec.input !== undefined && child.stdin) {
      // A program may exit without reading its input: EPIPE is then expected, not an error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(spec.input);
    }
  });
}

// ---------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------

export interface WorkerReplyError {
  message: string;
  /** 1-based source line, when the program knows it. */
  line?: number;
  /** The program's own classification (e.g. `syntax`), for the engine to map. */
  kind?: string;
}

export interface WorkerReplyHeader {
  id: number;
  ok: boolean;
  error?: WorkerReplyError;
  [field: string]: unknown;
}

export interface WorkerReply {
  header: WorkerReplyHeader;
  body: Buffer;
}

interface Frame {
  header: Record<string, unknown>;
  body: Buffer;
}

/** One frame: header length, JSON header, body length, body. */
export function encodeFrame(header: object, body: Buffer | string = Buffer.alloc(0)): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const frame = Buffer.allocUnsafe(8 + head.length + data.length);
  frame.writeUInt32BE(head.length, 0);
  head.copy(frame, 4);
  frame.writeUInt32BE(data.length, 4 + head.length);
  data.copy(frame, 8 + head.length);
  return frame;
}

/** Bytes on the child's stdout that cannot be a frame. */
class FrameError extends Error {}

/** Reassembles frames from stdout chunks, and refuses at once what cannot be one. */
class FrameReader {
  private readonly bytes = new ByteQueue();

  constructor(private readonly maxBodyBytes: number) {}

  push(chunk: Buffer): Frame[] {
    this.bytes.push(chunk);
    const frames: Frame[] = [];
    while (this.bytes.length > 0) {
      // Judged as early as possible, so stray text fails now instead of waiting for bytes
      // that will never come: a frame starts with 0 (header cap) and its header with '{'.
      const start = this.bytes.peek(Math.min(this.bytes.length, 5));
      if (start[0] !== 0 || (start.length === 5 && start[4] !== 0x7b)) throw this.notAFrame();
      if (this.bytes.length < 5) break;
      const headerLength = start.readUInt32BE(0);
      if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) throw this.notAFrame();
      if (this.bytes.length < 8 + headerLength) break;
      const bodyLength = this.bytes.peek(8 + headerLength).readUInt32BE(4 + headerLength);
      if (bodyLength > this.maxBodyBytes) throw new FrameError(`a frame of ${bodyLength} bytes (more than the ${this.maxBodyBytes} allowed)`);
      if (this.bytes.length < 8 + headerLength + bodyLength) break;
      const all = this.bytes.take(8 + headerLength + bodyLength);
      let header: unknown;
      try {
        header = JSON.parse(all.subarray(4, 4 + headerLength).toString('utf8'));
      } catch {
        header = null;
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new FrameError('a frame whose header is not a JSON object');
      frames.push({ header: header as Record<string, unknown>, body: all.subarray(8 + headerLength) });
    }
    return frames;
  }

  private notAFrame(): FrameError {
    return new FrameError(`text where a frame should be: "${this.bytes.preview()}"`);
  }
}

// ---------------------------------------------------------------------------
// CommandWorker
// ---------------------------------------------------------------------------

export interface CommandWorkerOptions extends ProcessOptions {
  /** Engine/runtime id used in logs, errors and `onRestart`. */
  id: string;
  logger: Logger;
  onRestart(id: string): void;
  /** Limit for start-up until the hello frame. Default 30 s. */
  startTimeoutMs?: number;
  /** Largest frame body accepted in either direction. Default 64 MB. */
  maxFrameBytes?: number;
  /** How long stop() waits after closing stdin, and after SIGTERM, before escalating. Default 2 s. */
  stopGraceMs?: number;
}

export interface WorkerCallOptions {
  signal?: AbortSignal;
  /** Counted from the call, start-up included. */
  timeoutMs?: number;
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(err: unknown): void;
}

/** One child process and everything that belongs to it, so a late event of an old child cannot touch a new one. */
interface Proc {
  child: ChildProcess;
  pending: Map<number, Pending>;
  stderr: StderrTail;
  /** Set while waiting for the hello frame. */
  startup: { resolve(info: Record<string, unknown>): void; reject(err: unknown): void; timer: NodeJS.Timeout } | null;
  /** Set once we gave up on it (stop, abort, crash): its exit is no news. */
  retired: boolean;
  gone: Promise<void>;
  isGone: boolean;
}

export class CommandWorker {
  private proc: Proc | null = null;
  /** Every child not yet gone, the current one and those being killed. */
  private readonly procs = new Set<Proc>();
  private starting: Promise<Record<string, unknown>> | null = null;
  private current: EngineState = 'idle';
  private infoValue: Record<string, unknown> | null = null;
  private nextId = 1;
  private readonly startTimeoutMs: number;
  private readonly maxFrameBytes: number;
  private readonly stopGraceMs: number;

  constructor(private readonly opts: CommandWorkerOptions) {
    this.startTimeoutMs = opts.startTimeoutMs ?? 30_000;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.stopGraceMs = opts.stopGraceMs ?? 2_000;
  }

  state(): EngineState {
    return this.current;
  }

  /** What the child announced in its hello frame (versions). */
  info(): Record<string, unknown> | null {
    return this.infoValue;
  }

  /** PID of the running child (its process group id too). */
  pid(): number | undefined {
    return this.proc?.child.pid;
  }

  /** Start the child and wait for its hello. Memoised; a failed start clears the memo so a later call retries. */
  start(): Promise<Record<string, unknown>> {
    if (!this.starting) {
      this.current = 'starting';
      const starting: Promise<Record<string, unknown>> = this.launch().catch((err: unknown) => {
        if (this.starting === starting) this.starting = null;
        if (this.current !== 'stopped') this.current = 'failed';
        throw err;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  /**
   * Send one request. Resolves with the child's reply, `ok: false` included (the engine
   * decides what an error reply means); rejects when the signal aborts or `timeoutMs` passes
   * (the child is then killed, since it cannot be interrupted, and restarted on the next
   * call), when the child dies, or when it cannot start.
   */
  call(method: string, body: Buffer | string, opts: WorkerCallOptions = {}): Promise<WorkerReply> {
    const { signal, timeoutMs } = opts;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const data = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (data.length > this.maxFrameBytes) {
      return Promise.reject(new StudioError(413, `The input for the ${this.opts.id} engine is larger than ${this.maxFrameBytes} bytes.`));
    }

    return new Promise<WorkerReply>((resolve, reject) => {
      let done = false;
      let sent: { proc: Proc; id: number } | null = null;
      const finish = (err: unknown, reply?: WorkerReply) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve(reply!);
        else reject(err);
      };
      const giveUp = (err: unknown) => {
        if (done) return;
        finish(err);
        // Before the request was sent nothing is stuck; after it, the child is busy with work
        // nobody wants and cannot be told to stop.
        if (sent && sent.proc.pending.delete(sent.id)) this.abandon(sent.proc, err);
      };
      const onAbort = () => giveUp(abortReason(signal!));
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => giveUp(new RenderTimeoutError(this.opts.id, timeoutMs)), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });

      this.start().then(
        () => {
          if (done) return;
          const proc = this.proc;
          if (!proc || proc.retired) {
            finish(new EngineCrashedError(`The ${this.opts.id} engine stopped before the request could be sent. Please retry.`));
            return;
          }
          const id = this.nextId++;
          proc.pending.set(id, { resolve: (reply) => finish(undefined, reply), reject: (err) => finish(err) });
          sent = { proc, id };
          proc.child.stdin!.write(encodeFrame({ id, method }, data));
        },
        (err: unknown) => finish(err),
      );
    });
  }

  /** Close stdin (the child exits), then SIGTERM, then SIGKILL its group. In-flight calls are rejected. start() works again later. */
  async stop(): Promise<void> {
    this.current = 'stopped';
    this.starting = null;
    const proc = this.proc;
    if (proc) {
      this.proc = null;
      this.retire(proc, new EngineUnavailableError(`The ${this.opts.id} engine was stopped.`));
      proc.child.stdin!.end();
      if (!(await this.waitGone(proc, this.stopGraceMs))) {
        signalGroup(proc.child.pid, 'SIGTERM');
        if (!(await this.waitGone(proc, this.stopGraceMs))) signalGroup(proc.child.pid, 'SIGKILL');
      }
    }
    await Promise.all([...this.procs].map((p) => p.gone));
  }

  // ---- internals -------------------------------------------------------------------

  private async launch(): Promise<Record<string, unknown>> {
    const { id } = this.opts;
    const env = scrubbedEnv(this.opts);
    const program = resolveProgram(id, this.opts.argv[0] ?? '', env.PATH ?? '', this.opts.cwd);
    const child = spawnGroup(id, program, this.opts, env, 'pipe');
    let markGone!: () => void;
    const proc: Proc = {
      child,
      pending: new Map(),
      stderr: new StderrTail(),
      startup: null,
      retired: false,
      gone: new Promise<void>((resolve) => (markGone = resolve)),
      isGone: false,
    };
    this.proc = proc;
    this.procs.add(proc);
    if (child.pid !== undefined) trackGroup(child.pid);

    const hello = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => this.failStart(proc, new EngineUnavailableError(`The ${id} engine did not start within ${this.startTimeoutMs} ms.${this.tailNote(proc)}`)),
        this.startTimeoutMs,
      );
      proc.startup = { resolve, reject, timer };
    });

    const reader = new FrameReader(this.maxFrameBytes);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (proc.retired) return;
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (err) {
        const why = `The ${id} engine wrote ${(err as Error).message} to its output pipe`;
        if (proc.startup) this.failStart(proc, new EngineUnavailableError(`${why} while starting; its output must carry frames only.`));
        else this.crash(proc, new EngineCrashedError(`${why}; it is being restarted. Please retry.`), why);
        return;
      }
      for (const frame of frames) this.onFrame(proc, frame);
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      proc.stderr.add(chunk);
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.opts.logger.debug({ stderr: line }, `${id} stderr`);
    });
    // A child that died leaves writes failing with EPIPE; its exit explains what happened.
    child.stdin!.on('error', () => undefined);
    child.on('error', (err) => {
      if (proc.startup)
        this.failStart(proc, new EngineUnavailableError(`The ${id} engine could not start ${this.opts.argv[0]}: ${err.message}`, { cause: err }));
    });
    whenGone(child, (code, signal) => {
      proc.isGone = true;
      this.procs.delete(proc);
      markGone();
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      if (proc.startup) this.failStart(proc, new EngineUnavailableError(`The ${id} engine exited while starting (${how}).${this.tailNote(proc)}`));
      else if (!proc.retired)
        this.crash(
          proc,
          new EngineCrashedError(`The ${id} engine exited unexpectedly (${how}); it will be restarted. Please retry.${this.tailNote(proc)}`),
          how,
        );
    });

    const info = await hello;
    this.infoValue = info;
    this.current = 'ready';
    this.opts.logger.info({ pid: child.pid, info }, `${id} worker ready`);
    return info;
  }

  private onFrame(proc: Proc, frame: Frame): void {
    const { header, body } = frame;
    if (header.type === 'hello') {
      const startup = proc.startup;
      if (!startup) return;
      proc.startup = null;
      clearTimeout(startup.timer);
      const info = header.info;
      startup.resolve(typeof info === 'object' && info !== null && !Array.isArray(info) ? (info as Record<string, unknown>) : {});
      return;
    }
    if (typeof header.id !== 'number') return;
    const pending = proc.pending.get(header.id);
    // A reply to a call that was given up on, or noise: nobody waits for it.
    if (!pending) return;
    proc.pending.delete(header.id);
    pending.resolve({ header: { ...header, id: header.id, ok: header.ok === true }, body });
  }

  /** A call was given up on while the child works on it: end the child, fail the calls that shared it. */
  private abandon(proc: Proc, reason: unknown): void {
    if (proc.retired) return;
    const why = reason instanceof RenderTimeoutError ? 'a request ran past its time limit' : 'a request was cancelled';
    this.opts.logger.warn(
      { pid: proc.child.pid, inFlight: proc.pending.size },
      `${this.opts.id} worker killed because ${why}; it restarts on the next request`,
    );
    this.opts.onRestart(this.opts.id);
    this.retire(proc, new EngineCrashedError(`The ${this.opts.id} engine was restarted because ${why} while this one was in flight. Please retry.`));
    signalGroup(proc.child.pid, 'SIGKILL');
  }

  private crash(proc: Proc, err: EngineCrashedError, how: string): void {
    if (proc.retired) return;
    this.opts.logger.warn({ pid: proc.child.pid, how, stderr: proc.stderr.text() }, `${this.opts.id} worker failed; it restarts on the next request`);
    this.opts.onRestart(this.opts.id);
    this.retire(proc, err);
    signalGroup(proc.child.pid, 'SIGKILL');
  }

  private failStart(proc: Proc, err: EngineUnavailableError): void {
    const startup = proc.startup;
    if (!startup) return;
    proc.startup = null;
    clearTimeout(startup.timer);
    this.retire(proc, err);
    signalGroup(proc.child.pid, 'SIGKILL');
    startup.reject(err);
  }

  /** Stop using a child: its calls fail with `err`, and the next call starts a fresh one. */
  private retire(proc: Proc, err: unknown): void {
    if (proc.retired) return;
    proc.retired = true;
    if (this.proc === proc) {
      this.proc = null;
      this.starting = null;
      if (this.current === 'ready') this.current = 'idle';
    }
    if (proc.startup) {
      clearTimeout(proc.startup.timer);
      proc.startup.reject(err);
      proc.startup = null;
    }
    const pending = [...proc.pending.values()];
    proc.pending.clear();
    for (const p of pending) p.reject(err);
  }

  private waitGone(proc: Proc, ms: number): Promise<boolean> {
    if (proc.isGone) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void proc.gone.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private tailNote(proc: Proc): string {
    const tail = proc.stderr.text();
    return tail ? ` Its last output:\n${tail}` : '';
  }
}
