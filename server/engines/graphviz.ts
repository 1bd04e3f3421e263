/**
 * Graphviz through hpcc-js WASM in warm worker threads. The WASM draws SVG only; PNG and
 * JPEG go through the rasteriser, PDF through the browser.
 *
 * Options like Kroki's: `layout` (dot's -K), `node-attribute-<n>` / `graph-attribute-<n>` /
 * `edge-attribute-<n>` (dot's -N/-G/-E, applied as default attributes that the source can
 * override) and `scale`. Kroki passes `scale` to dot's `-s`, which only rescales input
 * coordinates; here it zooms PNG/JPEG output, which is what users reach for it for.
 */
import { BadRequestError } from '../errors.js';
import type { EngineFactory } from './engine.js';
import { svgAs, workerEngine } from './_shared.js';

export const GRAPHVIZ_LAYOUTS = ['dot', 'neato', 'fdp', 'sfdp', 'circo', 'twopi', 'osage', 'patchwork'] as const;

type AttributeKind = 'graph' | 'node' | 'edge';

export interface GraphvizOptions {
  layout: string;
  scale?: number;
  attributes: Record<AttributeKind, Array<[string, string]>>;
}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Kroki's Graphviz options, validated. */
export function parseGraphvizOptions(options: Readonly<Record<string, string>>): GraphvizOptions {
  const result: GraphvizOptions = { layout: 'dot', attributes: { graph: [], node: [], edge: [] } };
  for (const [key, value] of Object.entries(options)) {
    if (key === 'layout') {
      const layout = value.trim().toLowerCase();
      if (!(GRAPHVIZ_LAYOUTS as readonly string[]).includes(layout))
        throw new BadRequestError(`Unsupported layout engine: ${value}. Must be one of ${GRAPHVIZ_LAYOUTS.join(', ')}.`);
      result.layout = layout;
    } else if (key === 'scale') {
      const scale = Number(value);
      if (!Number.isFinite(scale) || scale <= 0 || scale > 100)
        throw new BadRequestError(`Invalid scale: ${value}. Must be a number greater than 0 and at most 100.`);
      result.scale = scale;
    } else {
      const m = /^(graph|node|edge)-attribute-(.+)$/.exec(key);
      if (!m) continue;
      const kind = m[1] as AttributeKind;
      const name = m[2]!;
      if (!ATTRIBUTE_NAME.test(name)) throw new BadRequestError(`Invalid Graphviz attribute name: ${name}.`);
      if (/\\$/.test(value)) throw new BadRequestError(`Invalid value for ${key}: it must not end with a backslash.`);
      result.attributes[kind].push([name, value]);
    }
  }
  return result;
}

/**
 * Insert `graph [...] node [...] edge [...]` right after the root graph's opening brace,
 * on the same line (error line numbers stay true). Statements in the source come later, so
 * they override these defaults, as with dot's -G/-N/-E.
 */
export function applyDefaultAttributes(source: string, attributes: GraphvizOptions['attributes']): string {
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

export const createGraphvizEngine: EngineFactory = (ctx) =>
  workerEngine(ctx, {
    id: 'graphviz',
    types: ['graphviz', 'dot'],
    formats: ['png', 'svg', 'jpeg', 'pdf'],
    worker: new URL('../runtimes/workers/graphviz.worker.js', import.meta.url),
    // Two cores: two warm workers let two graphs lay out at once (~30 MB each).
    workers: 2,
    options: [
      { name: 'layout', kind: 'string', description: `Layout engine: ${GRAPHVIZ_LAYOUTS.join(', ')} (default dot).` },
      { name: 'scale', kind: 'number', description: 'Zoom factor for PNG and JPEG output.' },
      { name: 'node-attribute-<name>', kind: 'string', description: 'Default node attribute, like dot -N<name>=<value>.' },
      { name: 'graph-attribute-<name>', kind: 'string', description: 'Default graph attribute, like dot -G<name>=<value>.' },
      { name: 'edge-attribute-<name>', kind: 'string', description: 'Default edge attribute, like dot -E<name>=<value>.' },
    ],
    version: (info) => info?.version ?? 'unknown (not started)',
    // ~0.5 s of CPU in all: a small graph renders 1.5–2× faster once V8 has tiered the WASM up.
    warmUp: { source: WARMUP_GRAPH, renders: 200 },
    async render(host, input) {
      const opts = parseGraphvizOptions(input.options);
      const source = applyDefaultAttributes(input.source, opts.attributes);
      const svg = await host.call<string>('render', { source, layout: opts.layout }, { signal: input.signal });
      return svgAs(ctx, svg, input.format, { signal: input.signal, ...(opts.scale !== undefined ? { scale: opts.scale } : {}) });
    },
  });
