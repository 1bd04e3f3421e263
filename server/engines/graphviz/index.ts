/**
 * Graphviz through hpcc-js WASM in warm worker threads (worker.ts). The WASM draws SVG
 * only; PNG, JPEG and PDF are conversions the render core makes from it.
 *
 * Options like Kroki's: `layout` (dot's -K), `node-attribute-<n>` / `graph-attribute-<n>` /
 * `edge-attribute-<n>` (dot's -N/-G/-E, applied as default attributes that the source can
 * override) and `scale`. Kroki passes `scale` to dot's `-s`, which only rescales input
 * coordinates; here it zooms PNG/JPEG output, which is what users reach for it for.
 */
import { defineEngine } from '../spec.js';

export const GRAPHVIZ_LAYOUTS = ['dot', 'neato', 'fdp', 'sfdp', 'circo', 'twopi', 'osage', 'patchwork'] as const;

type AttributeKind = 'graph' | 'node' | 'edge';
export type GraphvizAttributes = Record<AttributeKind, Array<[string, string]>>;

/** The `<kind>-attribute-<name>` options (already validated by the schema), by kind. */
export function defaultAttributes(options: Readonly<Record<string, string>>): GraphvizAttributes {
  const result: GraphvizAttributes = { graph: [], node: [], edge: [] };
  for (const [key, value] of Object.entries(options)) {
    const m = /^(graph|node|edge)-attribute-(.+)$/.exec(key);
    if (m) result[m[1] as AttributeKind].push([m[2]!, value]);
  }
  return result;
}

/**
 * Insert `graph [...] node [...] edge [...]` right after the root graph's opening brace,
 * on the same line (error line numbers stay true). Statements in the source come later, so
 * they override these defaults, as with dot's -G/-N/-E.
 */
export function applyDefaultAttributes(source: string, attributes: GraphvizAttributes): string {
  const parts: string[] = [];
  for (const kind of ['graph', 'node', 'edge'] as const) {
    const list = attributes[kind];
    if (list.length === 0) continue;
    parts.push(`${kind} [${list.map(([k, v]) => `${k}="${v.replace(/"/g, '\\"')}"`).join(', ')}];`);
  }
  if (parts.length === 0) return source;
  const brace = rootBraceIndex(source);
  if (brace < 0) return source; // no body: let Graphviz report the syntax error
  return `${source.slice(0, brace + 1)} ${parts.join(' ')} ${source.slice(brace + 1)}`;
}

/** Offset of the first `{` that is not inside a comment, a quoted string or an HTML string. */
export function rootBraceIndex(source: string): number {
  let i = 0;
  const n = source.length;
  let lineStart = true;
  while (i < n) {
    const c = source[i]!;
    if (c === '\n') {
      lineStart = true;
      i++;
      continue;
    }
    if (lineStart && c === '#') {
      // C preprocessor output lines are ignored by Graphviz.
      while (i < n && source[i] !== '\n') i++;
      continue;
    }
    if (c !== ' ' && c !== '\t' && c !== '\r') lineStart = false;
    if (c === '/' && source[i + 1] === '/') {
      while (i < n && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"') {
      i++;
      while (i < n && source[i] !== '"') i += source[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '<') {
      let depth = 0;
      do {
        if (source[i] === '<') depth++;
        else if (source[i] === '>') depth--;
        i++;
      } while (i < n && depth > 0);
    } else if (c === '{') {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}

/** A 24-node graph with clusters, labels and record shapes: the code paths most graphs use. */
const WARMUP_GRAPH = [
  'digraph Warm {',
  '  rankdir=LR; node [shape=box, style=rounded];',
  '  subgraph cluster_a { label="A"; a1 -> a2 -> a3; a1 -> a3 [label="skip"]; }',
  '  subgraph cluster_b { label="B"; b1 -> b2; b2 -> b3 [style=dashed]; }',
  '  r [shape=record, label="{<in> in|core|<out> out}"];',
  ...Array.from({ length: 16 }, (_, i) => `  n${i} -> n${(i * 5 + 3) % 16}; n${i} [label="node ${i}"];`),
  '  a3 -> r:in; r:out -> b1; b3 -> n0;',
  '}',
].join('\n');

const ATTR = { suffix: /^[A-Za-z_][A-Za-z0-9_]*$/, suffixHint: 'a Graphviz attribute name' };
const ATTRIBUTE_VALUE = { kind: 'string', pattern: /(?:^|[^\\])$/, hint: 'it must not end with a backslash', description: '' } as const;

export const graphviz = defineEngine({
  id: 'graphviz',
  types: ['graphviz', 'dot'],
  formats: ['svg'],
  conversions: { png: 'svg', jpeg: 'svg', pdf: 'svg' },
  formatOrder: ['png', 'svg', 'jpeg', 'pdf'],
  options: {
    named: {
      layout: { kind: 'enum', values: GRAPHVIZ_LAYOUTS, description: 'Layout engine (default dot).' },
      scale: { kind: 'number', above: 0, max: 100, description: 'Zoom factor for PNG, JPEG and PDF output.' },
    },
    prefixed: {
      'node-attribute-': { ...ATTR, value: { ...ATTRIBUTE_VALUE, description: 'Default node attribute, like dot -N<name>=<value>.' } },
      'graph-attribute-': { ...ATTR, value: { ...ATTRIBUTE_VALUE, description: 'Default graph attribute, like dot -G<name>=<value>.' } },
      'edge-attribute-': { ...ATTR, value: { ...ATTRIBUTE_VALUE, description: 'Default edge attribute, like dot -E<name>=<value>.' } },
    },
  },
  // Two cores: two warm workers let two graphs lay out at once (~30 MB each).
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url), size: 2 },
  errorSample: { source: 'digraph {\n  a -> b;\n  b -> -> c;\n}', line: 3 },
  version: (info) => info?.version ?? 'unknown (not started)',
  // ~0.5 s of CPU in all: a small graph renders 1.5–2× faster once V8 has tiered the WASM up.
  warmUp: { sample: () => ({ source: WARMUP_GRAPH, format: 'svg' }), renders: () => 200 },
  async render(input, host) {
    const source = applyDefaultAttributes(input.source, defaultAttributes(input.options));
    const layout = (input.values.layout as string | undefined) ?? 'dot';
    const svg = await host.call<string>('render', { source, layout }, { signal: input.signal });
    return { svg, ...(typeof input.values.scale === 'number' ? { scale: input.values.scale } : {}) };
  },
});
