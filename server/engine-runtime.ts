/**
 * The engines and the runtimes they share, built apart from the HTTP app: the CLI starts
 * them before it loads Fastify, so the Graphviz worker loads its WASM on the second core
 * while the main thread is still importing the web framework (first answer ~0.3 s sooner).
 */
import type { Logger } from 'pino';
import type { StudioConfig } from './config.js';
import type { EngineContext, EngineFactory } from './engines/engine.js';
import { ENGINE_FACTORIES } from './engines/index.js';
import { EngineRegistry } from './engines/registry.js';
import { StudioMetrics } from './metrics.js';
import { createEngineContext } from './runtimes/context.js';

export interface EngineRuntime {
  ctx: EngineContext & { close(): Promise<void> };
  registry: EngineRegistry;
  metrics: StudioMetrics;
}

export function createEngineRuntime(config: StudioConfig, logger: Logger, engines: readonly EngineFactory[] = ENGINE_FACTORIES): EngineRuntime {
  const metrics = new StudioMetrics();
  const ctx = createEngineContext(config, logger, (id) => metrics.restarted(id));
  const registry = new EngineRegistry(engines, ctx, metrics);
  return { ctx, registry, metrics };
}
