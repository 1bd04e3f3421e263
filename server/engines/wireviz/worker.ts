/** Worker thread: WireViz YAML read into a harness (harness.ts), written as DOT (dot.ts) and laid out by Graphviz. */
import { serveDotWorker } from '../_support/dot-engine.js';
import { harnessToDot } from './dot.js';
import { parseHarness } from './harness.js';

serveDotWorker({
  what: 'WireViz',
  toDot: (source) => harnessToDot(parseHarness(source)),
  sample: [
    'connectors:',
    '  X1: {type: D-Sub, subtype: female, pinlabels: [DCD, RX, TX, DTR, GND], loops: [[1, 4]]}',
    '  X2: {type: Molex KK 254, pinlabels: [GND, RX, TX]}',
    '  F: {style: simple, autogenerate: true, type: ferrule, color: OG}',
    'cables:',
    '  W1: {gauge: 0.25 mm2, length: 0.2, color_code: DIN, wirecount: 3, shield: true}',
    '  B1: {category: bundle, colors: [YEGN, BK]}',
    'connections:',
    '  - [X1: [5, 2, 3], W1: [1, 2, 3], X2: [1, 3, 2]]',
    '  - [X1: 5, W1: s]',
    '  - [F, B1: [1-2], X2: [2-3]]',
    '',
  ].join('\n'),
});
