/**
 * DBML through @softwaretechnik/dbml-renderer (what Kroki runs too) in a warm worker
 * (worker.ts): the library parses DBML, turns it into Graphviz DOT and lays that out with
 * the Graphviz it bundles (viz.js, Graphviz compiled to JavaScript). SVG natively; PNG is
 * the render core's conversion of it.
 */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';

const VERSION = packageVersion('@softwaretechnik/dbml-renderer');

export const dbml = defineEngine({
  id: 'dbml',
  types: ['dbml'],
  formats: ['svg'],
  conversions: { png: 'svg' },
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  version: () => VERSION,
  async render(input, host) {
    return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
  },
});
