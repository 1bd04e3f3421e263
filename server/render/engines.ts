/**
 * A live engine: an engine spec bound to its runtime host through the runtime manager.
 * This is where what every engine shares happens, once: the options schema is checked,
 * formats the engine does not draw itself are converted from its SVG (the spec's
 * conversions), and start, warm-up and stop go through the manager.
 */
import type { EngineState, OutputFormat, RuntimeKind, SafeMode } from '../../shared/api.js';
import { BadRequestError, StudioError } from '../errors.js';
import { runtimeKind, type AnyEngineSpec, type RenderOutput } from '../engines/spec.js';
import { JvmHost } from '../runtimes/jvm-host.js';
import { CommandWorker } from '../runtimes/command-runner.js';
import { CommandRuns } from '../runtimes/command-runs.js';
import type { ManagedRuntime } from '../runtimes/manager.js';
import { processTreeBytes } from '../runtimes/process-memory.js';
import { resolveEntry, WorkerHost } from '../runtimes/worker-host.js';
import type { RenderContext } from './context.js';
import { validateOptions } from './options.js';

/** What a caller hands a live engine: options still as merged strings. */
export interface EngineRequest {
  type: string;
  source: string;
  format: OutputFormat;
  options: Readonly<Record<string, string>>;
  safeMode: SafeMode;
  signal: AbortSignal;
}

export interface LiveEngine {
  readonly id: string;
  readonly spec: AnyEngineSpec;
  readonly types: readonly string[];
  /** Every format it answers: native ones and conversions, in listing order. */
  readonly formats: readonly OutputFormat[];
  readonly runtime: RuntimeKind;
  /** Renders at once; the core queues the rest. */
  readonly concurrency: number;
  /** The runtime host (tests reach into it to simulate crashes). */
  readonly host: unknown;
  state(): EngineState;
  version(): string;
  available(): { ok: true } | { ok: false; reason: string };
  /** Start (and warm) its runtime; `ahead` = before any render needs it, so the first samples are drawn first. */
  start(ahead?: boolean): Promise<void>;
  /** Check options, render (converting where the spec says), with the runtime started. */
  render(req: EngineRequest): Promise<Buffer>;
  stop(): Promise<void>;
  whenWarm(): Promise<void>;
}

/** Hosts shared by key (one JVM for PlantUML, C4 and ditaa), one set per render context. */
const sharedHosts = new WeakMap<RenderContext, Map<string, { host: unknown; runtime: ManagedRuntime }>>();

function hostFor(spec: AnyEngineSpec, ctx: RenderContext): { host: unknown; runtime: ManagedRuntime; concurrency: number } {
  let shared = sharedHosts.get(ctx);
  if (!shared) sharedHosts.set(ctx, (shared = new Map()));
  const r = spec.runtime;
  const logger = ctx.logger.child({ engine: spec.id });
  switch (r.kind) {
    case 'worker': {
      const size = r.size ?? 1;
      const key = `worker:${r.key ?? spec.id}`;
      const sharedEntry = r.key === undefined ? undefined : shared.get(key);
      if (sharedEntry) return { host: sharedEntry.host, runtime: sharedEntry.runtime, concurrency: size };
      const host = new WorkerHost({
        id: spec.id,
        entry: r.entry,
        logger,
        onRestart: ctx.onRestart,
        size,
        startTimeoutMs: Math.max(30_000, ctx.config.renderTimeoutMs),
        ...r.host,
      });
      // Worker threads share the server's process: each worker reports its own heap.
      const runtime: ManagedRuntime = {
        id: key,
        state: () => host.state(),
        start: () => host.start(),
        stop: () => host.stop(),
        memoryBytes: () => host.memoryBytes(),
      };
      if (r.key !== undefined) shared.set(key, { host, runtime });
      return { host, runtime, concurrency: size };
    }
    case 'browser': {
      let entry = shared.get('browser');
      if (!entry) {
        const pool = ctx.browser;
        entry = {
          host: pool,
          runtime: {
            id: 'browser',
            state: () => pool.state(),
            start: () => pool.start(),
            stop: () => pool.stop(),
            memoryBytes: () => processTreeBytes(pool.pid()),
            activeUses: () => pool.activeUses(),
            lastUsedAt: () => pool.lastUsedAt(),
          },
        };
        shared.set('browser', entry);
      }
      return { host: { pool: ctx.browser, kind: r.page(ctx) }, runtime: entry.runtime, concurrency: r.pages(ctx) };
    }
    case 'jvm': {
      const key = `jvm:${r.key}`;
      let entry = shared.get(key);
      if (!entry) {
        const host = new JvmHost({ ...r.host(ctx), logger: ctx.logger.child({ runtime: key }), onRestart: ctx.onRestart });
        entry = {
          host,
          runtime: { id: key, state: () => host.state(), start: () => host.start(), stop: () => host.stop(), memoryBytes: () => processTreeBytes(host.pid()) },
        };
        shared.set(key, entry);
      }
      return { host: entry.host, runtime: entry.runtime, concurrency: r.concurrency };
    }
    case 'inline':
      return {
        host: null,
        runtime: { id: `inline:${spec.id}`, state: () => 'ready', start: async () => undefined, stop: async () => undefined, memoryBytes: () => null },
        concurrency: 1,
      };
    case 'command': {
      const key = `command:${r.key}`;
      let entry = shared.get(key);
      if (!entry) {
        const host = new CommandWorker({ ...r.worker(ctx), logger: ctx.logger.child({ runtime: key }), onRestart: ctx.onRestart });
        entry = {
          host,
          runtime: { id: key, state: () => host.state(), start: () => host.start(), stop: () => host.stop(), memoryBytes: () => processTreeBytes(host.pid()) },
        };
        shared.set(key, entry);
      }
      return { host: entry.host, runtime: entry.runtime, concurrency: r.concurrency };
    }
    case 'program': {
      const host = new CommandRuns({ ...r.runs(ctx), logger });
      const runtime: ManagedRuntime = {
        id: `program:${spec.id}`,
        state: () => host.state(),
        start: () => host.start(),
        stop: () => host.stop(),
        memoryBytes: () => host.memoryBytes(),
        activeUses: () => host.activeUses(),
        lastUsedAt: () => host.lastUsedAt(),
      };
      return { host, runtime, concurrency: r.concurrency(ctx) };
    }
  }
}

