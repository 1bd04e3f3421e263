/**
 * Maps diagram types to engines and decides, per request, where a diagram is rendered:
 * the local engine, the upstream Kroki, or nowhere (with a message saying how to enable
 * it). It also wraps every local render in the engine's concurrency cap, bounded queue and
 * time limit, so engine files stay small. No HTTP code here.
 */
import type { Logger } from 'pino';
import type { EnginePolicy, EngineTypeInfo, OutputFormat, Placement, WarmResult } from '../api/types.js';
import { policyFor, type StudioConfig } from '../config.js';
import { RenderTimeoutError, StudioError } from '../errors.js';
import { Limiter } from '../runtimes/limiter.js';
import type { DiagramEngine, EngineContext, EngineFactory } from './engine.js';
import { KROKI_TYPES } from './kroki-types.js';

export type Route =
  | { placement: 'local'; type: string; canonical: string; engine: DiagramEngine; formats: readonly OutputFormat[] }
  | { placement: 'upstream'; type: string; canonical: string; formats: readonly OutputFormat[] }
  | { placement: 'unavailable'; type: string; canonical: string; formats: readonly OutputFormat[]; message: string };

export interface RenderObserver {
  rendered(engine: string, seconds: number, outcome: 'ok' | 'error' | 'timeout' | 'busy'): void;
}

export class EngineRegistry {
  readonly engines: readonly DiagramEngine[];
  private readonly byType = new Map<string, DiagramEngine>();
  private readonly limiters = new Map<string, Limiter>();

  constructor(
    factories: readonly EngineFactory[],
    private readonly ctx: EngineContext,
    private readonly observer: RenderObserver = { rendered() {} },
  ) {
    this.engines = factories.map((f) => f(ctx));
    for (const engine of this.engines) {
      for (const type of engine.types) {
        if (this.byType.has(type)) throw new Error(`Diagram type ${type} is registered twice`);
        this.byType.set(type, engine);
      }
      this.limiters.set(engine.id, new Limiter(engine.id, engine.concurrency ?? 2, ctx.config.queueLimit));
    }
  }

  private get config(): StudioConfig {
    return this.ctx.config;
  }

  private get logger(): Logger {
    return this.ctx.logger;
  }

  /** Every type name known locally or to Kroki, sorted. */
  knownTypes(): string[] {
    return [...new Set([...Object.keys(KROKI_TYPES), ...this.byType.keys()])].sort();
  }

  isKnown(type: string): boolean {
    return this.byType.has(type) || type in KROKI_TYPES;
  }

  engineFor(type: string): DiagramEngine | undefined {
    return this.byType.get(type);
  }

  canonical(type: string): string {
    const engine = this.byType.get(type);
    if (engine) return engine.types[0]!;
    return KROKI_TYPES[type]?.aliasOf ?? type;
  }

  limiter(engineId: string): Limiter | undefined {
    return this.limiters.get(engineId);
  }

  /**
   * Where `type` renders. With a format, `auto` also falls back to upstream when the local
   * engine lacks that format but Kroki has it (e.g. a PDF the local engine cannot make).
   */
  route(type: string, format?: OutputFormat): Route {
    const canonical = this.canonical(type);
    const policy: EnginePolicy = policyFor(this.config, canonical);
    const engine = this.byType.get(type);
    // available() may touch the file system (jar, java, chromium); a warm engine is
    // available by definition, so the hot path skips the check.
    const localOk = engine !== undefined && (engine.state() === 'ready' || engine.available().ok);
    const upstreamFormats = KROKI_TYPES[type]?.formats ?? KROKI_TYPES[canonical]?.formats;
    const upstreamOk = this.config.krokiUrl !== null && upstreamFormats !== undefined;

    const local = (): Route => ({ placement: 'local', type, canonical, engine: engine!, formats: engine!.formats });
    const upstream = (): Route => ({ placement: 'upstream', type, canonical, formats: upstreamFormats! });

    if (policy === 'local') {
      if (localOk) return local();
    } else if (policy === 'upstream') {
      if (upstreamOk) return upstream();
    } else {
      if (localOk && (format === undefined || engine!.formats.includes(format) || !upstreamOk)) return local();
      if (upstreamOk && (format === undefined || upstreamFormats!.includes(format) || !localOk)) return upstream();
      if (localOk) return local();
    }
    return {
      placement: 'unavailable',
      type,
      canonical,
      formats: engine?.formats ?? upstreamFormats ?? [],
      message: this.unavailableMessage(type, policy, engine),
    };
  }

