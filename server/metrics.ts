/** Prometheus metrics: render durations per engine, cache, queues and engine restarts. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RenderCache } from './render/cache.js';
import type { RenderCore, RenderObserver } from './render/core.js';

export class StudioMetrics implements RenderObserver {
  readonly registry = new Registry();
  private readonly renderSeconds = new Histogram({
    name: 'studio_render_duration_seconds',
    help: 'Time spent rendering a diagram, per engine and outcome (cache hits excluded).',
    labelNames: ['engine', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly restarts = new Counter({
    name: 'studio_engine_restarts_total',
    help: 'Engine runtimes restarted after a crash, hang or timeout.',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'studio_' });
  }

  /** Gauges read live state at scrape time, so nothing has to keep them up to date. */
  attach(engines: RenderCore, cache: RenderCache): void {
    new Gauge({
      name: 'studio_engine_queue_depth',
      help: 'Renders waiting for a free slot, per engine.',
      labelNames: ['engine'] as const,
      registers: [this.registry],
      collect() {
        for (const e of engines.engines) this.set({ engine: e.id }, engines.limiter(e.id)?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'studio_engine_active_renders',
      help: 'Renders running now, per engine.',
      labelNames: ['engine'] as const,
      registers: [this.registry],
      collect() {
        for (const e of engines.engines) this.set({ engine: e.id }, engines.limiter(e.id)?.running ?? 0);
      },
    });
    new Gauge({
      name: 'studio_cache_hits_total',
      help: 'Render cache hits since start.',
      registers: [this.registry],
      collect() {
        this.set(cache.hits);
      },
    });
    new Gauge({
      name: 'studio_cache_misses_total',
      help: 'Render cache misses since start.',
      registers: [this.registry],
      collect() {
        this.set(cache.misses);
      },
    });
    new Gauge({
      name: 'studio_cache_bytes',
      help: 'Bytes held by the render cache.',
      registers: [this.registry],
      collect() {
        this.set(cache.bytes);
      },
    });
  }

  rendered(engine: string, seconds: number, outcome: 'ok' | 'error' | 'timeout' | 'busy'): void {
    this.renderSeconds.observe({ engine, outcome }, seconds);
  }

  restarted(engine: string): void {
    this.restarts.inc({ engine });
  }
}
