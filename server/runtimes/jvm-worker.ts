/**
 * One long-lived JVM running PlantUML (server/runtimes/jvm/PlantumlWorker.java), shared by
 * the plantuml, c4plantuml and ditaa engines. A warm JVM renders ~100× faster than a JVM per
 * diagram (engine-baselines.md), so requests are pipelined to it over stdin/stdout with a
 * small length-prefixed framing and rendered there on a fixed thread pool.
 *
 * Lifecycle: start() is memoised; a crash rejects in-flight renders with EngineCrashedError
 * and clears the memo so the next render starts a fresh JVM; an aborted render that the JVM
 * does not answer within a grace period marks the JVM as stuck and it is killed.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { EngineState, SafeMode } from '../api/types.js';
import { PACKAGE_ROOT, type StudioConfig } from '../config.js';
import { EngineCrashedError, EngineUnavailableError, RenderTimeoutError, StudioError } from '../errors.js';
import { RenderActivity } from './activity.js';

export type JvmFormat = 'png' | 'svg' | 'pdf' | 'txt' | 'utxt';

export interface JvmRenderRequest {
  format: JvmFormat;
  /** Complete PlantUML text (delimiters included). */
  source: string;
  /** Lines PlantUML treats like a `-config` file: applied without shifting line numbers. */
  config?: readonly string[];
  noMetadata?: boolean;
  signal?: AbortSignal;
  /** For error messages: which engine asked (`plantuml`, `ditaa`). */
  engineId?: string;
}

/** What PlantUML answered; engines turn failures into the right StudioError. */
export type JvmRenderResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; kind: 'syntax' | 'empty' | 'unsupported' | 'internal'; message: string; /** 0-based block position, -1 if unknown */ position: number };

export interface JvmWorkerOptions {
  config: StudioConfig;
  logger: Logger;
  onRestart(engineId: string): void;
  /** Render threads inside the JVM. */
  threads?: number;
  /** Background renders after start that bring the JIT up to speed (0 disables); default STUDIO_JVM_WARMUP. */
  warmupRenders?: number;
  /**
   * Server-wide render activity (the engine context's): warm-up renders wait while real
   * renders run. A worker made on its own (tests) gets its own, which only start-up holds.
   */
  activity?: RenderActivity;
  /** How long an aborted render may stay unanswered before the JVM counts as stuck. */
  stuckGraceMs?: number;
  /** How long stop() waits after closing stdin / SIGTERM before escalating. */
  stopGraceMs?: number;
  /** Limit for JVM start + hello frame. */
  startTimeoutMs?: number;
}

const WORKER_CLASS = 'PlantumlWorker';
const WORKER_SOURCE = path.join(PACKAGE_ROOT, 'server', 'runtimes', 'jvm', `${WORKER_CLASS}.java`);
const BUILT_CLASS_DIR = path.join(PACKAGE_ROOT, 'dist', 'jvm');

const STATUS_KINDS = { 1: 'syntax', 2: 'empty', 3: 'internal', 4: 'unsupported' } as const;

const SECURITY_PROFILES: Record<SafeMode, string> = { secure: 'SANDBOX', safe: 'ALLOWLIST', unsafe: 'UNSECURE' };

interface Pending {
  req: JvmRenderRequest;
  resolve(result: JvmRenderResult): void;
  reject(err: Error): void;
  /** Detaches from the request (abort listener) without settling it, so it can be resent. */
  detach(): void;
}

// ---------------------------------------------------------------------------
// Locating java, javac and the compiled worker class
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

/** Writable cache folders for a run-time compile, best first. */
function cacheDirs(jar: string): string[] {
  const key = createHash('sha256').update(`${jar}\0${WORKER_SOURCE}`).digest('hex').slice(0, 12);
  return [path.join(PACKAGE_ROOT, '.cache', 'jvm'), path.join(os.tmpdir(), `kroki-studio-jvm-${key}`)];
}

