/**
 * One render, wherever it happens: cache, then the local engine or the upstream Kroki.
 * Identical renders in flight at the same time share one result.
 */
import { RenderCache, renderKey, type CachedRender } from '../cache/render-cache.js';
import type { StudioConfig } from '../config.js';
import type { EngineRegistry } from '../engines/registry.js';
import { EngineUnavailableError, UnsupportedFormatError } from '../errors.js';
import type { KrokiClient } from '../upstream/kroki-client.js';
import type { OutputFormat } from './types.js';

export interface RenderRequest {
  type: string;
  format: OutputFormat;
  source: string;
  options: Record<string, string>;
  signal: AbortSignal;
}

export interface RenderResult extends CachedRender {
  cached: boolean;
  etag: string;
}

export class RenderService {
  /**
   * Renders in flight, shared by identical requests. A shared render has its own signal,
   * aborted only when every request waiting for it has gone: one client hanging up must
   * not fail the others.
   */
  private readonly inflight = new Map<string, { result: Promise<CachedRender>; controller: AbortController; waiters: number }>();

  constructor(
    private readonly config: StudioConfig,
    readonly registry: EngineRegistry,
    readonly cache: RenderCache,
    private readonly upstream: KrokiClient | null,
  ) {}

  /** Validate the format for this type's current placement; returns the ETag. */
  check(type: string, format: OutputFormat, options: Record<string, string>, source: string): string {
    const route = this.registry.route(type, format);
    if (!route.formats.includes(format)) throw new UnsupportedFormatError(format, type, route.formats);
    return `"${renderKey(route.canonical, format, options, source, this.config.safeMode)}"`;
  }

  async render(req: RenderRequest): Promise<RenderResult> {
    const etag = this.check(req.type, req.format, req.options, req.source);
    const key = etag.slice(1, -1);
    const hit = this.cache.get(key);
    if (hit) return { ...hit, cached: true, etag };

    let shared = this.inflight.get(key);
    if (!shared) {
      const controller = new AbortController();
      const entry = { result: this.renderUncached({ ...req, signal: controller.signal }), controller, waiters: 0 };
      entry.result.finally(() => this.inflight.delete(key)).catch(() => {}); // the waiters see the rejection; this chain only cleans up
      this.inflight.set(key, entry);
      shared = entry;
    }
    const result = await this.wait(shared, req.signal);
    this.cache.set(key, result);
    return { ...result, cached: false, etag };
  }

  /** This request's view of a shared render: it leaves as soon as its own signal aborts. */
  private wait(shared: { result: Promise<CachedRender>; controller: AbortController; waiters: number }, signal: AbortSignal): Promise<CachedRender> {
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

  private async renderUncached(req: RenderRequest): Promise<CachedRender> {
    const route = this.registry.route(req.type, req.format);
    switch (route.placement) {
      case 'local':
        return { body: await this.registry.renderLocal(route.engine, req), engine: route.engine.id };
      case 'upstream':
        return { body: await this.upstream!.render(req.type, req.format, req.source, req.options, req.signal), engine: 'upstream' };
      default:
        throw new EngineUnavailableError(route.message);
    }
  }
}
