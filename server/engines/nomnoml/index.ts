/** nomnoml (svg) in a warm worker (worker.ts). */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';

const VERSION = packageVersion('nomnoml');

export const nomnoml = defineEngine({
  id: 'nomnoml',
  types: ['nomnoml'],
  formats: ['svg'],
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  errorSample: { source: '[a]->[b]\n[b]->[c', line: 2 },
  version: () => VERSION,
  async render(input, host) {
    return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
  },
});