/** A folder holding an up-to-date compiled worker class, or null. */
function findCompiledClass(jar: string): string | null {
  const sourceTime = mtime(WORKER_SOURCE);
  for (const dir of [BUILT_CLASS_DIR, ...cacheDirs(jar)]) {
    const classTime = mtime(path.join(dir, `${WORKER_CLASS}.class`));
    if (classTime >= 0 && classTime >= sourceTime) return dir;
  }
  return null;
}

function runJavac(javac: string, jar: string, outDir: string, logger: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    mkdirSync(outDir, { recursive: true });
    // --release 11: PlantUML's own classes target Java 11, so the worker runs wherever the jar does.
    const args = ['--release', '11', '-encoding', 'UTF-8', '-Xlint:-path', '-nowarn', '-d', outDir, '-cp', jar, WORKER_SOURCE];
    const child = spawn(javac, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        logger.info({ outDir }, 'compiled the PlantUML worker class');
        resolve();
      } else reject(new Error(`javac exited with ${code}: ${output.trim().slice(0, 2000)}`));
    });
  });
}

// ---------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------

function str(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  return Buffer.concat([len, bytes]);
}

function renderFrame(id: number, req: JvmRenderRequest): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt8(1, 0);
  head.writeUInt32BE(id, 1);
  const flags = Buffer.from([req.noMetadata ? 1 : 0]);
  const payload = Buffer.concat([head, str(req.format), str((req.config ?? []).join('\n')), flags, str(req.source)]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(payload.length);
  return Buffer.concat([len, payload]);
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
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Complete frames so far; throws FrameError at the first bytes that cannot be one. */
  push(chunk: Buffer): ResponseFrame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: ResponseFrame[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length < 17 || length > MAX_RESPONSE_FRAME) throw this.notAFrame();
      if (this.buffered < 4 + length) break;
      const all = this.take(4 + length);
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
    const text = Buffer.concat(this.chunks)
      .subarray(0, 300)
      .toString('utf8')
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim();
    return new FrameError(`text where a frame should be: "${text}"`);
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered -= n;
    return all.subarray(0, n);
  }
}

/** Config lines applied to every PlantUML render (without shifting the user's line numbers). */
export function layoutConfig(config: StudioConfig): string[] {
  // No Graphviz: PlantUML's built-in Java port of dot (Smetana) lays out class diagrams.
  return config.graphvizDot ? [] : ['!pragma layout smetana'];
}

// ---------------------------------------------------------------------------
// Warm-up set: several diagram kinds, so the JIT compiles the shared layout/text code
// ---------------------------------------------------------------------------

const WARMUP_DIAGRAMS: readonly string[] = [
  '@startuml\nactor User\nparticipant Web\ndatabase DB\nUser -> Web : request\nalt ok\nWeb -> DB : query\nDB --> Web : rows\nelse error\nWeb --> User : 500\nend\nnote right of Web : warm-up\n@enduml',
  '@startuml\nclass Order {\n  +id : int\n  +total() : float\n}\nclass Line\ninterface Priced\nOrder "1" *-- "many" Line\nLine ..|> Priced\n@enduml',
  '@startuml\nstart\n:read input;\nif (valid?) then (yes)\n  :render;\nelse (no)\n  :report error;\nendif\nstop\n@enduml',
  '@startuml\n[*] --> Idle\nIdle --> Busy : job\nBusy --> Idle : done\nBusy --> [*] : crash\n@enduml',
  '@startuml\nactor Admin\n(Deploy) as D\nAdmin --> D\nnode Server {\n  component API\n}\nD --> API\n@enduml',
  '@startmindmap\n* Studio\n** Engines\n*** PlantUML\n** UI\n@endmindmap',
];
const WARMUP_FORMATS: readonly JvmFormat[] = ['svg', 'png', 'svg', 'txt'];
const WARMUP_ID = 'warm-up';
const QUICK_WARMUP_RENDERS = 100;
/** Renders before the JVM reports ready (see start). */
const STARTUP_RENDERS = 1;
/** The idle-time warm-up: what people draw most (sequence diagrams first), as SVG. */
const DEEP_WARMUP_DIAGRAMS: readonly string[] = [
  WARMUP_DIAGRAMS[0]!,
  '@startuml\nactor Customer\nparticipant App\nparticipant API\nparticipant Auth\ndatabase Store\nqueue Events\nCustomer -> App : order\nApp -> API : POST /orders\nAPI -> Auth : check\nAuth --> API : ok\nalt in stock\n  API -> Store : save\n  API -> Events : publish\nelse missing\n  API --> App : 409\nend\nnote over API, Store : deep warm-up\nAPI --> App : 201\n@enduml',
  WARMUP_DIAGRAMS[1]!,
  WARMUP_DIAGRAMS[0]!,
  WARMUP_DIAGRAMS[2]!,
  '@startuml\nparticipant A\nparticipant B\nloop every minute\n  A -> B : ping\n  B --> A : pong\nend\nopt slow\n  B -> B : retry\nend\n@enduml',
  WARMUP_DIAGRAMS[3]!,
  WARMUP_DIAGRAMS[4]!,
];

