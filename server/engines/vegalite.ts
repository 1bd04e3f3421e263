/** Vega-Lite (svg, png, pdf): compiled to Vega in a warm worker; secure mode as for Vega. */
import type { EngineFactory } from './engine.js';
import { vegaFamilyEngine } from './_shared.js';

export const createVegaLiteEngine: EngineFactory = (ctx) => vegaFamilyEngine(ctx, true);
