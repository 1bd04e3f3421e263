/**
 * Kroki's mapping from diagram options to a Mermaid config object:
 * `er_title-top-margin=10` → `{ er: { titleTopMargin: 10 } }` (kebab-case → camelCase,
 * `_` → nesting, `true`/`false` → boolean, numbers → number, `[a,b]` → array).
 * Security settings are never taken from the client; they are forced here.
 */
import type { SafeMode } from '../../../shared/api.js';

/** Keys a client may not set (compared lower-cased, without dashes). */
const IGNORED_KEYS = new Set([
  'securitylevel',
  'secure',
  'maxtextsize',
  'maxedges',
  'startonload',
  'safemode',
  // DOMPurify settings decide what HTML survives in labels: a client could re-allow scripts.
  'dompurifyconfig',
  'suppresserrorrendering',
]);

/** Mermaid's own list of keys that `%%{init}%%` directives cannot override, plus ours. */
const DIRECTIVE_PROTECTED_KEYS = ['secure', 'securityLevel', 'startOnLoad', 'maxTextSize', 'suppressErrorRendering', 'maxEdges', 'dompurifyConfig'];

/** Diagrams that get `useMaxWidth: false`, so the SVG has its natural pixel size (like Kroki). */
const FIXED_WIDTH_DIAGRAMS = [
  'flowchart',
  'sequence',
  'gantt',
  'journey',
  'class',
  'state',
  'er',
  'gitGraph',
  'timeline',
  'mindmap',
  'pie',
  'quadrantChart',
  'xyChart',
  'requirement',
  'c4',
  'sankey',
  'packet',
  'block',
  'architecture',
  'kanban',
  'radar',
];

const UNSAFE_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

export type MermaidConfig = Record<string, unknown>;

export function kebabToCamel(segment: string): string {
  return segment.replace(/-+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `'true'` → true, `'12'` → 12, `'[a, 2]'` → ['a', 2], anything else stays a string. */
export function typedValue(raw: string): unknown {
  const v = raw.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?(\d+\.?\d*|\.\d+)$/.test(v)) return Number(v);
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((item) => typedValue(item));
  }
  return raw;
}

/** Client options as a nested Mermaid config, without the keys a client may not set. */
export function optionsToMermaidConfig(options: Readonly<Record<string, string>>): MermaidConfig {
  const config: MermaidConfig = {};
  for (const [key, raw] of Object.entries(options)) {
    const path = key.split('_').map(kebabToCamel);
    if (path.some((s) => s === '' || UNSAFE_SEGMENTS.has(s))) continue;
    if (IGNORED_KEYS.has(path[0]!.toLowerCase().replace(/-/g, ''))) continue;
    let node = config;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
      node = node[segment] as MermaidConfig;
    }
    node[path[path.length - 1]!] = typedValue(raw);
  }
  return config;
}

/** The full config passed to `mermaid.initialize` for one render. */
export function mermaidConfigFor(options: Readonly<Record<string, string>>, safeMode: SafeMode, maxTextSize: number): MermaidConfig {
  const defaults: MermaidConfig = { theme: 'default' };
  for (const diagram of FIXED_WIDTH_DIAGRAMS) defaults[diagram] = { useMaxWidth: false };
  const merged = deepMerge(defaults, optionsToMermaidConfig(options));
  return {
    ...merged,
    startOnLoad: false,
    securityLevel: safeMode === 'unsafe' ? 'loose' : 'strict',
    secure: DIRECTIVE_PROTECTED_KEYS,
    suppressErrorRendering: true,
    maxTextSize,
  };
}

function deepMerge(base: MermaidConfig, over: MermaidConfig): MermaidConfig {
  const out: MermaidConfig = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is MermaidConfig {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
