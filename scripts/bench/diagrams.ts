import { compile } from 'vega-lite';
import { EXAMPLES } from '../../shared/examples.js';

/**
 * The diagrams the benchmark renders, sized like the "small" diagrams of
 * /work/shared/reference/engine-baselines.md so our numbers compare with that table.
 * Each carries labels that must appear in its SVG, so a fast error page never counts as a render.
 */

export interface BenchDiagram {
  /** Kroki type used in the URL. */
  type: string;
  /** Short human description for the report. */
  label: string;
  source: string;
  /** Strings the SVG output must contain. */
  expect: string[];
}

function graphviz20(): string {
  const edges: string[] = [];
  for (let i = 1; i < 20; i++) edges.push(`  n${Math.floor((i - 1) / 2)} -> n${i};`);
  edges.push('  n19 -> n3;', '  n12 -> n5;', '  n17 -> n0;', '  n8 -> n14;');
  const nodes = Array.from({ length: 20 }, (_, i) => `  n${i} [label="Node ${i}"];`);
  return ['digraph G {', '  rankdir=LR;', '  node [shape=box, style=rounded];', ...nodes, ...edges, '}', ''].join('\n');
}

export const GRAPHVIZ_SMALL: BenchDiagram = {
  type: 'graphviz',
  label: '20-node digraph',
  source: graphviz20(),
  expect: ['Node 0', 'Node 19'],
};

export const PLANTUML_SMALL: BenchDiagram = {
  type: 'plantuml',
  label: '8-participant sequence, alt/else + note',
  source: `@startuml
actor User
participant Browser
participant Gateway
participant Auth
participant Orders
participant Stock
database Ledger
queue Mailer
User -> Browser: place order
Browser -> Gateway: POST /orders
Gateway -> Auth: check token
Auth --> Gateway: ok
Gateway -> Orders: create
Orders -> Stock: reserve items
alt items in stock
  Stock --> Orders: reserved
  Orders -> Ledger: write entry
  Orders -> Mailer: send receipt
else out of stock
  Stock --> Orders: missing items
  Orders --> Gateway: 409 conflict
end
note right of Ledger: entries are append-only
Gateway --> Browser: result
Browser --> User: show status
@enduml
`,
  expect: ['Gateway', 'Mailer', 'append-only'],
};

export const MERMAID_SMALL: BenchDiagram = {
  type: 'mermaid',
  label: '11-node flowchart',
  source: `flowchart TD
  A[Start] --> B{Signed in?}
  B -- yes --> C[Load profile]
  B -- no --> D[Show login]
  D --> E[Check password]
  E --> F{Valid?}
  F -- yes --> C
  F -- no --> G[Show error]
  G --> D
  C --> H[Fetch orders]
  H --> I[Render page]
  I --> J[Track visit]
  J --> K[Done]
`,
  expect: ['Load profile', 'Track visit'],
};

export const NOMNOML_SMALL: BenchDiagram = {
  type: 'nomnoml',
  label: '10 nodes',
  source: `[Customer|name;email|order()] -> [Order|id;total]
[Order] -> [LineItem|qty;price]
[LineItem] -> [Product|sku;title]
[Order] -> [Payment|method]
[Payment] -> [Invoice]
[Order] -> [Shipment|carrier]
[Shipment] -> [Address]
[Customer] -> [Address]
[Product] -> [Category]
[Category] -> [Catalogue]
`,
  expect: ['Customer', 'Catalogue'],
};

export const VEGALITE_SMALL: BenchDiagram = {
  type: 'vegalite',
  label: '12-bar chart',
  source: JSON.stringify({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    description: 'Monthly renders',
    data: {
      values: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m, i) => ({
        month: m,
        renders: 20 + ((i * 37) % 60),
      })),
    },
    mark: 'bar',
    encoding: {
      x: { field: 'month', type: 'ordinal', sort: null, title: 'Month' },
      y: { field: 'renders', type: 'quantitative', title: 'Renders' },
    },
  }),
  expect: ['Month', 'Renders'],
};

/** The same chart as Vega: vega-lite's own compiler turns the spec above into Vega. */
export const VEGA_SMALL: BenchDiagram = {
  type: 'vega',
  label: '12-bar chart (compiled from the Vega-Lite one)',
  source: JSON.stringify(compile(JSON.parse(VEGALITE_SMALL.source)).spec),
  expect: ['Month', 'Renders'],
};

export const WAVEDROM_SMALL: BenchDiagram = {
  type: 'wavedrom',
  label: '4 signals',
  source: `{ signal: [
  { name: "clk",  wave: "p.......", period: 1 },
  { name: "req",  wave: "0.1..0.." },
  { name: "data", wave: "x.345x..", data: ["head", "body", "tail"] },
  { name: "ack",  wave: "0...1.0." }
]}
`,
  expect: ['clk', 'body'],
};