function availability(spec: AnyEngineSpec, host: unknown, ctx: RenderContext): { ok: true } | { ok: false; reason: string } {
  const own = spec.unavailable?.(ctx);
  if (own) return { ok: false, reason: own };
  switch (spec.runtime.kind) {
    case 'worker':
      try {
        resolveEntry(spec.runtime.entry);
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    case 'browser':
      return ctx.browser.available();
    case 'jvm':
      return (host as JvmHost).available();
    case 'command':
    case 'program':
    case 'inline':
      return { ok: true };
  }
}

function infoOf(host: unknown): Readonly<Record<string, string>> | null {
  if (host instanceof WorkerHost || host instanceof JvmHost || host instanceof CommandRuns) return host.info();
  if (host instanceof CommandWorker) {
    const info = host.info();
    return info ? Object.fromEntries(Object.entries(info).map(([k, v]) => [k, String(v)])) : null;
  }
  return null;
}

function convert(svg: string, format: OutputFormat, opts: { signal: AbortSignal; scale?: number }, ctx: RenderContext): Promise<Buffer> {
  switch (format) {
    case 'png':
      return ctx.converter.toPng(svg, opts);
    case 'jpeg':
      return ctx.converter.toJpeg(svg, opts);
    case 'pdf':
      return ctx.converter.toPdf(svg, opts);
    default:
      throw new StudioError(500, `No converter makes ${format} from SVG.`);
  }
}

export function createLiveEngine(spec: AnyEngineSpec, ctx: RenderContext): LiveEngine {
  const { host, runtime, concurrency } = hostFor(spec, ctx);
  const converted = Object.keys(spec.conversions ?? {}) as OutputFormat[];
  const formats = spec.formatOrder ?? [...spec.formats, ...converted.filter((f) => !spec.formats.includes(f))];
  const draw = spec.render as (input: Parameters<AnyEngineSpec['render']>[0], host: unknown, env: RenderContext) => Promise<RenderOutput>;

  const renderNative = async (req: EngineRequest, format: OutputFormat, values: ReturnType<typeof validateOptions>): Promise<RenderOutput> =>
    draw({ type: req.type, source: req.source, format, options: req.options, values, safeMode: req.safeMode, signal: req.signal }, host, ctx);

  const engine: LiveEngine = {
    id: spec.id,
    spec,
    types: spec.types,
    formats,
    runtime: runtimeKind(spec),
    concurrency,
    host,
    state: () => runtime.state(),
    version: () => spec.version(infoOf(host), ctx),
    available: () => (runtime.state() === 'ready' ? { ok: true } : availability(spec, host, ctx)),
    async start(ahead = false) {
      await ctx.manager.ready(spec.id, ahead);
    },
    async render(req) {
      const values = validateOptions(spec.options, req.options);
      const limit = spec.maxSourceLength?.(ctx);
      if (limit !== undefined && req.source.length > limit)
        throw new BadRequestError(`Maximum text size in diagram exceeded: ${req.source.length} characters, the limit is ${limit}.`);
      // Counted as in flight before its runtime is made ready: a memory-budget or idle pass
      // in between must not stop the runtime this render is about to use.
      const end = ctx.manager.begin(spec.id);
      try {
        await engine.start();
        const native = spec.formats.includes(req.format);
        if (!native && spec.conversions?.[req.format] !== 'svg') throw new BadRequestError(`${spec.id} cannot render ${req.format}.`);
        const out = await renderNative(req, native ? req.format : 'svg', values);
        if (Buffer.isBuffer(out)) return native ? out : await convert(out.toString('utf8'), req.format, { signal: req.signal }, ctx);
        // An engine may answer SVG for a format it otherwise draws itself (a diagram its own
        // backend cannot write): the same converters make that format from it.
        if (req.format === 'svg') return Buffer.from(out.svg, 'utf8');
        return await convert(out.svg, req.format, { signal: req.signal, ...(out.scale !== undefined ? { scale: out.scale } : {}) }, ctx);
      } finally {
        end();
      }
    },
    stop: () => ctx.manager.stop(spec.id),
    whenWarm: () => ctx.manager.whenWarm(spec.id),
  };

  ctx.manager.add(
    {
      id: spec.id,
      ...(spec.warmUp
        ? {
            warmUp: {
              beforeReady: spec.warmUp.beforeReady ?? 0,
              renders: spec.warmUp.renders(ctx),
              draw: async (i: number) => {
                const sample = spec.warmUp!.sample(i);
                // One cleared timer per sample (hundreds run after a start), not a live AbortSignal.timeout.
                const limit = new AbortController();
                const timer = setTimeout(() => limit.abort(new DOMException('warm-up render took too long', 'TimeoutError')), ctx.config.renderTimeoutMs);
                try {
                  const req: EngineRequest = {
                    type: spec.types[0]!,
                    source: sample.source,
                    format: sample.format,
                    options: {},
                    safeMode: ctx.config.safeMode,
                    signal: limit.signal,
                  };
                  return await renderNative(req, sample.format, {});
                } finally {
                  clearTimeout(timer);
                }
              },
            },
          }
        : {}),
    },
    runtime,
  );
  return engine;
}
