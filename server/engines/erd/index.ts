/**
 * erd (BurntSushi/erd's `.er` entity-relationship format) in a warm worker (worker.ts):
 * Studio's own parser (parser.ts) turns the source into DOT with erd's look (dot.ts),
 * laid out by Graphviz compiled to WASM (`@hpcc-js/wasm-graphviz`). Kroki runs the erd
 * program (Haskell), which writes the same kind of DOT and calls Graphviz's `dot`.
 * SVG natively; PNG, JPEG and PDF are the render core's conversions of it. No options,
 * as Kroki's erd.
 */
import { defineEngine } from '../spec.js';

export const erd = defineEngine({
  id: 'erd',
  types: ['erd'],
  formats: ['svg'],
  conversions: { png: 'svg', jpeg: 'svg', pdf: 'svg' },
  formatOrder: ['png', 'svg', 'jpeg', 'pdf'],
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  errorSample: { source: '[Person]\n*name\n\n[Location\n*id\n\nPerson *--1 Location\n', line: 4 },
  // The parser is Studio's and has no version of its own: the Graphviz that draws is what varies.
  version: (info) => (info?.version ? `studio-erd (Graphviz ${info.version})` : 'unknown (not started)'),
  async render(input, host) {
    return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
  },
});