export const BYTEFIELD_SMALL: BenchDiagram = {
  type: 'bytefield',
  label: 'header + 4 boxes + gap',
  source: `(defattrs :bg-green {:fill "#a0ffa0"})
(draw-column-headers)
(draw-box "Magic" {:span 4})
(draw-box "Length" {:span 2})
(draw-box "Flags" {:span 2})
(draw-box "Checksum" [:bg-green {:span 8}])
(draw-gap "Payload")
(draw-bottom)
`,
  expect: ['Magic', 'Payload'],
};

/** PlantUML's ditaa draws bitmaps only, so it is checked as PNG (no labels to look for). */
export const DITAA_SMALL: BenchDiagram = {
  type: 'ditaa',
  label: '3 boxes',
  source: `+--------+   +-------+   +-------+
| client |-->| proxy |-->| store |
+--------+   +-------+   +-------+
`,
  expect: [],
};

/** A small picture of the kind Kroki's docs show: two nodes, an edge, axes, a label in math. */
export const TIKZ_SMALL: BenchDiagram = {
  type: 'tikz',
  label: 'two nodes, an arrow, axes',
  source: `\\documentclass{standalone}
\\usepackage{tikz}
\\begin{document}
\\begin{tikzpicture}[node distance=2cm]
  \\node[draw, rounded corners] (a) {Client};
  \\node[draw, rounded corners, right of=a] (b) {Server};
  \\draw[->, thick] (a) -- node[above] {$f(x)$} (b);
  \\draw[->] (0,-1) -- (3,-1) node[right] {$x$};
\\end{tikzpicture}
\\end{document}
`,
  expect: ['Client', 'Server'],
};

export const ALL_SMALL: readonly BenchDiagram[] = [
  GRAPHVIZ_SMALL,
  PLANTUML_SMALL,
  MERMAID_SMALL,
  NOMNOML_SMALL,
  VEGALITE_SMALL,
  VEGA_SMALL,
  WAVEDROM_SMALL,
  BYTEFIELD_SMALL,
];

/**
 * The engines added with the every-Kroki-type work are measured on their first gallery
 * example (shared/examples.ts), whose labels the e2e tests already check in the picture.
 */
export function galleryDiagram(type: string): BenchDiagram {
  const example = EXAMPLES.find((e) => e.type === type);
  if (!example) throw new Error(`no gallery example for ${type} in shared/examples.ts`);
  return { type, label: `gallery: ${example.title}`, source: example.source, expect: [...example.labels] };
}

/** One type per engine not covered by a hand-made diagram above (the blockdiag family counts each type). */
export const GALLERY_TYPES = [
  'c4plantuml',
  'pikchr',
  'dbml',
  'erd',
  'goat',
  'svgbob',
  'd2',
  'blockdiag',
  'seqdiag',
  'actdiag',
  'nwdiag',
  'packetdiag',
  'rackdiag',
  'bpmn',
  'excalidraw',
  'diagramsnet',
  'wireviz',
] as const;

/** The issue-12 "large" PlantUML case: 100 classes with fields, in packages, linked in a tree plus cross links. */
function plantuml100Classes(): string {
  const lines = ['@startuml'];
  for (let p = 0; p < 5; p++) {
    lines.push(`package pkg${p} {`);
    for (let i = p * 20; i < p * 20 + 20; i++) lines.push(`  class Class${i} {`, `    +id${i} : int`, `    -name : String`, `    +run${i}() : void`, '  }');
    lines.push('}');
  }
  for (let i = 1; i < 100; i++) lines.push(`Class${Math.floor((i - 1) / 3)} ${i % 4 === 0 ? '*--' : '-->'} Class${i}`);
  for (let i = 0; i < 100; i += 9) lines.push(`Class${i} ..> Class${(i * 7 + 11) % 100}`);
  lines.push('@enduml', '');
  return lines.join('\n');
}

export const PLANTUML_LARGE: BenchDiagram = {
  type: 'plantuml',
  label: '100-class diagram in 5 packages',
  source: plantuml100Classes(),
  expect: ['Class0', 'Class99', 'run42'],
};

/** The issue-12 Mermaid throughput case: a 100-node flowchart. */
function mermaid100Nodes(): string {
  const lines = ['flowchart LR'];
  for (let i = 0; i < 100; i++) lines.push(`  n${i}[Step ${i}]`);
  for (let i = 1; i < 100; i++) lines.push(`  n${Math.floor((i - 1) / 2)} --> n${i}`);
  for (let i = 0; i < 100; i += 13) lines.push(`  n${i} -.-> n${(i * 5 + 7) % 100}`);
  return lines.join('\n') + '\n';
}

export const MERMAID_LARGE: BenchDiagram = {
  type: 'mermaid',
  label: '100-node flowchart',
  source: mermaid100Nodes(),
  expect: ['Step 0', 'Step 99'],
};
