/**
 * WorkerHost: keeps a CPU-bound JS/WASM library warm in `worker_threads`, so a render never
 * blocks the server's event loop and a render past its time limit really stops (the worker
 * is terminated; a fresh one takes its place).
 *
 * - start() is memoised: the library loads once per worker, never per request.
 * - Up to `size` workers; each runs one request at a time (a worker is single-threaded
 *   anyway), the rest wait in the host's queue. A queued request that is aborted is simply
 *   dropped; only an aborted *running* request costs a worker.
 * - A worker that dies unexpectedly rejects its request with EngineCrashedError, counts a
 *   restart, and is replaced, so the next request works.
 * - Optional recycling after N requests or when process RSS grew too much since the
 *   worker started (resvg's native memory grows with every render).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { EngineState } from '../../shared/api.js';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError, EngineUnavailableError, StudioError } from '../errors.js';
import type { WireError, WorkerMessage, WorkerRequest } from './worker-protocol.js';

export interface WorkerHostOptions {
  /** Engine/runtime id used in logs, errors and `onRestart`. */
  id: string;
  /** Compiled worker entry (`new URL('./workers/x.worker.js', import.meta.url)`); see resolveEntry. */
  entry: URL;
  logger: Logger;
  onRestart(id: string): void;
  /** Workers at most (started on demand). Default 1. */
  size?: number;
  /** Recycle a worker after this many requests. */
  recycleAfter?: number;
  /** Recycle a worker when process RSS grew by more than this since the worker started. */
  recycleAboveRssGrowth?: number;
  resourceLimits?: ResourceLimits;
  /** How long a worker may take to load its library. Default 30 s. */
  startTimeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface Job {
  id: number;
  method: string;
  payload: unknown;
  signal: AbortSignal | undefined;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  onAbort?: () => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  served: number;
  rssAtStart: number;
  /** The worker's own heap and off-heap bytes, as it last reported them. */
  heapBytes: number;
  /** Set when we end the worker ourselves, so its exit is not reported as a crash. */
  retiring: boolean;
  /** The last 'error' event, used to explain an exit. */
  lastError?: Error;
}

// A diagram library needs far less; a smaller old generation makes V8 collect sooner, and a
// young generation of 8 MB (instead of up to 48) saved ~50 MB over the eight workers, which
// keeps the whole process tree inside its memory budget (1.2 GB with every engine warm).
// A render that needs more ends its worker (a clear 500) instead of the server.
const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 8 };

export class WorkerHost {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private starting: Promise<Record<string, string>> | null = null;
  private infoValue: Record<string, string> | null = null;
  private current: EngineState = 'idle';
  private stopped = false;
  private readonly size: number;

  constructor(private readonly opts: WorkerHostOptions) {
    this.size = Math.max(1, opts.size ?? 1);
  }

  state(): EngineState {
    return this.current;
  }

  /** What the worker announced when it became ready (library versions). */
  info(): Record<string, string> | null {
    return this.infoValue;
  }

  /** Start one warm worker. Memoised; a failed start clears the memo so a later call retries. */
  start(): Promise<Record<string, string>> {
    this.stopped = false;
    if (!this.starting) {
      this.current = 'starting';
      this.starting = this.spawn().then(
        (slot) => {
          this.current = 'ready';
          this.dispatch();
          void slot;
          return this.infoValue ?? {};
        },
        (err: unknown) => {
          this.current = 'failed';
          this.starting = null;
          throw err;
        },
      );
    }
    return this.starting;
  }

