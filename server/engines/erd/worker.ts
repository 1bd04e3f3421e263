/** Worker thread: erd sources parsed (parser.ts), turned into DOT (dot.ts) and laid out by Graphviz. */
import { serveDotWorker } from '../_support/dot-engine.js';
import { erdToDot } from './dot.js';
import { parseErd } from './parser.js';

serveDotWorker({
  what: 'erd',
  toDot: (source) => ({ dot: erdToDot(parseErd(source)) }),
  sample: '[Person]\n*name\n+birth_place_id\n\n[`Birth Place`]\n*id\ncity {label: "varchar"}\n\nPerson *--1 `Birth Place`\n',
});
