/**
 * DBML through @softwaretechnik/dbml-renderer (what Kroki runs too) in a warm worker
 * (worker.ts): the library parses DBML, turns it into Graphviz DOT and lays that out with
 * the Graphviz it bundles (viz.js, Graphviz compiled to JavaScript). SVG natively; PNG is
 * the render core's conversion of it.
 */
import { svgWorkerEngine } from '../_support/svg-worker-engine.js';

export const dbml = svgWorkerEngine({
  id: 'dbml',
  pkg: '@softwaretechnik/dbml-renderer',
  entry: new URL('./worker.js', import.meta.url),
  conversions: { png: 'svg' },
  errorSample: { source: 'Table users {\n  id integer [primary key]\n  name varchar\n}\n\nTabel documents {\n  id integer\n}\n', line: 6 },
});