  /** Run `method` in a worker. Rejects promptly when `signal` aborts. */
  async call<T>(method: string, payload: unknown, opts: CallOptions = {}): Promise<T> {
    const { signal } = opts;
    signal?.throwIfAborted();
    await this.start();
    signal?.throwIfAborted();
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id: this.nextId++, method, payload, signal, resolve: resolve as (v: unknown) => void, reject };
      if (signal) {
        job.onAbort = () => this.abort(job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Terminate every worker; queued and running requests are rejected. start() works again later. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.starting = null;
    const err = new EngineUnavailableError(`The ${this.opts.id} engine was stopped.`);
    for (const job of this.queue.splice(0)) this.settle(job, err);
    const ends: Promise<number>[] = [];
    for (const slot of this.slots) {
      slot.retiring = true;
      if (slot.job) this.settle(slot.job, err);
      slot.job = null;
      ends.push(slot.worker.terminate());
    }
    this.slots.clear();
    await Promise.allSettled(ends);
    this.current = 'stopped';
  }

  /** Test aid: end the workers as a crash would (not through abort or stop). */
  async simulateCrash(): Promise<void> {
    await Promise.allSettled([...this.slots].map((s) => s.worker.terminate()));
  }

  /** What the live workers last reported holding (their heaps and WASM memories), for the memory budget. */
  memoryBytes(): number {
    let total = 0;
    for (const slot of this.slots) total += slot.heapBytes;
    return total;
  }

  /** Number of live workers (tests and metrics). */
  workerCount(): number {
    return this.slots.size;
  }

  // ---- internals -------------------------------------------------------------------

  private spawn(): Promise<Slot> {
    const { worker } = this.createWorker();
    const slot: Slot = { worker, ready: false, job: null, served: 0, rssAtStart: process.memoryUsage.rss(), heapBytes: 0, retiring: false };
    this.slots.add(slot);
    const startTimeout = this.opts.startTimeoutMs ?? 30_000;

    return new Promise<Slot>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.slots.delete(slot);
        slot.retiring = true;
        void worker.terminate();
        // Requests waiting for a worker cannot be served if none can start.
        if (this.readySlots() === 0 && this.slots.size === 0) for (const job of this.queue.splice(0)) this.settle(job, err);
        reject(err);
      };
      const timer = setTimeout(() => fail(new EngineUnavailableError(`The ${this.opts.id} engine did not start within ${startTimeout} ms.`)), startTimeout);

      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          settled = true;
          clearTimeout(timer);
          slot.ready = true;
          slot.rssAtStart = process.memoryUsage.rss();
          slot.heapBytes = msg.heap;
          this.infoValue = msg.info;
          resolve(slot);
          this.dispatch();
        } else if (msg.type === 'load-error') {
          fail(new EngineUnavailableError(`The ${this.opts.id} engine failed to load: ${msg.error.message}`));
        } else {
          this.onReply(slot, msg);
        }
      });
      worker.on('error', (err) => {
        slot.lastError = err;
      });
      worker.on('exit', (code) => {
        if (!settled) {
          fail(new EngineUnavailableError(`The ${this.opts.id} engine failed to start: ${slot.lastError?.message ?? `exit code ${code}`}`));
          return;
        }
        this.onExit(slot, code);
      });
    });
  }

  private createWorker(): { worker: Worker } {
    const { url, viaTsx } = resolveEntry(this.opts.entry);
    const common = { resourceLimits: this.opts.resourceLimits ?? DEFAULT_RESOURCE_LIMITS, stdout: false, stderr: false };
    if (!viaTsx) return { worker: new Worker(url, common) };
    // Running from TypeScript sources (tests, `tsx server/cli.ts`): Node 20 workers do not
    // inherit the parent's loader hooks, so register tsx inside the worker before importing.
    // tsx's CommonJS build resolves its hooks relative to the wrong base inside an eval
    // worker, so import its ES module build (same folder, .mjs).
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
    return { worker: new Worker(code, { ...common, eval: true }) };
  }

  private readySlots(): number {
    let n = 0;
    for (const s of this.slots) if (s.ready) n++;
    return n;
  }

  private dispatch(): void {
    if (this.stopped) return;
    while (this.queue.length > 0) {
      const idle = [...this.slots].find((s) => s.ready && !s.job && !s.retiring);
      if (!idle) break;
      const job = this.queue.shift()!;
      idle.job = job;
      const req: WorkerRequest = { id: job.id, method: job.method, payload: job.payload };
      idle.worker.postMessage(req);
    }
    // Grow the pool on demand: only when requests wait and no worker is starting.
    const startingCount = [...this.slots].filter((s) => !s.ready).length;
    if (this.queue.length > 0 && startingCount === 0 && this.slots.size < this.size) {
      this.spawn().catch((err: unknown) => {
        // A stop while the extra worker was starting ends it on purpose.
        if (!this.stopped) this.opts.logger.warn({ err }, `${this.opts.id} worker failed to start`);
      });
    }
  }

  private onReply(slot: Slot, msg: Extract<WorkerMessage, { type: 'reply' }>): void {
    const job = slot.job;
    if (!job || job.id !== msg.id) return;
    slot.job = null;
    slot.served++;
    if (msg.heap !== undefined) slot.heapBytes = msg.heap;
    if (msg.ok) this.settle(job, undefined, msg.result);
    else this.settle(job, fromWireError(msg.error));

    const tooMany = this.opts.recycleAfter !== undefined && slot.served >= this.opts.recycleAfter;
    const tooBig = this.opts.recycleAboveRssGrowth !== undefined && msg.rss !== undefined && msg.rss - slot.rssAtStart > this.opts.recycleAboveRssGrowth;
    if (tooMany || tooBig) {
      this.opts.logger.debug(
        { served: slot.served, rssGrowth: msg.rss === undefined ? undefined : msg.rss - slot.rssAtStart },
        `recycling ${this.opts.id} worker`,
      );
      this.replace(slot);
    } else {
      this.dispatch();
    }
  }

  private onExit(slot: Slot, code: number): void {
    const wasOurs = slot.retiring;
    this.slots.delete(slot);
    if (wasOurs || this.stopped) return;
    const reason = slot.lastError?.message ?? `exit code ${code}`;
    this.opts.logger.warn({ code, reason }, `${this.opts.id} worker exited unexpectedly; restarting`);
    this.opts.onRestart(this.opts.id);
    if (slot.job) {
      this.settle(slot.job, new EngineCrashedError(`The ${this.opts.id} engine crashed (${reason}) and is being restarted.`));
      slot.job = null;
    }
    this.refill();
  }

  private abort(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.settle(job, abortReason(job.signal));
      return;
    }
    for (const slot of this.slots) {
      if (slot.job !== job) continue;
      // The library cannot be interrupted from outside: end the thread, start a fresh one.
      slot.job = null;
      this.settle(job, abortReason(job.signal));
      this.opts.logger.warn(`${this.opts.id} render aborted while running; restarting its worker`);
      this.opts.onRestart(this.opts.id);
      this.replace(slot);
      return;
    }
  }

  /** End a worker on purpose and keep the pool warm with a fresh one. */
  private replace(slot: Slot): void {
    slot.retiring = true;
    this.slots.delete(slot);
    void slot.worker.terminate();
    this.refill();
  }

  private refill(): void {
    if (this.stopped) return;
    if (this.slots.size === 0 || this.queue.length > 0) {
      this.spawn().catch((err: unknown) => this.opts.logger.warn({ err }, `${this.opts.id} worker failed to restart`));
    }
  }

  private settle(job: Job, err: unknown, value?: unknown): void {
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    if (err !== undefined) job.reject(err);
    else job.resolve(value);
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The render was aborted.', 'AbortError');
}

/** Rebuild the domain error a worker reported; a library's own error means the input was refused. */
export function fromWireError(wire: WireError): StudioError {
  const opts = wire.line === undefined ? {} : { line: wire.line };
  switch (wire.name) {
    case 'DiagramSyntaxError':
    case 'Error':
      return new DiagramSyntaxError(wire.message, opts);
    case 'BadRequestError':
      return new BadRequestError(wire.message, opts);
    default:
      if (wire.status !== undefined && wire.status >= 400 && wire.status < 500) return new BadRequestError(wire.message, opts);
      return new StudioError(wire.status ?? 500, wire.message, opts);
  }
}

/**
 * The compiled `.js` entry when it exists (built server), else its `.ts` source, which
 * then needs tsx inside the worker.
 */
export function resolveEntry(entry: URL): { url: URL; viaTsx: boolean } {
  if (existsSync(fileURLToPath(entry))) return { url: entry, viaTsx: false };
  const ts = new URL(entry.href.replace(/\.js$/, '.ts'));
  if (existsSync(fileURLToPath(ts))) return { url: ts, viaTsx: true };
  throw new EngineUnavailableError(`Worker entry not found: ${fileURLToPath(entry)}`);
}
