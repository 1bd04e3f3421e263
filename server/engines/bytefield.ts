/** bytefield-svg (svg) in a warm worker: its ClojureScript interpreter loads once (~70 ms). */
import type { EngineFactory } from './engine.js';
import { svgOnlyEngine } from './_shared.js';

export const createBytefieldEngine: EngineFactory = (ctx) =>
  svgOnlyEngine(ctx, { id: 'bytefield', pkg: 'bytefield-svg', worker: new URL('../runtimes/workers/bytefield.worker.js', import.meta.url) });
