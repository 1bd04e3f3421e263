/**
 * What the UI knows about each Kroki diagram type without asking the server: a label,
 * the file extensions that imply it, and which editor language highlights it.
 * The server's /api/engines stays the authority on what can be rendered.
 */
export type EditorLanguage = 'mermaid' | 'plantuml' | 'graphviz' | 'd2' | 'json' | 'xml' | 'yaml' | 'latex' | 'vhdl' | 'clojure' | 'plain';

export interface DiagramTypeMeta {
  type: string;
  label: string;
  /** Lower-case extensions with the dot, longest first where they overlap. */
  extensions: string[];
  language: EditorLanguage;
}

export const DIAGRAM_TYPES: readonly DiagramTypeMeta[] = [
  { type: 'mermaid', label: 'Mermaid', extensions: ['.mmd', '.mermaid'], language: 'mermaid' },
  { type: 'plantuml', label: 'PlantUML', extensions: ['.puml', '.plantuml', '.pu', '.iuml', '.wsd'], language: 'plantuml' },
  { type: 'graphviz', label: 'Graphviz', extensions: ['.dot', '.gv', '.graphviz'], language: 'graphviz' },
  { type: 'c4plantuml', label: 'C4 (PlantUML)', extensions: ['.c4', '.c4puml'], language: 'plantuml' },
  { type: 'd2', label: 'D2', extensions: ['.d2'], language: 'd2' },
  { type: 'ditaa', label: 'Ditaa', extensions: ['.ditaa'], language: 'plain' },
  { type: 'blockdiag', label: 'BlockDiag', extensions: ['.blockdiag', '.diag'], language: 'plain' },
  { type: 'seqdiag', label: 'SeqDiag', extensions: ['.seqdiag'], language: 'plain' },
  { type: 'actdiag', label: 'ActDiag', extensions: ['.actdiag'], language: 'plain' },
  { type: 'nwdiag', label: 'NwDiag', extensions: ['.nwdiag'], language: 'plain' },
  { type: 'packetdiag', label: 'PacketDiag', extensions: ['.packetdiag'], language: 'plain' },
  { type: 'rackdiag', label: 'RackDiag', extensions: ['.rackdiag'], language: 'plain' },
  { type: 'umlet', label: 'UMLet', extensions: ['.uxf', '.umlet'], language: 'xml' },
  { type: 'erd', label: 'Erd', extensions: ['.erd'], language: 'plain' },
  { type: 'svgbob', label: 'Svgbob', extensions: ['.svgbob', '.bob'], language: 'plain' },
  { type: 'symbolator', label: 'Symbolator', extensions: ['.vhd', '.vhdl', '.symbolator'], language: 'vhdl' },
  { type: 'nomnoml', label: 'nomnoml', extensions: ['.nomnoml', '.noml'], language: 'plain' },
  { type: 'vega', label: 'Vega', extensions: ['.vg.json', '.vega'], language: 'json' },
  { type: 'vegalite', label: 'Vega-Lite', extensions: ['.vl.json', '.vegalite'], language: 'json' },
  { type: 'wavedrom', label: 'WaveDrom', extensions: ['.wavedrom', '.wd.json'], language: 'json' },
  { type: 'bytefield', label: 'Bytefield', extensions: ['.bytefield', '.edn'], language: 'clojure' },
  { type: 'pikchr', label: 'Pikchr', extensions: ['.pikchr', '.pic'], language: 'plain' },
  { type: 'structurizr', label: 'Structurizr', extensions: ['.dsl', '.structurizr'], language: 'plain' },
  { type: 'tikz', label: 'TikZ', extensions: ['.tikz', '.tex'], language: 'latex' },
  { type: 'dbml', label: 'DBML', extensions: ['.dbml'], language: 'plain' },
  { type: 'wireviz', label: 'WireViz', extensions: ['.wireviz', '.wv.yml', '.wv.yaml'], language: 'yaml' },
  { type: 'goat', label: 'GoAT', extensions: ['.goat'], language: 'plain' },
  { type: 'bpmn', label: 'BPMN', extensions: ['.bpmn', '.bpmn2'], language: 'xml' },
  { type: 'excalidraw', label: 'Excalidraw', extensions: ['.excalidraw'], language: 'json' },
  { type: 'diagramsnet', label: 'diagrams.net', extensions: ['.drawio', '.dio', '.diagramsnet'], language: 'xml' },
];

const byType = new Map(DIAGRAM_TYPES.map((m) => [m.type, m]));

/** Kroki's only plain alias: `dot` is Graphviz. */
const ALIASES: Record<string, string> = { dot: 'graphviz' };

export function canonicalType(type: string): string {
  return ALIASES[type] ?? type;
}

export function typeMeta(type: string): DiagramTypeMeta {
  return byType.get(canonicalType(type)) ?? { type, label: type, extensions: [], language: 'plain' };
}

/** The diagram type a file name implies, or null. Multi-part extensions (`.vl.json`) win. */
export function typeFromFileName(name: string): string | null {
  const lower = name.toLowerCase();
  let best: { type: string; length: number } | null = null;
  for (const meta of DIAGRAM_TYPES) {
    for (const ext of meta.extensions) {
      if (lower.endsWith(ext) && (!best || ext.length > best.length)) best = { type: meta.type, length: ext.length };
    }
  }
  return best?.type ?? null;
}

/** The file extension used when saving a document of this type. */
export function defaultExtension(type: string): string {
  return typeMeta(type).extensions[0] ?? '.txt';
}

/** A title for the text alternative and file names: the diagram's own title if it has one. */
export function diagramTitle(source: string): string | null {
  const patterns = [
    /^\s*title\s*:?\s*(.+)$/im, // PlantUML, Mermaid (`title` in frontmatter or diagram)
    /^\s*---\s*\n\s*title:\s*(.+)$/m,
    /^\s*(?:di)?graph\s+"?([\w .-]+?)"?\s*\{/m, // Graphviz graph name
  ];
  for (const re of patterns) {
    const m = re.exec(source);
    const title = m?.[1]?.trim();
    if (title) return title.slice(0, 80);
  }
  return null;
}
