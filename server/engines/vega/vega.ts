/**
 * Vega and Vega-Lite (svg, png, pdf) in one warm worker entry (worker.ts); Vega-Lite is
 * compiled to Vega first. Secure mode refuses every URL (see safety.ts).
 */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine, type WorkerRuntime } from '../spec.js';

// One pool for both: each worker would load Vega (and Vega-Lite) again, ~120 MB apiece.
const WORKER: WorkerRuntime = { kind: 'worker', entry: new URL('./worker.js', import.meta.url), key: 'vega' };

function vegaFamily(lite: boolean) {
  const version = packageVersion(lite ? 'vega-lite' : 'vega');
  const id = lite ? 'vegalite' : 'vega';
  return defineEngine({
    id,
    types: [id],
    formats: ['svg'],
    conversions: { png: 'svg', pdf: 'svg' },
    runtime: WORKER,
    errorSample: lite ? { source: '{\n  "mark": "bar",\n  "encoding": {,\n}', line: 3 } : { source: '{\n  "width": 100,\n  "height": 1oo\n}', line: 3 },
    version: () => version,
    async render(input, host) {
      const svg = await host.call<string>('render', { source: input.source, lite, unsafe: input.safeMode === 'unsafe' }, { signal: input.signal });
      return { svg };
    },
  });
}

export const vega = vegaFamily(false);
export const vegalite = vegaFamily(true);
