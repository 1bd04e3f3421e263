/**
 * What the cross-engine tests must know of each engine's language, kept in the engine's
 * folder (`<id>/testing.ts`) so a new engine brings its own: how its source takes a CJK
 * label (the conformance suite) and its ways to reach outside its text (the secure-mode
 * suite). Only tests import these modules; tsconfig.build.json leaves them out of dist/,
 * so the server neither loads nor ships them, and the engine spec stays production code.
 */
import { testing as blockdiag } from './blockdiag/testing.js';
import { testing as bpmn } from './bpmn/testing.js';
import { testing as bytefield } from './bytefield/testing.js';
import { testing as d2 } from './d2/testing.js';
import { testing as dbml } from './dbml/testing.js';
import { testing as diagramsnet } from './diagramsnet/testing.js';
import { testing as erd } from './erd/testing.js';
import { testing as excalidraw } from './excalidraw/testing.js';
import { testing as goat } from './goat/testing.js';
import { testing as graphviz } from './graphviz/testing.js';
import { testing as mermaid } from './mermaid/testing.js';
import { testing as nomnoml } from './nomnoml/testing.js';
import { testing as pikchr } from './pikchr/testing.js';
import { testing as plantuml } from './plantuml/testing.js';
import { testing as svgbob } from './svgbob/testing.js';
import { testing as tikz } from './tikz/testing.js';
import { testing as vega } from './vega/testing.js';
import { testing as wavedrom } from './wavedrom/testing.js';
import { testing as wireviz } from './wireviz/testing.js';

/** Diagram sources that try to fetch `url` (a marker server) or read `file` (a secret). */
export type Probes = (url: string, file: string) => readonly string[];

export interface TypeTesting {
  /**
   * How `label` in an example's source becomes `text` (CJK), for a language where a bare
   * CJK word is not valid as it stands. Without it the text simply replaces the label.
   */
  cjk?: (source: string, label: string, text: string) => string;
  /**
   * Every way the type's language has to reach out (image and icon URLs, includes, file
   * reads), or why it needs none of its own. Required, so that a type is never left out
   * of the secure-mode suite by omission.
   */
  probes: Probes | { none: string };
}

/** A folder's test data, by the type names its engines serve. */
export type EngineTesting = Readonly<Record<string, TypeTesting>>;

// The order is the secure-mode suite's order: its engines stay up side by side, so it is kept as it was.
const FOLDERS: readonly EngineTesting[] = [
  graphviz,
  plantuml,
  mermaid,
  nomnoml,
  vega,
  wavedrom,
  bytefield,
  pikchr,
  dbml,
  erd,
  goat,
  wireviz,
  blockdiag,
  bpmn,
  excalidraw,
  d2,
  svgbob,
  tikz,
  diagramsnet,
];

/** Every type's test data; two folders claiming one type is a mistake caught at load. */
export const TESTING: ReadonlyMap<string, TypeTesting> = (() => {
  const byType = new Map<string, TypeTesting>();
  for (const folder of FOLDERS)
    for (const [type, data] of Object.entries(folder)) {
      if (byType.has(type)) throw new Error(`test data for ${type} is given twice`);
      byType.set(type, data);
    }
  return byType;
})();
