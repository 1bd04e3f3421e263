/** Vega (svg, png, pdf) in a warm worker; secure mode refuses every URL (see vega-safety.ts). */
import type { EngineFactory } from './engine.js';
import { vegaFamilyEngine } from './_shared.js';

export const createVegaEngine: EngineFactory = (ctx) => vegaFamilyEngine(ctx, false);
