/**
 * The render core, without HTTP: which engine or upstream renders a type (placement.ts),
 * the executor around every local render (concurrency cap, bounded queue, time limit,
 * metrics), the cache and in-flight sharing. The HTTP API, the CLI's batch renderer and
 * the desktop all call it. A request plans once (route + cache key) and renders that plan.
 */
import type { Logger } from 'pino';
import type { EnginePolicy, EngineTypeInfo, OutputFormat, Placement, WarmResult } from '../../shared/api.js';
import { DIAGRAM_TYPE_NAMES, findType } from '../../shared/diagram-types.js';
import { policyFor, type StudioConfig } from '../config.js';
import { EngineUnavailableError, RenderTimeoutError, StudioError, UnsupportedFormatError } from '../errors.js';
import { Limiter } from '../runtimes/limiter.js';
import type { Upstream, UpstreamProvider } from '../upstream/provider.js';
import { RenderCache, renderKey, type CachedRender } from './cache.js';
import type { RenderContext } from './context.js';
import type { LiveEngine } from './engines.js';
import { describeOptions } from './options.js';
import { place } from './placement.js';

export type Route =
  | { placement: 'local'; type: string; canonical: string; engine: LiveEngine; formats: readonly OutputFormat[] }
  | { placement: 'upstream'; type: string; canonical: string; upstream: Upstream; formats: readonly OutputFormat[] }
  | { placement: 'unavailable'; type: string; canonical: string; formats: readonly OutputFormat[]; message: string };

/** Render keys already worked out for one source, by type, format and options (see plan()). */
export type PlanKeyMemo = Map<string, string>;
const PLAN_KEYS_PER_SOURCE = 16;

/** A checked request: where it renders and its cache key (also the ETag without quotes). */
export interface RenderPlan {
  route: Route;
  type: string;
  format: OutputFormat;
  source: string;
  options: Record<string, string>;
  key: string;
  etag: string;
}

export interface RenderResult extends CachedRender {
  cached: boolean;
  etag: string;
}

export interface RenderObserver {
  rendered(engine: string, seconds: number, outcome: 'ok' | 'error' | 'timeout' | 'busy'): void;
}

interface Shared {
  result: Promise<CachedRender>;
  controller: AbortController;
  waiters: number;
}

export class RenderCore {
  readonly engines: readonly LiveEngine[];
  private readonly byType = new Map<string, LiveEngine>();
  private readonly limiters = new Map<string, Limiter>();
  /**
   * Renders in flight, shared by identical requests. A shared render has its own signal,
   * aborted only when every request waiting for it has gone: one client hanging up must
   * not fail the others.
   */
  private readonly inflight = new Map<string, Shared>();