// ---------------------------------------------------------------------------
// The worker
// ---------------------------------------------------------------------------

export class JvmWorker {
  private readonly config: StudioConfig;
  private readonly logger: Logger;
  private readonly threads: number;
  private readonly warmupRenders: number;
  private readonly stuckGraceMs: number;
  private readonly stopGraceMs: number;
  private readonly startTimeoutMs: number;

  private child: ChildProcessWithoutNullStreams | null = null;
  private starting: Promise<void> | null = null;
  private compiling: Promise<string> | null = null;
  private pending = new Map<number, Pending>();
  /** Renders the caller gave up on, each with the timer that declares the JVM stuck. */
  private abandoned = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  private currentState: EngineState = 'idle';
  private lastFailure: string | null = null;
  private crashedSinceStart = false;
  private info: { version?: string; pdf?: boolean; java?: string } = {};
  private warmup: Promise<void> = Promise.resolve();
  private warmupGeneration = 0;
  private readonly activity: RenderActivity;
  private stderrTail: string[] = [];
  private javaPath: string | null | undefined;
  private readonly users = new Set<string>();
  /** The JVM we killed on purpose because a cancelled render hung in it. */
  private recycling: ChildProcessWithoutNullStreams | null = null;

  constructor(private readonly opts: JvmWorkerOptions) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.threads = opts.threads ?? 2;
    this.warmupRenders = opts.warmupRenders ?? opts.config.jvmWarmupRenders;
    this.activity = opts.activity ?? new RenderActivity();
    this.stuckGraceMs = opts.stuckGraceMs ?? 2_000;
    this.stopGraceMs = opts.stopGraceMs ?? 2_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  state(): EngineState {
    return this.currentState;
  }

  /** Last start failure or crash, for health messages. */
  failure(): string | null {
    return this.lastFailure;
  }

  /** PID of the running JVM (crash tests, diagnostics). */
  pid(): number | undefined {
    return this.child?.pid;
  }

  /** PlantUML's version as the jar reports it once the JVM has started. */
  version(): string | undefined {
    return this.info.version;
  }

  /** Whether the jar can write PDF itself on this JRE (its OpenPDF may need a newer Java). */
  pdfSupported(): boolean {
    return this.info.pdf === true;
  }

  /** Resolves when the background warm-up of the current JVM has finished. */
  whenWarm(): Promise<void> {
    return this.warmup;
  }

  private java(): string | null {
    if (this.javaPath === undefined) this.javaPath = findExecutable(this.config.javaPath);
    return this.javaPath;
  }

  available(): { ok: true } | { ok: false; reason: string } {
    if (!existsSync(this.config.plantumlJar)) return { ok: false, reason: `PlantUML jar not found at ${this.config.plantumlJar} (set STUDIO_PLANTUML_JAR).` };
    const java = this.java();
    if (!java) return { ok: false, reason: `Java was not found ("${this.config.javaPath}"); install a Java runtime (17+) or set STUDIO_JAVA_PATH.` };
    if (findCompiledClass(this.config.plantumlJar)) return { ok: true };
    if (existsSync(WORKER_SOURCE) && findJavac(java)) return { ok: true };
    return {
      ok: false,
      reason: `The PlantUML worker class is missing (run "npm run build" with a JDK installed, so that dist/jvm/${WORKER_CLASS}.class exists).`,
    };
  }