  private unavailableMessage(type: string, policy: EnginePolicy, engine: DiagramEngine | undefined): string {
    const why = engine && !engine.available().ok ? ` The local ${engine.id} engine cannot run here: ${(engine.available() as { reason: string }).reason}.` : '';
    if (policy === 'local')
      return `No local engine renders ${type} here (policy "local").${why} Install what it needs, or set STUDIO_POLICY_${type.toUpperCase()}=auto with KROKI_URL set.`;
    if (policy === 'upstream')
      return `${type} is set to render upstream (policy "upstream") but no upstream Kroki is configured. Set KROKI_URL (e.g. http://127.0.0.1:8000) or start the local Kroki stack.`;
    return `No engine renders ${type} here.${why} To enable it, set KROKI_URL to a Kroki server (e.g. http://127.0.0.1:8000, or https://kroki.io) or start the local Kroki stack.`;
  }

  /** Render on the local engine within its concurrency cap, queue limit and time limit. */
  async renderLocal(
    engine: DiagramEngine,
    input: { type: string; source: string; format: OutputFormat; options: Record<string, string>; signal: AbortSignal },
  ): Promise<Buffer> {
    const limiter = this.limiters.get(engine.id)!;
    const timeoutMs = this.config.renderTimeoutMs;
    // One controller with a timer we clear, rather than AbortSignal.timeout + any: those
    // leave a live timer and a composite signal behind per request, which costs on the
    // hot path and piles up under load.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`render exceeded ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const forward = () => controller.abort(input.signal.reason);
    if (input.signal.aborted) forward();
    else input.signal.addEventListener('abort', forward, { once: true });
    const signal = controller.signal;
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const done = this.ctx.activity.begin();
    try {
      const body = await limiter.run(async () => {
        await engine.start();
        return await raceAbort(engine.render({ ...input, safeMode: this.config.safeMode, signal }), signal);
      }, signal);
      this.observer.rendered(engine.id, seconds(), 'ok');
      return body;
    } catch (err) {
      if (timedOut) {
        this.observer.rendered(engine.id, seconds(), 'timeout');
        throw new RenderTimeoutError(engine.id, timeoutMs);
      }
      const busy = err instanceof StudioError && err.status === 503;
      this.observer.rendered(engine.id, seconds(), busy ? 'busy' : 'error');
      throw err;
    } finally {
      done();
      clearTimeout(timer);
      input.signal.removeEventListener('abort', forward);
    }
  }

  /**
   * Start the engines whose runtime is preloaded; failures are logged, not fatal. The first
   * engine of the catalogue (Graphviz) warms alone, so on two cores it is not starved by the
   * JVM and the other workers and answers within a second of launch; the rest then warm
   * together, after `beforeTheRest` (the CLI passes "the socket is open").
   */
  async startPreloaded(beforeTheRest: Promise<unknown> = Promise.resolve()): Promise<void> {
    const start = (e: DiagramEngine) =>
      e.start().catch((err: unknown) => this.logger.warn({ engine: e.id, err }, 'engine failed to start; it will retry on first use'));
    const [first, ...rest] = this.engines.filter((e) => this.config.preload.has(e.runtime) && e.available().ok);
    // Warm-ups wait until every preloaded engine is up: on two cores they would slow the start.
    const release = this.ctx.activity.holdForStartup();
    try {
      if (first) await start(first);
      await beforeTheRest.catch(() => undefined);
      await Promise.all(rest.map(start));
    } finally {
      release();
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.engines.map((e) => e.stop()));
  }

  /** Resolves when every started engine's background warm-up has ended (benchmarks wait for it). */
  async whenWarm(): Promise<void> {
    await Promise.allSettled(this.engines.map((e) => e.whenWarm?.()));
  }

  /**
   * Start the local engine for `type` ahead of its first render, without rendering (for a
   * client that knows renders are coming). Start failures are logged and left to the first
   * render to report.
   */
  warm(type: string): WarmResult {
    const route = this.route(type);
    if (route.placement !== 'local') return { type, placement: route.placement };
    const engine = route.engine;
    if (engine.state() !== 'ready')
      engine.start().catch((err: unknown) => this.logger.warn({ engine: engine.id, err }, 'engine failed to start on request; the next render retries'));
    return { type, placement: 'local', engine: { id: engine.id, runtime: engine.runtime, state: engine.state() } };
  }

  /** Rows for /api/engines. */
  describe(): EngineTypeInfo[] {
    return this.knownTypes().map((type) => {
      const route = this.route(type);
      const engine = this.byType.get(type);
      const canonical = this.canonical(type);
      const placement: Placement = route.placement;
      const info: EngineTypeInfo = {
        type,
        placement,
        policy: policyFor(this.config, canonical),
        formats: [...route.formats],
        localFormats: engine ? [...engine.formats] : [],
        upstreamFormats: [...(KROKI_TYPES[type]?.formats ?? [])],
      };
      if (canonical !== type) info.aliasOf = canonical;
      if (engine) info.engine = { id: engine.id, version: engine.version(), runtime: engine.runtime, state: engine.state() };
      if (route.placement === 'unavailable') info.message = route.message;
      return info;
    });
  }
}

/** Settle as soon as the signal aborts, even if the engine is slow to notice. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work was already started: its own rejection must not go unhandled (it would crash the process).
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
