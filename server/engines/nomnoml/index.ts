/** nomnoml (svg) in a warm worker (worker.ts). */
import { svgWorkerEngine } from '../_support/svg-worker-engine.js';

export const nomnoml = svgWorkerEngine({
  id: 'nomnoml',
  pkg: 'nomnoml',
  entry: new URL('./worker.js', import.meta.url),
  errorSample: { source: '[a]->[b]\n[b]->[c', line: 2 },
});