  /** Engines register while they use the JVM; it stops when the last one lets go. */
  acquire(engineId: string): void {
    this.users.add(engineId);
  }

  async release(engineId: string): Promise<void> {
    this.users.delete(engineId);
    if (this.users.size === 0) await this.stop();
  }

  start(): Promise<void> {
    if (!this.starting) {
      this.starting = this.launch().catch((err: unknown) => {
        this.starting = null;
        this.currentState = 'failed';
        this.lastFailure = err instanceof Error ? err.message : String(err);
        throw err;
      });
    }
    return this.starting;
  }

  private async classDir(): Promise<string> {
    const jar = this.config.plantumlJar;
    const found = findCompiledClass(jar);
    if (found) return found;
    const javac = findJavac(this.java());
    if (!existsSync(WORKER_SOURCE) || !javac) {
      throw new EngineUnavailableError(
        `The PlantUML worker class is missing and cannot be compiled here (no javac or no ${WORKER_CLASS}.java); run "npm run build" with a JDK.`,
      );
    }
    if (!this.compiling) {
      this.compiling = (async () => {
        let lastError: unknown;
        for (const dir of cacheDirs(jar)) {
          try {
            await runJavac(javac, jar, dir, this.logger);
            return dir;
          } catch (err) {
            lastError = err;
            this.logger.warn({ err, dir }, 'could not compile the PlantUML worker here');
          }
        }
        throw new EngineUnavailableError(`Could not compile the PlantUML worker: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
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
      this.opts.onRestart('plantuml');
    }

    const profile = SECURITY_PROFILES[this.config.safeMode];
    const args = [
      `-Xmx${this.config.jvmHeap}`,
      // A small young generation keeps the resident heap near what PlantUML uses (~140 MB
      // instead of ~210 MB after warm-up) at the same render times.
      '-Xms32m',
      '-Xmn24m',
      '-XX:+UseSerialGC',
      // The JVM's own warnings (e.g. about a flag in STUDIO_JVM_OPTIONS) go to stdout by
      // default, where they would corrupt the frame protocol: send them to stderr.
      '-Xlog:disable',
      '-Xlog:all=warning:stderr',
      '-Xshare:auto',
      '-Djava.awt.headless=true',
      `-DPLANTUML_SECURITY_PROFILE=${profile}`,
      `-Dstudio.threads=${this.threads}`,
      ...this.config.jvmOptions,
      '-cp',
      `${this.config.plantumlJar}${path.delimiter}${classDir}`,
      WORKER_CLASS,
    ];
    const env: NodeJS.ProcessEnv = { ...process.env, PLANTUML_SECURITY_PROFILE: profile };
    if (this.config.graphvizDot) env.GRAPHVIZ_DOT = this.config.graphvizDot;
    else delete env.GRAPHVIZ_DOT;

    const child = spawn(this.java()!, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child = child;
    this.stderrTail = [];
    const reader = new FrameReader();

    const hello = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new EngineUnavailableError(`The PlantUML JVM did not start within ${this.startTimeoutMs} ms.`));
        child.kill('SIGKILL');
      }, this.startTimeoutMs);
      const onHello = (frame: ResponseFrame) => {
        clearTimeout(timer);
        this.info = Object.fromEntries(
          frame.message
            .split('\n')
            .filter((l) => l.includes('='))
            .map((l) => {
              const [k, v] = [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)];
              return [k, k === 'pdf' ? v === 'true' : v];
            }),
        );
        resolve();
      };
      child.stdout.on('data', (chunk: Buffer) => {
        let frames: ResponseFrame[];
        try {
          frames = reader.push(chunk);
        } catch (err) {
          // Something other than our worker wrote to the picture pipe: nothing after it can
          // be trusted. Before the hello that is a failed start (said now, not after the
          // start timeout); later the JVM is replaced like after a crash.
          const why = `The PlantUML JVM wrote ${(err as Error).message} to its output pipe`;
          clearTimeout(timer);
          reject(new EngineUnavailableError(`${why}. Check STUDIO_JVM_OPTIONS.`));
          this.logger.error({ pid: child.pid }, why);
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
        reject(new EngineUnavailableError(`Could not start Java (${this.config.javaPath}): ${err.message}`, { cause: err }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new EngineUnavailableError(`The PlantUML JVM exited during start (${signal ?? `code ${code}`}): ${this.stderrTail.join(' | ').slice(0, 1000)}`));
      });
    });

    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim())) {
        this.stderrTail.push(line);
        if (this.stderrTail.length > 20) this.stderrTail.shift();
        this.logger.debug({ jvm: line }, 'plantuml jvm stderr');
      }
    });
    child.stdin.on('error', () => {
      /* EPIPE when the JVM died; the exit handler reports it */
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    await hello;
    // A cold JVM draws its first diagram in ~0.5 s (class loading), the next ones far
    // faster: that first render happens before "ready", not in a user's request.
    const config = layoutConfig(this.config);
    for (const source of WARMUP_DIAGRAMS.slice(0, Math.min(STARTUP_RENDERS, this.warmupRenders))) {
      const result = await this.send(child, { source, format: 'svg', config, engineId: WARMUP_ID }, WARMUP_ID).catch(() => null);
      if (!result || this.child !== child) break;
    }
    if (this.child !== child) throw new EngineUnavailableError(`The PlantUML JVM exited during start: ${this.stderrTail.join(' | ').slice(0, 1000)}`);
    this.currentState = 'ready';
    this.lastFailure = null;
    this.logger.info({ pid: child.pid, version: this.info.version, pdf: this.info.pdf, java: this.info.java }, 'PlantUML JVM ready');
    this.warmup = this.runWarmup(++this.warmupGeneration);
  }

  /**
   * Sequential background renders: at most one in flight, and each waits until no real
   * render is running anywhere in the server (runtimes/activity.ts). The
   * first QUICK_WARMUP_RENDERS cover every diagram kind and format; PlantUML's JIT keeps
   * improving for several hundred more renders (a sequence diagram: ~15 ms after 100
   * renders, ~7 ms after 1000 here), so the rest are SVG, weighted to sequence diagrams.
   */
  private async runWarmup(generation: number): Promise<void> {
    const started = Date.now();
    const config = layoutConfig(this.config);
    const current = () => generation === this.warmupGeneration && this.currentState === 'ready';
    for (let i = 0; i < this.warmupRenders; i++) {
      if (!(await this.activity.waitQuiet(current))) return;
      const quick = i < QUICK_WARMUP_RENDERS;
      const source = quick ? WARMUP_DIAGRAMS[i % WARMUP_DIAGRAMS.length]! : DEEP_WARMUP_DIAGRAMS[i % DEEP_WARMUP_DIAGRAMS.length]!;
      const format = quick ? WARMUP_FORMATS[Math.floor(i / WARMUP_DIAGRAMS.length) % WARMUP_FORMATS.length]! : 'svg';
      try {
        await this.render({ source, format, config, engineId: WARMUP_ID });
      } catch (err) {
        this.logger.debug({ err }, 'warm-up render failed');
        return;
      }
      const last = i + 1 === this.warmupRenders;
      if (last || i + 1 === QUICK_WARMUP_RENDERS)
        this.logger.info({ renders: i + 1, ms: Date.now() - started, phase: last ? 'done' : 'quick' }, 'PlantUML JVM warmed up');
    }
  }

  private onExit(child: ChildProcessWithoutNullStreams, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.starting = null;
    this.warmupGeneration++;
    for (const timer of this.abandoned.values()) clearTimeout(timer);
    this.abandoned.clear();
    // Dying while starting is a failed start (reported by start()), not a crash to count.
    const expected = this.currentState === 'stopped' || this.currentState === 'starting';
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (this.currentState === 'ready') {
      this.crashedSinceStart = true;
      this.currentState = 'idle';
      this.lastFailure = `The PlantUML JVM stopped unexpectedly (${how}).`;
      this.logger.warn({ code, signal, stderr: this.stderrTail }, 'PlantUML JVM exited unexpectedly');
    }
    const pending = [...this.pending.values()];
    this.pending.clear();
    const recycled = this.recycling === child;
    this.recycling = null;
    if (recycled && !expected) {
      // We killed it because a cancelled render hung; the others are innocent and renders are
      // pure, so they are resent to the fresh JVM instead of failing.
      for (const p of pending) {
        p.detach();
        this.render(p.req).then(p.resolve, p.reject);
      }
      return;
    }
    const err = expected
      ? new EngineUnavailableError('The PlantUML engine was stopped.')
      : new EngineCrashedError(`The PlantUML engine crashed (${how}) while rendering; it will be restarted. Please retry.`);
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
    if (frame.status === 0) {
      pending.resolve({ ok: true, bytes: Buffer.from(frame.body) });
      return;
    }
    const kind = STATUS_KINDS[frame.status as keyof typeof STATUS_KINDS] ?? 'internal';
    pending.resolve({ ok: false, kind, message: frame.message, position: frame.position });
  }

  async render(req: JvmRenderRequest): Promise<JvmRenderResult> {
    const engineId = req.engineId ?? 'plantuml';
    if (req.signal?.aborted) throw abortError(req.signal, engineId, 0);
    await this.start();
    if (req.signal?.aborted) throw abortError(req.signal, engineId, 0);
    const child = this.child;
    if (!child) throw new EngineCrashedError('The PlantUML engine stopped before the render could be sent. Please retry.');
    return this.send(child, req, engineId);
  }

  /** One render on a running JVM (start() is the caller's business). */
  private send(child: ChildProcessWithoutNullStreams, req: JvmRenderRequest, engineId: string): Promise<JvmRenderResult> {
    const id = this.nextId;
    this.nextId = this.nextId >= 0x7fffffff ? 1 : this.nextId + 1;
    const sentAt = Date.now();
    return new Promise<JvmRenderResult>((resolve, reject) => {
      const signal = req.signal;
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        reject(abortError(signal!, engineId, Date.now() - sentAt));
        this.abandon(id, child);
      };
      const cleanup = () => signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        req,
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
      child.stdin.write(renderFrame(id, req));
    });
  }

  /** Asks the JVM to interrupt the render; if it still has not answered after the grace, it is stuck. */
  private abandon(id: number, child: ChildProcessWithoutNullStreams): void {
    if (this.child !== child) return;
    child.stdin.write(cancelFrame(id));
    const timer = setTimeout(() => {
      this.abandoned.delete(id);
      if (this.child !== child) return;
      this.logger.warn({ id, graceMs: this.stuckGraceMs }, 'PlantUML render did not stop after cancel; restarting the JVM');
      this.recycling = child;
      child.kill('SIGKILL');
    }, this.stuckGraceMs);
    timer.unref();
    this.abandoned.set(id, timer);
  }

  /** Ends the JVM: close stdin (it exits on EOF), then SIGTERM, then SIGKILL. No orphans. */
  async stop(): Promise<void> {
    this.warmupGeneration++;
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

/** The caller's own reason when it is a StudioError (the registry's timeout), else a fitting one. */
function abortError(signal: AbortSignal, engineId: string, elapsedMs: number): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof StudioError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new RenderTimeoutError(engineId, elapsedMs);
  // The client went away: nobody reads this status, but it must not look like a server fault.
  return new StudioError(499, 'The render was cancelled.');
}

/** One JVM per engine context: plantuml, c4plantuml and ditaa share it. */
const shared = new WeakMap<object, JvmWorker>();

export function sharedJvmWorker(
  ctx: { config: StudioConfig; logger: Logger; onRestart(engineId: string): void; activity: RenderActivity },
  opts: Omit<JvmWorkerOptions, 'config' | 'logger' | 'onRestart'> = {},
): JvmWorker {
  let worker = shared.get(ctx);
  if (!worker) {
    worker = new JvmWorker({
      ...opts,
      config: ctx.config,
      logger: ctx.logger.child({ runtime: 'jvm' }),
      onRestart: (id) => ctx.onRestart(id),
      activity: ctx.activity,
    });
    shared.set(ctx, worker);
  }
  return worker;
}
