/**
 * WaveDrom (svg). A render takes ~0.2 ms, less than a worker round trip, yet it still runs
 * in a worker: a wave string can be made arbitrarily long (`"x".repeat(1e7)`), and only a
 * thread we can terminate makes the time limit real. The round trip costs well under 1 ms.
 */
import type { EngineFactory } from './engine.js';
import { svgOnlyEngine } from './_shared.js';

export const createWavedromEngine: EngineFactory = (ctx) =>
  svgOnlyEngine(ctx, { id: 'wavedrom', pkg: 'wavedrom', worker: new URL('../runtimes/workers/wavedrom.worker.js', import.meta.url) });
