/**
 * The one catalogue of diagram types: every name Kroki knows, what the UI shows for it,
 * which files imply it, how Kroki's GET form decodes it and which formats Kroki's own
 * server produces. The server, the web UI, the CLI and the tests all read it; what a type
 * renders *here* is the engines' business (server/engines/), reported by /api/engines.
 */
import type { OutputFormat } from './api.js';

export type EditorLanguage = 'mermaid' | 'plantuml' | 'graphviz' | 'd2' | 'json' | 'xml' | 'yaml' | 'latex' | 'vhdl' | 'clojure' | 'plain';

export interface DiagramTypeMeta {
  /** The canonical name used in URLs. */
  type: string;
  /** Other names for the same type (`dot` for Graphviz). */
  aliases: readonly string[];
  label: string;
  /** Lower-case extensions with the dot, longest first where they overlap. */
  extensions: readonly string[];
  language: EditorLanguage;
  /** Formats Kroki's own server produces for the type (kroki 0.32.1), in its order. */
  krokiFormats: readonly OutputFormat[];
  /** GET sources may also use PlantUML's own encodings (`~1`, `~h`, plain deflate). */
  plantumlEncoding?: boolean;
  /** Leading whitespace is part of the drawing: the decoder must not trim it. */
  keepWhitespace?: boolean;
  /** Why Studio has no local engine for the type (it is then always forwarded to a Kroki). */
  noLocalEngine?: string;
}

const BLOCKDIAG: readonly OutputFormat[] = ['png', 'svg', 'pdf'];
const PLANTUML: readonly OutputFormat[] = ['png', 'svg', 'pdf', 'base64', 'txt', 'utxt'];
const GRAPHVIZ: readonly OutputFormat[] = ['png', 'svg', 'jpeg', 'pdf'];

const t = (
  type: string,
  label: string,
  extensions: readonly string[],
  language: EditorLanguage,
  krokiFormats: readonly OutputFormat[],
  more: Partial<Pick<DiagramTypeMeta, 'aliases' | 'plantumlEncoding' | 'keepWhitespace' | 'noLocalEngine'>> = {},
): DiagramTypeMeta => ({ type, aliases: [], label, extensions, language, krokiFormats, ...more });

export const DIAGRAM_TYPES: readonly DiagramTypeMeta[] = [
  t('mermaid', 'Mermaid', ['.mmd', '.mermaid'], 'mermaid', ['png', 'svg']),
  t('plantuml', 'PlantUML', ['.puml', '.plantuml', '.pu', '.iuml', '.wsd'], 'plantuml', PLANTUML, { plantumlEncoding: true }),
  t('graphviz', 'Graphviz', ['.dot', '.gv', '.graphviz'], 'graphviz', GRAPHVIZ, { aliases: ['dot'] }),
  t('c4plantuml', 'C4 (PlantUML)', ['.c4', '.c4puml'], 'plantuml', PLANTUML, { plantumlEncoding: true }),
  t('d2', 'D2', ['.d2'], 'd2', ['svg']),
  t('ditaa', 'Ditaa', ['.ditaa'], 'plain', ['svg', 'png'], { keepWhitespace: true }),
  t('blockdiag', 'BlockDiag', ['.blockdiag', '.diag'], 'plain', BLOCKDIAG),
  t('seqdiag', 'SeqDiag', ['.seqdiag'], 'plain', BLOCKDIAG),
  t('actdiag', 'ActDiag', ['.actdiag'], 'plain', BLOCKDIAG),
  t('nwdiag', 'NwDiag', ['.nwdiag'], 'plain', BLOCKDIAG),
  t('packetdiag', 'PacketDiag', ['.packetdiag'], 'plain', BLOCKDIAG),
  t('rackdiag', 'RackDiag', ['.rackdiag'], 'plain', BLOCKDIAG),
  t('umlet', 'UMLet', ['.uxf', '.umlet'], 'xml', ['svg', 'png', 'jpeg'], {
    noLocalEngine: 'UMLet is a Java desktop program with no npm or Debian package, and no library form to embed',
  }),
  t('erd', 'Erd', ['.erd'], 'plain', GRAPHVIZ),
  t('svgbob', 'Svgbob', ['.svgbob', '.bob'], 'plain', ['svg'], { keepWhitespace: true }),
  t('symbolator', 'Symbolator', ['.vhd', '.vhdl', '.symbolator'], 'vhdl', ['svg', 'png'], {
    keepWhitespace: true,
    noLocalEngine: 'Symbolator is a Python program (with its HDL parser hdlparse) that neither npm nor Debian packages',
  }),
  t('nomnoml', 'nomnoml', ['.nomnoml', '.noml'], 'plain', ['svg']),
  t('vega', 'Vega', ['.vg.json', '.vega'], 'json', ['svg', 'png', 'pdf']),
  t('vegalite', 'Vega-Lite', ['.vl.json', '.vegalite'], 'json', ['svg', 'png', 'pdf']),
  t('wavedrom', 'WaveDrom', ['.wavedrom', '.wd.json'], 'json', ['svg']),
  t('bytefield', 'Bytefield', ['.bytefield', '.edn'], 'clojure', ['svg']),
  t('pikchr', 'Pikchr', ['.pikchr', '.pic'], 'plain', ['svg']),
  t('structurizr', 'Structurizr', ['.dsl', '.structurizr'], 'plain', PLANTUML, {
    noLocalEngine: 'Structurizr (its DSL parser and exporters) is Java that neither npm nor Debian packages',
  }),
  t('tikz', 'TikZ', ['.tikz', '.tex'], 'latex', ['jpeg', 'pdf', 'png', 'svg']),
  t('dbml', 'DBML', ['.dbml'], 'plain', ['svg']),
  t('wireviz', 'WireViz', ['.wireviz', '.wv.yml', '.wv.yaml'], 'yaml', ['png', 'svg']),
  t('goat', 'GoAT', ['.goat'], 'plain', ['svg'], { keepWhitespace: true }),
  t('bpmn', 'BPMN', ['.bpmn', '.bpmn2'], 'xml', ['svg']),
  t('excalidraw', 'Excalidraw', ['.excalidraw'], 'json', ['svg']),
  t('diagramsnet', 'diagrams.net', ['.drawio', '.dio', '.diagramsnet', '.drawio.svg'], 'xml', ['png', 'svg']),
];

const byName = new Map<string, DiagramTypeMeta>();
for (const meta of DIAGRAM_TYPES) for (const name of [meta.type, ...meta.aliases]) byName.set(name, meta);

/** Every type name, aliases included, sorted. */
export const DIAGRAM_TYPE_NAMES: readonly string[] = [...byName.keys()].sort();

/** The catalogue entry for a type or alias, or undefined for a name Kroki does not know. */
export function findType(name: string): DiagramTypeMeta | undefined {
  return byName.get(name);
}

export function canonicalType(type: string): string {
  return byName.get(type)?.type ?? type;
}

/** The entry for `type`, or a plain stand-in for a name the catalogue does not know. */
export function typeMeta(type: string): DiagramTypeMeta {
  return byName.get(type) ?? { type, aliases: [], label: type, extensions: [], language: 'plain', krokiFormats: [] };
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

/** Response content type per output format (Kroki's). */
export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  txt: 'text/plain',
  utxt: 'text/plain; charset=utf-8',
  base64: 'text/plain; charset=x-user-defined',
};
