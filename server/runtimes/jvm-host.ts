/**
 * JvmHost: one long-lived JVM running a main class that speaks a small length-prefixed
 * frame protocol on stdin/stdout, so requests are pipelined to warm code instead of
 * paying a JVM start per request (~100x slower for a typical jar). It knows no diagram
 * type: the engine gives it a classpath, a main class, the JVM flags and opaque request
 * payloads, and reads the answers.
 *
 *   request  := u32 length, u8 1, u32 id, payload        (payload: the engine's own bytes)
 *   cancel   := u32 5, u8 2, u32 id                      (interrupt a render, best effort)
 *   response := u32 length, u32 id, u8 status, i32 position, u32 n, message, u32 m, body
 *   id 0 is the hello frame sent once at start: message = "key=value" lines.
 *
 * Lifecycle: start() is memoised; a crash rejects in-flight calls with EngineCrashedError
 * and clears the memo so the next call starts a fresh JVM; an aborted call that the JVM
 * does not answer within a grace period marks the JVM as stuck and it is killed (the
 * other calls in flight are resent to the fresh JVM: requests must be pure).
 * The main class may be compiled from its source at run time when no built class is
 * found (a source checkout with a JDK): into the first writable cache folder given.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ByteQueue } from './byte-queue.js';
import type { EngineState } from '../../shared/api.js';
import { EngineCrashedError, EngineUnavailableError, RenderTimeoutError, StudioError } from '../errors.js';

export interface JvmHostOptions {
  /** Name in logs, errors and onRestart. */
  id: string;
  /** The `java` command or path. */
  java: string;
  /** Jars and folders before the main class's own folder. */
  classpath: readonly string[];
  mainClass: string;
  /** Where the compiled main class may already be (best first), and its source for a run-time compile. */
  classes: { built: string; source: string; cacheDirs: readonly string[]; javacArgs?: readonly string[] };
  /** JVM flags before `-cp`. */
  jvmArgs: readonly string[];
  /** Variables set (a string) or removed (undefined) in the JVM's environment. */
  env?: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  onRestart(id: string): void;
  /** How long an aborted call may stay unanswered before the JVM counts as stuck. */
  stuckGraceMs?: number;
  /** How long stop() waits after closing stdin / SIGTERM before escalating. */
  stopGraceMs?: number;
  /** Limit for JVM start + hello frame. */
  startTimeoutMs?: number;
}

/** One answer: status 0 is success; the meaning of the others is the main class's. */
export interface JvmReply {
  status: number;
  /** The main class's position for an error (e.g. a line), -1 if none. */
  position: number;
  message: string;
  body: Buffer;
}

export interface JvmCallOptions {
  signal?: AbortSignal;
  /** For error messages: which engine asked. */
  caller?: string;
}

interface Pending {
  payload: Buffer;
  opts: JvmCallOptions;
  resolve(reply: JvmReply): void;
  reject(err: Error): void;
  /** Detaches from the request (abort listener) without settling it, so it can be resent. */
  detach(): void;
}

// ---------------------------------------------------------------------------
// Locating java, javac and the compiled main class
// ---------------------------------------------------------------------------

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Resolves a command name through PATH (no shell), or checks an explicit path. */
export function findExecutable(command: string): string | null {
  if (command.includes('/') || command.includes(path.sep)) return isExecutable(command) ? command : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** javac next to the configured java (same JDK), else on PATH. */
function findJavac(java: string | null): string | null {
  if (java) {
    try {
      const sibling = path.join(path.dirname(realpathSync(java)), 'javac');
      if (isExecutable(sibling)) return sibling;
    } catch {
      /* fall through to PATH */
    }
  }
  return findExecutable('javac');
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function runJavac(javac: string, classpath: readonly string[], source: string, outDir: string, extra: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    mkdirSync(outDir, { recursive: true });
    const args = [...extra, '-encoding', 'UTF-8', '-Xlint:-path', '-nowarn', '-d', outDir, '-cp', classpath.join(path.delimiter), source];
    const child = spawn(javac, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`javac exited with ${code}: ${output.trim().slice(0, 2000)}`));
    });
  });
}

// ---------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------

function requestFrame(id: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(9);
  head.writeUInt32BE(5 + payload.length, 0);
  head.writeUInt8(1, 4);
  head.writeUInt32BE(id, 5);
  return Buffer.concat([head, payload]);
}

