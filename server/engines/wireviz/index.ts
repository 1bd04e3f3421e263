/**
 * WireViz (YAML describing connectors, cables/bundles and their connections) in a warm
 * worker (worker.ts): Studio's port of WireViz reads the YAML like PyYAML (pyyaml.ts),
 * builds the harness with WireViz's defaults and checks (harness.ts) and writes the DOT
 * WireViz writes (dot.ts, colours in colors.ts, BOM numbers in bom.ts), laid out by
 * Graphviz compiled to WASM. Kroki runs WireViz itself (Python, `wireviz -f svg -`), which
 * hands the same DOT to Graphviz's `dot`. SVG natively, PNG as the render core's
 * conversion of it: Kroki's two formats. No options, as Kroki's wireviz.
 */
import { dotEngine } from '../_support/dot-engine.js';
import { WIREVIZ_VERSION } from './dot.js';

export const wireviz = dotEngine({
  id: 'wireviz',
  name: `studio-wireviz ${WIREVIZ_VERSION}`,
  entry: new URL('./worker.js', import.meta.url),
  conversions: { png: 'svg' },
  formatOrder: ['png', 'svg'],
  errorSample: { source: 'connectors:\n  X1:\n    pincount: 2\n    pinz: [A, B]\n', line: 4 },
});
