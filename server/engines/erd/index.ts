/**
 * erd (BurntSushi/erd's `.er` entity-relationship format) in a warm worker (worker.ts):
 * Studio's own parser (parser.ts) turns the source into DOT with erd's look (dot.ts),
 * laid out by Graphviz compiled to WASM (`@hpcc-js/wasm-graphviz`). Kroki runs the erd
 * program (Haskell), which writes the same kind of DOT and calls Graphviz's `dot`.
 * SVG natively; PNG, JPEG and PDF are the render core's conversions of it. No options,
 * as Kroki's erd.
 */
import { dotEngine } from '../_support/dot-engine.js';

export const erd = dotEngine({
  id: 'erd',
  name: 'studio-erd',
  entry: new URL('./worker.js', import.meta.url),
  conversions: { png: 'svg', jpeg: 'svg', pdf: 'svg' },
  formatOrder: ['png', 'svg', 'jpeg', 'pdf'],
  errorSample: { source: '[Person]\n*name\n\n[Location\n*id\n\nPerson *--1 Location\n', line: 4 },
});
