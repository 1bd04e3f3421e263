/** bytefield-svg (svg) in a warm worker (worker.ts): its ClojureScript interpreter loads once (~70 ms). */
import { svgWorkerEngine } from '../_support/svg-worker-engine.js';

export const bytefield = svgWorkerEngine({
  id: 'bytefield',
  pkg: 'bytefield-svg',
  entry: new URL('./worker.js', import.meta.url),
  errorSample: { source: '(draw-column-headers)\n(draw-box "a")\n(draw-boks "b")', line: 3 },
});
