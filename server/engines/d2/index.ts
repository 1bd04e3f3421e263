/**
 * D2 through @terrastruct/d2 (D2's Go code compiled to WASM) in one warm worker thread
 * (worker.ts). SVG natively; PNG is the render core's conversion of it. Options as Kroki's
 * d2 service passes them to the d2 program: `theme`, `dark-theme`, `layout`, `sketch`,
 * `pad`, `scale`, `animate-interval`.
 */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';
import { D2_THEME_HINT, D2_THEME_PATTERN, d2ThemeId } from './themes.js';
import type { D2Options, D2RenderRequest } from './worker.js';

const version = packageVersion('@terrastruct/d2');

/** Eight boxes, a container, labels and a class table: the code paths small diagrams take. */
const WARMUP_DIAGRAM = [
  'direction: right',
  'users: Users {shape: person}',
  'app: App {',
  '  web: Web',
  '  api: API',
  '  web -> api: REST',
  '}',
  'db: Database {shape: cylinder}',
  'cache: Cache',
  'users -> app.web: browse',
  'app.api -> db: SQL',
  'app.api -> cache: get/set',
  'jobs: {shape: sql_table; id: int {constraint: primary_key}; name: string}',
  'app.api -> jobs',
].join('\n');

export const d2 = defineEngine({
  id: 'd2',
  types: ['d2'],
  formats: ['svg'],
  conversions: { png: 'svg' },
  options: {
    named: {
      theme: {
        kind: 'string',
        pattern: D2_THEME_PATTERN,
        hint: D2_THEME_HINT,
        description: 'Theme by name or id (default 0, the source’s d2-config otherwise).',
      },
      'dark-theme': {
        kind: 'string',
        pattern: D2_THEME_PATTERN,
        hint: D2_THEME_HINT,
        description: 'Theme used when the viewer prefers a dark colour scheme (a CSS media query in the SVG).',
      },
      layout: { kind: 'enum', values: ['dagre', 'elk'], description: 'Layout engine (default dagre).' },
      sketch: { kind: 'flag', description: 'Hand-drawn look.' },
      pad: { kind: 'number', above: -1, max: 1000, integer: true, description: 'Pixels of padding around the diagram (default 100).' },
      scale: { kind: 'number', above: 0, max: 100, description: 'Size factor of the SVG (and so of the PNG); by default the SVG fits its container.' },
      'animate-interval': {
        kind: 'number',
        above: -1,
        max: 3_600_000,
        integer: true,
        description: 'Milliseconds per board: layers, scenarios and steps become one animated SVG.',
      },
    },
  },
  runtime: {
    kind: 'worker',
    entry: new URL('./worker.js', import.meta.url),
    // Go's heap lives in WASM memory, which only grows: the process holds ~400 MB more once
    // the worker is ready and ~700 MB more after some dozens of renders. The worker is
    // replaced once the process has grown 400 MB past that start, which gives the memory
    // back; the JavaScript side (the diagram as JSON between compile and render) gets a
    // large heap so that big diagrams do not end the thread.
    host: { resourceLimits: { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 32 }, recycleAboveRssGrowth: 400 * 1024 * 1024 },
  },
  version: (info) => (info?.d2 ? `${version} (D2 ${info.d2.replace(/^v/, '')})` : version),
  errorSample: { source: 'editor: Editor\nserver: Server\neditor -> : request\nserver -> editor', line: 3 },
  // V8 optimises the WASM functions a render uses only after they ran a while: a small
  // diagram takes ~0.4 s right after a start and ~0.08 s after some 15 renders.
  warmUp: { sample: () => ({ source: WARMUP_DIAGRAM, format: 'svg' }), renders: () => 15 },
  async render(input, host) {
    const v = input.values;
    const options: D2Options = {};
    if (typeof v.theme === 'string') options.themeID = d2ThemeId(v.theme);
    if (typeof v['dark-theme'] === 'string') options.darkThemeID = d2ThemeId(v['dark-theme']);
    if (v.layout === 'dagre' || v.layout === 'elk') options.layout = v.layout;
    if (v.sketch === true) options.sketch = true;
    if (typeof v.pad === 'number') options.pad = v.pad;
    if (typeof v.scale === 'number') options.scale = v.scale;
    if (typeof v['animate-interval'] === 'number' && v['animate-interval'] > 0) options.animateInterval = v['animate-interval'];
    const request: D2RenderRequest = { source: input.source, options };
    return { svg: await host.call<string>('render', request, { signal: input.signal }) };
  },
});