function cancelFrame(id: number): Buffer {
  const frame = Buffer.alloc(9);
  frame.writeUInt32BE(5, 0);
  frame.writeUInt8(2, 4);
  frame.writeUInt32BE(id, 5);
  return frame;
}

interface ResponseFrame {
  id: number;
  status: number;
  position: number;
  message: string;
  body: Buffer;
}

/** Bytes on the JVM's stdout that are not a frame (text printed by something else). */
class FrameError extends Error {}

/** Larger than any picture the worker sends; text read as a length is far larger. */
const MAX_RESPONSE_FRAME = 512 * 1024 * 1024;

/** Reassembles response frames from stdout chunks without re-copying on every chunk. */
class FrameReader {
  private readonly bytes = new ByteQueue();

  /** Complete frames so far; throws FrameError at the first bytes that cannot be one. */
  push(chunk: Buffer): ResponseFrame[] {
    this.bytes.push(chunk);
    const frames: ResponseFrame[] = [];
    for (;;) {
      if (this.bytes.length < 4) break;
      const head = this.bytes.peek(4);
      const length = head.readUInt32BE(0);
      if (length < 17 || length > MAX_RESPONSE_FRAME) throw this.notAFrame();
      if (this.bytes.length < 4 + length) break;
      const all = this.bytes.take(4 + length);
      const id = all.readUInt32BE(4);
      const status = all.readUInt8(8);
      const position = all.readInt32BE(9);
      const msgLen = all.readUInt32BE(13);
      if (21 + msgLen > all.length || 21 + msgLen + all.readUInt32BE(17 + msgLen) !== all.length) throw new FrameError('a frame whose parts do not add up');
      const message = all.subarray(17, 17 + msgLen).toString('utf8');
      const bodyLen = all.readUInt32BE(17 + msgLen);
      const body = all.subarray(21 + msgLen, 21 + msgLen + bodyLen);
      frames.push({ id, status, position, message, body });
    }
    return frames;
  }

  private notAFrame(): FrameError {
    return new FrameError(`text where a frame should be: "${this.bytes.preview()}"`);
  }
}

// ---------------------------------------------------------------------------
// The host
// ---------------------------------------------------------------------------

export class JvmHost {
  private readonly stuckGraceMs: number;
  private readonly stopGraceMs: number;
  private readonly startTimeoutMs: number;

  private child: ChildProcessWithoutNullStreams | null = null;
  private starting: Promise<void> | null = null;
  private compiling: Promise<string> | null = null;
  private pending = new Map<number, Pending>();
  /** Calls the caller gave up on, each with the timer that declares the JVM stuck. */
  private abandoned = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  private currentState: EngineState = 'idle';
  private crashedSinceStart = false;
  private helloInfo: Record<string, string> | null = null;
  private stderrTail: string[] = [];
  private javaPath: string | null | undefined;
  /** The JVM we killed on purpose because a cancelled call hung in it. */
  private recycling: ChildProcessWithoutNullStreams | null = null;

