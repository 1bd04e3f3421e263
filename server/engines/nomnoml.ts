/** nomnoml (svg) in a warm worker. */
import type { EngineFactory } from './engine.js';
import { svgOnlyEngine } from './_shared.js';

export const createNomnomlEngine: EngineFactory = (ctx) =>
  svgOnlyEngine(ctx, { id: 'nomnoml', pkg: 'nomnoml', worker: new URL('../runtimes/workers/nomnoml.worker.js', import.meta.url) });
