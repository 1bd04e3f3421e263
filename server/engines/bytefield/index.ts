/** bytefield-svg (svg) in a warm worker (worker.ts): its ClojureScript interpreter loads once (~70 ms). */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';

const VERSION = packageVersion('bytefield-svg');

export const bytefield = defineEngine({
  id: 'bytefield',
  types: ['bytefield'],
  formats: ['svg'],
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  errorSample: { source: '(draw-column-headers)\n(draw-box "a")\n(draw-boks "b")', line: 3 },
  version: () => VERSION,
  async render(input, host) {
    return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
  },
});
