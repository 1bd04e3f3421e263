/**
 * The render core and everything it runs, built apart from the HTTP app: the CLI starts
 * them before it loads Fastify, so the first engine loads its WASM on the second core
 * while the main thread is still importing the web framework (first answer ~0.3 s sooner).
 */
import type { Logger } from 'pino';
import type { StudioConfig } from '../config.js';
import { ENGINES } from '../engines/index.js';
import type { AnyEngineSpec } from '../engines/spec.js';
import { StudioMetrics } from '../metrics.js';
import { UpstreamProvider } from '../upstream/provider.js';
import { RenderCache } from './cache.js';
import { createRenderContext, type RenderContext } from './context.js';
import { RenderCore } from './core.js';
import { createLiveEngine } from './engines.js';

export interface RenderRuntime {
  ctx: RenderContext;
  core: RenderCore;
  metrics: StudioMetrics;
  upstream: UpstreamProvider;
  /** Stop every engine and runtime. */
  close(): Promise<void>;
}

export function createRenderRuntime(
  config: StudioConfig,
  logger: Logger,
  specs: readonly AnyEngineSpec[] = ENGINES,
  opts: { measureProcess?: boolean } = {},
): RenderRuntime {
  const metrics = new StudioMetrics();
  const ctx = createRenderContext(config, logger, (id) => metrics.restarted(id), opts);
  const engines = specs.map((spec) => createLiveEngine(spec, ctx));
  const upstream = new UpstreamProvider(config.krokiUrl, config.upstreamTimeoutMs);
  const cache = new RenderCache(config.cacheBytes);
  const core = new RenderCore(engines, ctx, upstream, cache, metrics);
  metrics.attach(core, cache);
  return { ctx, core, metrics, upstream, close: () => ctx.close() };
}
