/**
 * The embedded engines, in one readable list (like Kroki's Server.java registrations).
 * Routes, /health and /api/engines are generated from it; each engine is its folder.
 * Order matters at start-up: the first one warms alone (see RenderRuntime.startPreloaded).
 */
import { blockdiag } from './blockdiag/index.js';
import { bpmn } from './bpmn/index.js';
import { bytefield } from './bytefield/index.js';
import { d2 } from './d2/index.js';
import { dbml } from './dbml/index.js';
import { diagramsnet } from './diagramsnet/index.js';
import { erd } from './erd/index.js';
import { excalidraw } from './excalidraw/index.js';
import { goat } from './goat/index.js';
import { graphviz } from './graphviz/index.js';
import { mermaid } from './mermaid/index.js';
import { nomnoml } from './nomnoml/index.js';
import { pikchr } from './pikchr/index.js';
import { ditaa } from './plantuml/ditaa.js';
import { plantuml } from './plantuml/plantuml.js';
import type { AnyEngineSpec } from './spec.js';
import { svgbob } from './svgbob/index.js';
import { tikz } from './tikz/index.js';
import { vega, vegalite } from './vega/vega.js';
import { wavedrom } from './wavedrom/index.js';
import { wireviz } from './wireviz/index.js';

export const ENGINES: readonly AnyEngineSpec[] = [
  graphviz,
  plantuml,
  ditaa,
  nomnoml,
  vega,
  vegalite,
  wavedrom,
  bytefield,
  pikchr,
  dbml,
  erd,
  wireviz,
  goat,
  blockdiag,
  bpmn,
  excalidraw,
  d2,
  svgbob,
  tikz,
  mermaid,
  diagramsnet,
];
