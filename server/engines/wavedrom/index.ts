/**
 * WaveDrom (svg). A render takes ~0.2 ms, less than a worker round trip, yet it still runs
 * in a worker (worker.ts): a wave string can be made arbitrarily long (`"x".repeat(1e7)`),
 * and only a thread we can terminate makes the time limit real.
 */
import { svgWorkerEngine } from '../_support/svg-worker-engine.js';

export const wavedrom = svgWorkerEngine({
  id: 'wavedrom',
  pkg: 'wavedrom',
  entry: new URL('./worker.js', import.meta.url),
  errorSample: { source: '{ signal: [\n  { name: "a", wave: "01" },\n  { name: "b" wave: "10" }\n]}', line: 3 },
});
