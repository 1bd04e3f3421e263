/**
 * An erd diagram (parser.ts) as Graphviz DOT with erd's look, as erd builds it with its
 * default configuration (what Kroki runs): an undirected graph laid out left to right
 * with spline edges; every entity a plain-text node whose HTML-like label is a table with
 * the name in bold in a header row (16 pt) and one left-aligned row per attribute,
 * primary keys underlined, foreign keys in italics, a `label` option shown in brackets
 * after a name; tables in Helvetica with a 1-pixel cell border, no table border, no cell
 * spacing and 4 pixels of padding; edges grey (gray50), dashed, with `minlen=2`, erd's
 * UML-style cardinality labels at each end ({0,1}, 1, 0..N, 1..N) and a `label` option
 * in the middle; a `title` directive's label at the top left in 30 pt.
 *
 * Options merge like erd's: an item's own options win over its directive's, which win
 * over the defaults; an entity's own options apply to its header too.
 *
 * Every name, label and value is written escaped into HTML-like labels, and nodes get
 * generated ids (`e0`, `e1`, …), so no text from the diagram is ever DOT syntax.
 */
import { escapeHtml } from '../_support/graphviz-text.js';
import type { Cardinality, ErdAttribute, ErdDiagram, ErdEntity, ErdOptions, ErdRelationship } from './parser.js';

export { escapeHtml };

const CARDINALITY_LABELS: Readonly<Record<Cardinality, string>> = {
  'zero-one': '{0,1}',
  one: '1',
  'zero-plus': '0..N',
  'one-plus': '1..N',
};

const DEFAULT_TITLE: ErdOptions = { size: '30' };
const DEFAULT_HEADER: ErdOptions = { size: '16' };
const DEFAULT_ENTITY: ErdOptions = { border: '0', cellborder: '1', cellspacing: '0', cellpadding: '4', font: 'Helvetica' };
const DEFAULT_ATTRIBUTE: ErdOptions = { 'text-alignment': 'left' };

/** The first options win, as erd's `mergeOpts`. */
function merge(...layers: ErdOptions[]): ErdOptions {
  return Object.assign({}, ...[...layers].reverse()) as ErdOptions;
}

function attributes(pairs: Array<[string, string | undefined]>): string {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
}

/** `<FONT …>text</FONT>` with the options' font attributes (the text already HTML). */
function font(options: ErdOptions, html: string): string {
  const attrs = attributes([
    ['COLOR', options.color],
    ['FACE', options.font],
    ['POINT-SIZE', options.size],
  ]);
  return attrs ? `<FONT${attrs}>${html}</FONT>` : html;
}

/** The options' table or cell attributes; `table` adds those only a TABLE takes. */
function boxAttributes(options: ErdOptions, table: boolean): string {
  return attributes([
    ['BGCOLOR', options.bgcolor],
    ['BORDER', options.border],
    ['COLOR', options['border-color']],
    ['CELLSPACING', options.cellspacing],
    ['CELLPADDING', options.cellpadding],
    ['CELLBORDER', table ? options.cellborder : undefined],
    ['ALIGN', options['text-alignment']?.toUpperCase()],
  ]);
}

/** A name with its `label` option in brackets after it, as erd shows both. */
function withLabel(options: ErdOptions, nameHtml: string, format: (label: string) => string): string {
  return options.label === undefined ? nameHtml : nameHtml + font(options, escapeHtml(format(options.label)));
}

function attributeRow(attribute: ErdAttribute): string {
  const options = merge(attribute.options, DEFAULT_ATTRIBUTE);
  let name = font(options, escapeHtml(attribute.name));
  if (attribute.pk) name = `<U>${name}</U>`;
  if (attribute.fk) name = `<I>${name}</I>`;
  return `<TR><TD${boxAttributes(options, false)}>${withLabel(options, name, (l) => ` [${l}]`)}</TD></TR>`;
}

function entityLabel(entity: ErdEntity, diagram: ErdDiagram): string {
  const options = merge(entity.options, diagram.directives.entity, DEFAULT_ENTITY);
  const header = merge(entity.options, diagram.directives.header, DEFAULT_HEADER);
  const title = withLabel(header, `<B>${font(header, escapeHtml(entity.name))}</B>`, (l) => ` [${l}]`);
  const rows = [`<TR><TD>${title}</TD></TR>`, ...entity.attributes.map(attributeRow)];
  const table = `<TABLE${boxAttributes(options, true)}>${rows.join('')}</TABLE>`;
  return font(options, table);
}

function edge(relationship: ErdRelationship, diagram: ErdDiagram, ids: ReadonlyMap<string, string>): string {
  const options = merge(relationship.options, diagram.directives.relationship);
  const attrs = [
    ...(options.label === undefined ? [] : [`label=<${font(options, escapeHtml(` ${options.label} `))}>`]),
    `taillabel=<${font(options, CARDINALITY_LABELS[relationship.fromCardinality])}>`,
    `headlabel=<${font(options, CARDINALITY_LABELS[relationship.toCardinality])}>`,
  ];
  return `  ${ids.get(relationship.from)!} -- ${ids.get(relationship.to)!} [${attrs.join(', ')}];`;
}

export function erdToDot(diagram: ErdDiagram): string {
  // One node per name: a second [Name] replaces the first, as a repeated Graphviz node would.
  const ids = new Map<string, string>();
  const lastByName = new Map<string, ErdEntity>();
  for (const entity of diagram.entities) {
    if (!ids.has(entity.name)) ids.set(entity.name, `e${ids.size}`);
    lastByName.set(entity.name, entity);
  }
  const title = merge(diagram.directives.title, DEFAULT_TITLE);
  const graph = ['rankdir=LR', 'splines=spline'];
  if (title.label !== undefined && title.label !== '') graph.push('labeljust=l', 'labelloc=t', `label=<${font(title, escapeHtml(title.label))}>`);
  const lines = [
    'graph {',
    `  graph [${graph.join(', ')}];`,
    '  node [shape=plaintext];',
    '  edge [color=gray50, minlen=2, style=dashed];',
    ...[...lastByName.values()].map((e) => `  ${ids.get(e.name)!} [label=<${entityLabel(e, diagram)}>];`),
    ...diagram.relationships.map((r) => edge(r, diagram, ids)),
    '}',
  ];
  return lines.join('\n') + '\n';
}