  constructor(private readonly opts: JvmHostOptions) {
    this.stuckGraceMs = opts.stuckGraceMs ?? 2_000;
    this.stopGraceMs = opts.stopGraceMs ?? 2_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  state(): EngineState {
    return this.currentState;
  }

  /** PID of the running JVM (memory accounting, crash tests). */
  pid(): number | undefined {
    return this.child?.pid;
  }

  /** What the main class said in its hello frame (versions, capabilities), once started. */
  info(): Readonly<Record<string, string>> | null {
    return this.helloInfo;
  }

  private java(): string | null {
    if (this.javaPath === undefined) this.javaPath = findExecutable(this.opts.java);
    return this.javaPath;
  }

  private compiledClassDir(): string | null {
    const { built, source, cacheDirs } = this.opts.classes;
    const sourceTime = mtime(source);
    for (const dir of [built, ...cacheDirs]) {
      const classTime = mtime(path.join(dir, `${this.opts.mainClass}.class`));
      if (classTime >= 0 && classTime >= sourceTime) return dir;
    }
    return null;
  }

  available(): { ok: true } | { ok: false; reason: string } {
    for (const entry of this.opts.classpath) if (!existsSync(entry)) return { ok: false, reason: `${entry} was not found.` };
    const java = this.java();
    if (!java) return { ok: false, reason: `Java was not found ("${this.opts.java}"); install a Java runtime (17+) or set STUDIO_JAVA_PATH.` };
    if (this.compiledClassDir()) return { ok: true };
    if (existsSync(this.opts.classes.source) && findJavac(java)) return { ok: true };
    return {
      ok: false,
      reason: `The ${this.opts.mainClass} class is missing (run "npm run build" with a JDK installed, so that ${this.opts.classes.built} holds it).`,
    };
  }

  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.launch().catch((err: unknown) => {
        this.starting = null;
        this.currentState = 'failed';
        throw err;
      });
    }
    return this.starting;
  }

  private async classDir(): Promise<string> {
    const found = this.compiledClassDir();
    if (found) return found;
    const { source, cacheDirs, javacArgs = [] } = this.opts.classes;
    const javac = findJavac(this.java());
    if (!existsSync(source) || !javac) {
      throw new EngineUnavailableError(
        `The ${this.opts.mainClass} class is missing and cannot be compiled here (no javac or no ${path.basename(source)}); run "npm run build" with a JDK.`,
      );
    }
    if (!this.compiling) {
      this.compiling = (async () => {
        let lastError: unknown;
        for (const dir of cacheDirs) {
          try {
            await runJavac(javac, this.opts.classpath, source, dir, javacArgs);
            this.opts.logger.info({ dir }, `compiled ${this.opts.mainClass}`);
            return dir;
          } catch (err) {
            lastError = err;
            this.opts.logger.warn({ err, dir }, `could not compile ${this.opts.mainClass} here`);
          }
        }
        throw new EngineUnavailableError(`Could not compile ${this.opts.mainClass}: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      })().finally(() => {
        this.compiling = null;
      });
    }
    return this.compiling;
  }

  private async launch(): Promise<void> {
    this.currentState = 'starting';
    const availability = this.available();
    if (!availability.ok) throw new EngineUnavailableError(availability.reason);
    const classDir = await this.classDir();
    if (this.crashedSinceStart) {
      this.crashedSinceStart = false;
      this.opts.onRestart(this.opts.id);
    }
    const args = [...this.opts.jvmArgs, '-cp', [...this.opts.classpath, classDir].join(path.delimiter), this.opts.mainClass];
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(this.opts.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }

    const child = spawn(this.java()!, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child = child;
    this.stderrTail = [];
    const reader = new FrameReader();
    const name = this.opts.id;

    const hello = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineUnavailableError(`The ${name} JVM did not start within ${this.startTimeoutMs} ms.`));
        child.kill('SIGKILL');
      }, this.startTimeoutMs);
      const onHello = (frame: ResponseFrame) => {
        clearTimeout(timer);
        this.helloInfo = Object.fromEntries(
          frame.message
            .split('\n')
            .filter((l) => l.includes('='))
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
        );
        resolve();
      };
      child.stdout.on('data', (chunk: Buffer) => {
        let frames: ResponseFrame[];
        try {
          frames = reader.push(chunk);
        } catch (err) {
          // Something other than the main class wrote to the frame pipe: nothing after it can
          // be trusted. Before the hello that is a failed start (said now, not after the
          // start timeout); later the JVM is replaced like after a crash.
          const why = `The ${name} JVM wrote ${(err as Error).message} to its output pipe`;
          clearTimeout(timer);
          reject(new EngineUnavailableError(`${why}. Check the JVM options.`));
          this.opts.logger.error({ pid: child.pid }, why);
          child.stdout.removeAllListeners('data');
          child.kill('SIGKILL');
          return;
        }
        for (const frame of frames) {
          if (frame.id === 0) onHello(frame);
          else this.settle(frame);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new EngineUnavailableError(`Could not start Java (${this.opts.java}): ${err.message}`, { cause: err }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new EngineUnavailableError(`The ${name} JVM exited during start (${signal ?? `code ${code}`}): ${this.stderrTail.join(' | ').slice(0, 1000)}`));
      });
    });

    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim())) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        this.opts.logger.debug({ jvm: line }, 'jvm stderr');
      }
    });
    child.stdin.on('error', () => {
      /* EPIPE when the JVM died; the exit handler reports it */
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    await hello;
    if (this.child !== child) throw new EngineUnavailableError(`The ${name} JVM exited during start: ${this.stderrTail.join(' | ').slice(0, 1000)}`);
    this.currentState = 'ready';
    this.opts.logger.info({ pid: child.pid, ...this.helloInfo }, `${name} JVM ready`);
  }

  private onExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.starting = null;
    for (const timer of this.abandoned.values()) clearTimeout(timer);
    this.abandoned.clear();
    // Dying while starting is a failed start (reported by start()), not a crash to count.
    const expected = this.currentState === 'stopped' || this.currentState === 'starting';
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.currentState === 'ready') {
      this.crashedSinceStart = true;
      this.currentState = 'idle';
      this.opts.logger.warn({ code, signal, stderr: this.stderrTail }, 'JVM exited unexpectedly');
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    const recycled = this.recycling === child;
    this.recycling = null;
    if (recycled && !expected) {
      // We killed it because a cancelled call hung; the others are innocent and calls are
      // pure, so they are resent to the fresh JVM instead of failing.
      for (const p of pending) {
        p.detach();
        this.call(p.payload, p.opts).then(p.resolve, p.reject);
      }
      return;
    }
    const err = expected
      ? new EngineUnavailableError(`The ${this.opts.id} engine was stopped.`)
      : new EngineCrashedError(`The ${this.opts.id} engine crashed (${how}) while rendering; it will be restarted. Please retry.`);
    for (const p of pending) p.reject(err);
  }

  private settle(frame: ResponseFrame): void {
    const stuckTimer = this.abandoned.get(frame.id);
    if (stuckTimer) {
      clearTimeout(stuckTimer);
      this.abandoned.delete(frame.id);
      return;
    }
    const pending = this.pending.get(frame.id);
    if (!pending) return;
    this.pending.delete(frame.id);
    pending.resolve({ status: frame.status, position: frame.position, message: frame.message, body: Buffer.from(frame.body) });
  }

  /** Send one request payload; starts the JVM when needed. */
  async call(payload: Buffer, opts: JvmCallOptions = {}): Promise<JvmReply> {
    const caller = opts.caller ?? this.opts.id;
    if (opts.signal?.aborted) throw abortError(opts.signal, caller, 0);
    await this.start();
    if (opts.signal?.aborted) throw abortError(opts.signal, caller, 0);
    const child = this.child;
    if (!child) throw new EngineCrashedError(`The ${caller} engine stopped before the request could be sent. Please retry.`);
    return this.send(child, payload, opts, caller);
  }

  private send(child: ChildProcessWithoutNullStreams, payload: Buffer, opts: JvmCallOptions, caller: string): Promise<JvmReply> {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const sentAt = Date.now();
    return new Promise<JvmReply>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        reject(abortError(signal!, caller, Date.now() - sentAt));
        this.abandon(id, child);
      };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        payload,
        opts,
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        detach: cleanup,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      child.stdin.write(requestFrame(id, payload));
    });
  }

  /** Asks the JVM to interrupt the call; if it still has not answered after the grace, it is stuck. */
  private abandon(id: number, child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    child.stdin.write(cancelFrame(id));
    const timer = setTimeout(() => {
      this.abandoned.delete(id);
      if (this.child !== child) return;
      this.opts.logger.warn({ id, graceMs: this.stuckGraceMs }, 'JVM call did not stop after cancel; restarting the JVM');
      this.recycling = child;
      child.kill('SIGKILL');
    }, this.stuckGraceMs);
    timer.unref();
    this.abandoned.set(id, timer);
  }

  /** Ends the JVM: close stdin (it exits on EOF), then SIGTERM, then SIGKILL. No orphans. */
  async stop(): Promise<void> {
    const starting = this.starting;
    if (starting) await starting.catch(() => undefined);
    const child = this.child;
    this.currentState = 'stopped';
    if (!child) return;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    const waitFor = (ms: number) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        void exited.then(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    child.stdin.end();
    if (!(await waitFor(this.stopGraceMs))) {
      child.kill('SIGTERM');
      if (!(await waitFor(this.stopGraceMs))) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  }
}

/** The caller's own reason when it is a StudioError (the core's timeout), else a fitting one. */
function abortError(signal: AbortSignal, caller: string, elapsedMs: number): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof StudioError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new RenderTimeoutError(caller, elapsedMs);
  // The client went away: nobody reads this status, but it must not look like a server fault.
  return new StudioError(499, 'The render was cancelled.');
}