  constructor(
    engines: readonly LiveEngine[],
    private readonly ctx: RenderContext,
    readonly upstream: UpstreamProvider,
    readonly cache: RenderCache,
    private readonly observer: RenderObserver = { rendered() {} },
  ) {
    this.engines = engines;
    for (const engine of engines) {
      for (const type of engine.types) {
        if (this.byType.has(type)) throw new Error(`Diagram type ${type} is registered twice`);
        this.byType.set(type, engine);
      }
      this.limiters.set(engine.id, new Limiter(engine.id, engine.concurrency, ctx.config.queueLimit));
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
    return [...new Set([...DIAGRAM_TYPE_NAMES, ...this.byType.keys()])].sort();
  }

  isKnown(type: string): boolean {
    return this.byType.has(type) || findType(type) !== undefined;
  }

  engineFor(type: string): LiveEngine | undefined {
    return this.byType.get(type);
  }

  canonical(type: string): string {
    const engine = this.byType.get(type);
    if (engine) return engine.types[0]!;
    return findType(type)?.type ?? type;
  }

  limiter(engineId: string): Limiter | undefined {
    return this.limiters.get(engineId);
  }

  /** Where `type` renders now (and, with a format, for that format). */
  route(type: string, format?: OutputFormat): Route {
    const canonical = this.canonical(type);
    const policy: EnginePolicy = policyFor(this.config, canonical);
    const engine = this.byType.get(type);
    // available() may touch the file system (jar, java, chromium); a warm engine is
    // available by definition, so the hot path skips the check.
    const localOk = engine !== undefined && (engine.state() === 'ready' || engine.available().ok);
    const upstream = this.upstream.current();
    const upstreamFormats = findType(type)?.krokiFormats;
    const upstreamOk = upstream !== null && upstreamFormats !== undefined && upstreamFormats.length > 0;
    const placement = place({ policy, local: localOk ? engine!.formats : null, upstream: upstreamOk ? upstreamFormats! : null, ...(format ? { format } : {}) });
    if (placement === 'local') return { placement, type, canonical, engine: engine!, formats: engine!.formats };
    if (placement === 'upstream') return { placement, type, canonical, upstream: upstream!, formats: upstreamFormats! };
    return { placement, type, canonical, formats: engine?.formats ?? upstreamFormats ?? [], message: this.unavailableMessage(type, policy, engine) };
  }

  private unavailableMessage(type: string, policy: EnginePolicy, engine: LiveEngine | undefined): string {
    const avail = engine?.available();
    const why = avail && !avail.ok ? ` The local ${engine!.id} engine cannot run here: ${avail.reason}.` : '';
    if (policy === 'local')
      return `No local engine renders ${type} here (policy "local").${why} Install what it needs, or set STUDIO_POLICY_${type.toUpperCase()}=auto with KROKI_URL set.`;
    if (policy === 'upstream')
      return `${type} is set to render upstream (policy "upstream") but no upstream Kroki is configured. Set KROKI_URL (e.g. http://127.0.0.1:8000) or start the local Kroki stack.`;
    const none = !engine && findType(type)?.noLocalEngine;
    const reason = none ? ` Studio has no local engine for it: ${none}.` : why;
    return `No engine renders ${type} here.${reason} To enable it, set KROKI_URL to a Kroki server (e.g. http://127.0.0.1:8000, or https://kroki.io) or start the local Kroki stack.`;
  }

  /** Route and cache key for one request; throws UnsupportedFormatError for a format the route lacks. */
  plan(type: string, format: OutputFormat, options: Record<string, string>, source: string, keys?: PlanKeyMemo): RenderPlan {
    const route = this.route(type, format);
    if (!route.formats.includes(format)) throw new UnsupportedFormatError(format, type, route.formats);
    // A caller that sees the same source again (a GET for the same URL) keeps the hashes it had.
    const memoKey = keys ? `${route.canonical}\0${format}\0${JSON.stringify(options)}` : '';
    let key = keys?.get(memoKey);
    if (key === undefined) {
      key = renderKey(route.canonical, format, options, source, this.config.safeMode);
      if (keys && keys.size < PLAN_KEYS_PER_SOURCE) keys.set(memoKey, key);
    }
    return { route, type, format, source, options, key, etag: `"${key}"` };
  }

  /** The cached answer for a plan, if any, without starting anything (the hot path of a repeated GET). */
  cached(plan: RenderPlan): RenderResult | undefined {
    const hit = this.cache.getHit(plan.key);
    return hit ? { ...hit, cached: true, etag: plan.etag } : undefined;
  }

  /** Render a plan: from the cache, by joining an identical render in flight, or anew. */
  async render(plan: RenderPlan, signal: AbortSignal): Promise<RenderResult> {
    const hit = this.cache.get(plan.key);
    if (hit) return { ...hit, cached: true, etag: plan.etag };
    let shared = this.inflight.get(plan.key);
    // A render every waiter has left is being cancelled: a new request starts its own.
    if (!shared || shared.controller.signal.aborted) {
      const controller = new AbortController();
      const result = this.renderUncached(plan, controller.signal).then((r) => {
        this.cache.set(plan.key, r);
        return r;
      });
      const entry: Shared = { result, controller, waiters: 0 };
      result
        .finally(() => {
          if (this.inflight.get(plan.key) === entry) this.inflight.delete(plan.key);
        })
        .catch(() => {}); // the waiters see the rejection; this chain only cleans up
      this.inflight.set(plan.key, entry);
      shared = entry;
    }
    const result = await wait(shared, signal);
    return { ...result, cached: false, etag: plan.etag };
  }

  private async renderUncached(plan: RenderPlan, signal: AbortSignal): Promise<CachedRender> {
    const { route } = plan;
    switch (route.placement) {
      case 'local':
        return { body: await this.renderLocal(route.engine, plan, signal), engine: route.engine.id };
      case 'upstream': {
        const client = await route.upstream.client();
        return { body: await client.render(plan.type, plan.format, plan.source, plan.options, signal), engine: 'upstream' };
      }
      default:
        throw new EngineUnavailableError(route.message);
    }
  }

  /** The executor: the engine's concurrency cap, queue limit and time limit, timed for the metrics. */
  private async renderLocal(engine: LiveEngine, plan: RenderPlan, outer: AbortSignal): Promise<Buffer> {
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
    const forward = () => controller.abort(outer.reason);
    if (outer.aborted) forward();
    else outer.addEventListener('abort', forward, { once: true });
    const signal = controller.signal;
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    const done = this.ctx.activity.begin();
    try {
      const body = await limiter.run(
        () =>
          raceAbort(
            engine.render({ type: plan.type, source: plan.source, format: plan.format, options: plan.options, safeMode: this.config.safeMode, signal }),
            signal,
          ),
        signal,
      );
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
      outer.removeEventListener('abort', forward);
    }
  }

  /**
   * Start the engines whose runtime is preloaded; failures are logged, not fatal. The first
   * engine of the list (Graphviz) warms alone, so on two cores it is not starved by the
   * JVM and the other workers and answers within a second of launch; the rest then warm
   * together, after `beforeTheRest` (the CLI passes "the socket is open").
   */
  async startPreloaded(beforeTheRest: Promise<unknown> = Promise.resolve()): Promise<void> {
    const start = (e: LiveEngine) =>
      e.start(true).catch((err: unknown) => this.logger.warn({ engine: e.id, err }, 'engine failed to start; it will retry on first use'));
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

  /** Resolves when every started engine's background warm-up has ended (benchmarks wait for it). */
  async whenWarm(): Promise<void> {
    await Promise.allSettled(this.engines.map((e) => e.whenWarm()));
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
      engine.start(true).catch((err: unknown) => this.logger.warn({ engine: engine.id, err }, 'engine failed to start on request; the next render retries'));
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
        upstreamFormats: [...(findType(type)?.krokiFormats ?? [])],
      };
      if (canonical !== type) info.aliasOf = canonical;
      if (engine) {
        info.engine = { id: engine.id, version: engine.version(), runtime: engine.runtime, state: engine.state() };
        info.options = describeOptions(engine.spec.options);
      }
      if (route.placement === 'unavailable') info.message = route.message;
      const none = !engine ? findType(type)?.noLocalEngine : undefined;
      if (route.placement === 'upstream' && none) info.message = `Forwarded to the upstream Kroki: Studio has no local engine for ${canonical} (${none}).`;
      return info;
    });
  }
}

/** This request's view of a shared render: it leaves as soon as its own signal aborts. */
function wait(shared: Shared, signal: AbortSignal): Promise<CachedRender> {
  if (signal.aborted) return Promise.reject(signal.reason);
  shared.waiters++;
  return new Promise<CachedRender>((resolve, reject) => {
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      signal.removeEventListener('abort', onAbort);
      shared.waiters--;
    };
    const onAbort = () => {
      leave();
      if (shared.waiters === 0) shared.controller.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    shared.result.then(
      (r) => {
        leave();
        resolve(r);
      },
      (e: unknown) => {
        leave();
        reject(e);
      },
    );
  });
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
