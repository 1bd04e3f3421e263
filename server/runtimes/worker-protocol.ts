/**
 * The message protocol between a WorkerHost (main thread) and one worker thread, and the
 * worker-side half of it (`serveWorker`). One request runs at a time per worker: the host
 * only sends the next request after the previous reply, so a stuck render is always the
 * one the host is waiting for and can be stopped by terminating that worker.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { StudioError } from '../errors.js';

/** Host -> worker. */
export interface WorkerRequest {
  id: number;
  method: string;
  payload: unknown;
}

/** An error as it crosses the thread boundary (classes do not survive structured clone). */
export interface WireError {
  /** The StudioError subclass name, or `Error` for anything a library threw. */
  name: string;
  message: string;
  status?: number;
  line?: number;
}

/** Worker -> host. */
export type WorkerMessage =
  | { type: 'ready'; info: Record<string, string>; heap: number }
  | { type: 'load-error'; error: WireError }
  | { type: 'reply'; id: number; ok: true; result: unknown; rss?: number; heap?: number }
  | { type: 'reply'; id: number; ok: false; error: WireError; rss?: number; heap?: number };

export type WorkerHandler = (payload: never) => unknown;

export interface WorkerModule {
  /** Versions and other facts the host publishes (e.g. `{ version: '16.1.0' }`). */
  info: Record<string, string>;
  handlers: Record<string, WorkerHandler>;
  /**
   * One small render before the worker reports ready: a library's first call is several
   * times slower than the next (WASM tier-up, JIT), and it should not be a user's.
   */
  warmUp?: () => unknown;
}

export function toWireError(err: unknown): WireError {
  if (err instanceof StudioError) {
    const wire: WireError = { name: err.name, message: err.message, status: err.status };
    if (err.line !== undefined) wire.line = err.line;
    return wire;
  }
  if (err instanceof Error) return { name: 'Error', message: err.message || String(err) };
  return { name: 'Error', message: String(err) };
}

/**
 * Run inside a worker: load the library once (`load`), announce readiness, then answer
 * requests one by one. Library output to the console is silenced, because a worker's
 * console writes to the server's stdout (a library's chatter must never reach it).
 */
export function serveWorker(load: () => Promise<WorkerModule> | WorkerModule): void {
  const port = parentPort;
  if (!port) throw new Error('serveWorker() must run inside a worker thread');
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    console[method] = () => {};
  }
  const send = (msg: WorkerMessage) => port.postMessage(msg);

  Promise.resolve()
    .then(load)
    .then(async (mod) => {
      try {
        await mod.warmUp?.();
      } catch {
        // a failed sample render is not a failed load: real renders report their own errors
      }
      return mod;
    })
    .then(
      (mod) => {
        port.on('message', (req: WorkerRequest) => {
          void answer(mod, req).then(send);
        });
        send({ type: 'ready', info: mod.info, heap: heapBytes() });
      },
      (err: unknown) => send({ type: 'load-error', error: toWireError(err) }),
    );
}

/**
 * Reading the RSS costs ~0.2 ms (a /proc read), as much as a small diagram's
 * whole hop, so a reply carries it (and the heap's size) only after a slow render (the kind
 * that grows memory) or when the last reading is old.
 */
const RSS_EVERY_MS = 250;
const RSS_AFTER_RENDER_MS = 20;
let lastRssAt = -Infinity;

function rssIfDue(startedAt: number): { rss?: number; heap?: number } {
  const now = performance.now();
  if (now - lastRssAt < RSS_EVERY_MS && now - startedAt < RSS_AFTER_RENDER_MS) return {};
  lastRssAt = now;
  return { rss: process.memoryUsage.rss(), heap: heapBytes() };
}

/**
 * This worker's own memory: its V8 heap plus what the heap keeps outside it (a WASM
 * memory, buffers). The process's RSS cannot tell workers apart; this can, and the runtime
 * manager's budget weighs a worker engine by it.
 */
function heapBytes(): number {
  const h = getHeapStatistics();
  return h.total_heap_size + h.external_memory + h.malloced_memory;
}

async function answer(mod: WorkerModule, req: WorkerRequest): Promise<WorkerMessage> {
  const handler = mod.handlers[req.method];
  const startedAt = performance.now();
  try {
    if (!handler) throw new Error(`unknown worker method ${req.method}`);
    const result = await handler(req.payload as never);
    return { type: 'reply', id: req.id, ok: true, result, ...rssIfDue(startedAt) };
  } catch (err) {
    return { type: 'reply', id: req.id, ok: false, error: toWireError(err), ...rssIfDue(startedAt) };
  }
}
