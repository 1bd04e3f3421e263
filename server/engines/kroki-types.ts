/**
 * Kroki's own catalogue (kroki 0.32.1): every diagram type its server knows, with the
 * formats it produces in declaration order. Used for types that are forwarded upstream,
 * for validation messages, and so /api/engines can list types nobody renders yet.
 */
import type { OutputFormat } from '../api/types.js';

export interface KrokiTypeSpec {
  formats: readonly OutputFormat[];
  /** The canonical type when this name is an alias. */
  aliasOf?: string;
  /** GET sources of this type may use PlantUML's own encodings. */
  plantumlEncoding?: boolean;
  /** Leading whitespace is meaningful: the decoder must not trim. */
  keepWhitespace?: boolean;
}

const blockdiag: KrokiTypeSpec = { formats: ['png', 'svg', 'pdf'] };
const plantuml: KrokiTypeSpec = { formats: ['png', 'svg', 'pdf', 'base64', 'txt', 'utxt'], plantumlEncoding: true };

export const KROKI_TYPES: Readonly<Record<string, KrokiTypeSpec>> = {
  actdiag: blockdiag,
  blockdiag,
  bpmn: { formats: ['svg'] },
  bytefield: { formats: ['svg'] },
  c4plantuml: plantuml,
  d2: { formats: ['svg'] },
  dbml: { formats: ['svg'] },
  diagramsnet: { formats: ['png', 'svg'] },
  ditaa: { formats: ['svg', 'png'], keepWhitespace: true },
  dot: { formats: ['png', 'svg', 'jpeg', 'pdf'], aliasOf: 'graphviz' },
  erd: { formats: ['png', 'svg', 'jpeg', 'pdf'] },
  excalidraw: { formats: ['svg'] },
  goat: { formats: ['svg'], keepWhitespace: true },
  graphviz: { formats: ['png', 'svg', 'jpeg', 'pdf'] },
  mermaid: { formats: ['png', 'svg'] },
  nomnoml: { formats: ['svg'] },
  nwdiag: blockdiag,
  packetdiag: blockdiag,
  pikchr: { formats: ['svg'] },
  plantuml,
  rackdiag: blockdiag,
  seqdiag: blockdiag,
  structurizr: { formats: ['png', 'svg', 'pdf', 'base64', 'txt', 'utxt'] },
  svgbob: { formats: ['svg'], keepWhitespace: true },
  symbolator: { formats: ['svg', 'png'], keepWhitespace: true },
  tikz: { formats: ['jpeg', 'pdf', 'png', 'svg'] },
  umlet: { formats: ['svg', 'png', 'jpeg'] },
  vega: { formats: ['svg', 'png', 'pdf'] },
  vegalite: { formats: ['svg', 'png', 'pdf'] },
  wavedrom: { formats: ['svg'] },
  wireviz: { formats: ['png', 'svg'] },
};

export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  svg: 'image/svg+xml',
  png: 'image/png',
  jpeg: 'image/jpeg',
  pdf: 'application/pdf',
  txt: 'text/plain',
  utxt: 'text/plain; charset=utf-8',
  base64: 'text/plain; charset=x-user-defined',
};
