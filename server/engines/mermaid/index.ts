/**
 * Mermaid, rendered with `mermaid.render` in warm pages of the shared Chromium.
 * Unlike Kroki's companion, the 3.5 MB library is loaded once per page, not per request.
 * PNG is a screenshot of the SVG inside the same page (HTML labels survive, transparent
 * background like Kroki); PDF goes through the browser's printing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { kindPerConfig, pageReady, pagesSetting } from '../_support/page-kind.js';
import { screenshotSvg } from '../_support/page-screenshot.js';
import { DiagramSyntaxError } from '../../errors.js';
import { assetPath } from '../../paths.js';
import type { PageKind } from '../../runtimes/browser-pool.js';
import { defineEngine, type EngineEnv, type SettingsSchema } from '../spec.js';
import { loadMermaidBundle } from './bundle.js';
import { mermaidConfigFor } from './config.js';

const require = createRequire(import.meta.url);
const MERMAID_PACKAGE = path.dirname(require.resolve('mermaid/package.json'));
const MERMAID_BUNDLE = path.join(MERMAID_PACKAGE, 'dist', 'mermaid.min.js');
const MERMAID_VERSION = (require('mermaid/package.json') as { version: string }).version;
/** The page (HTML + script) ships beside this file; the build copies it next to the compiled one. */
const PAGE_DIR = assetPath(import.meta.url, 'page');

/** What `window.studioMermaid.render` returns in the page (see page/mermaid-page.js). */
type PageRenderResult = { ok: true; svg: string } | { ok: false; message: string; line?: number };

interface MermaidWindow {
  studioMermaid: {
    ready: boolean;
    render(source: string, config: Record<string, unknown>, keepOnStage: boolean): Promise<PageRenderResult>;
  };
}

/** The pooled Mermaid page: our HTML plus the library (see bundle.ts), served from disk. */
export function mermaidPageKind(maxPages: number, onUnpatchedBundle: () => void = () => {}): PageKind {
  return {
    id: 'mermaid',
    maxPages,
    javaScript: true,
    entry: '/mermaid/index.html',
    assets: {
      '/mermaid/index.html': path.join(PAGE_DIR, 'mermaid.html'),
      '/mermaid/mermaid-page.js': path.join(PAGE_DIR, 'mermaid-page.js'),
      '/vendor/mermaid.min.js': () => {
        const bundle = loadMermaidBundle(MERMAID_BUNDLE);
        if (!bundle.patched) onUnpatchedBundle();
        return bundle.body;
      },
    },
    // Long-lived pages accumulate library state; a fresh page now and then bounds it.
    maxUses: 2000,
    prepare: pageReady('studioMermaid', 'the Mermaid page loaded but the library did not initialise'),
  };
}

/** One `mermaid.render` in a pooled page; `keepOnStage` leaves the SVG laid out for a screenshot. */
function renderInPage(page: Page, source: string, config: Record<string, unknown>, keepOnStage: boolean): Promise<PageRenderResult> {
  return page.evaluate(([src, cfg, keep]) => (window as unknown as MermaidWindow).studioMermaid.render(src, cfg, keep), [source, config, keepOnStage] as const);
}

/** Mermaid's first renders in a page run at about half speed while V8 optimises the library. */
const WARMUP_DIAGRAMS: readonly string[] = [
  'flowchart TD\n  A[Start] --> B{Valid?}\n  B -->|yes| C[Render]\n  B -->|no| D[Report]\n  C --> E((Done))\n  D --> E',
  'sequenceDiagram\n  participant U as User\n  participant S as Studio\n  U->>S: edit\n  S-->>U: preview\n  Note over U,S: warm-up',
  'flowchart LR\n  subgraph Engines\n    G[Graphviz] --- P[PlantUML]\n  end\n  UI --> Engines --> SVG[(picture)]',
  'classDiagram\n  class Engine {\n    +render()\n  }\n  Engine <|-- Mermaid',
];

export const MERMAID_SETTINGS = {
  // One warm page by default: each extra page costs ~250 MB (see docs/benchmarks.md).
  pages: pagesSetting('STUDIO_MERMAID_PAGES', 'Mermaid'),
  maxTextSize: { env: 'KROKI_MERMAID_MAX_TEXT_SIZE', kind: 'int', default: 50_000, min: 1, description: 'Longest Mermaid source accepted, in characters.' },
} as const satisfies SettingsSchema;

function settings(env: EngineEnv): { pages: number; maxTextSize: number } {
  return env.settings(MERMAID_SETTINGS) as { pages: number; maxTextSize: number };
}

export const mermaid = defineEngine({
  id: 'mermaid',
  types: ['mermaid'],
  formats: ['png', 'svg', 'pdf'],
  options: {
    named: { theme: { kind: 'enum', values: ['default', 'neutral', 'dark', 'forest', 'base'], description: 'Mermaid theme.' } },
    passthrough: {
      name: '<config-key>',
      description: 'Any Mermaid config key, kebab-case, nested with "_" (e.g. flowchart_curve=basis, er_title-top-margin=10).',
    },
  },
  runtime: {
    kind: 'browser',
    settings: MERMAID_SETTINGS,
    pages: (env) => settings(env).pages,
    page: kindPerConfig((env) =>
      mermaidPageKind(settings(env).pages, () =>
        env.logger.warn(
          { engine: 'mermaid', version: MERMAID_VERSION },
          'this Mermaid bundle does not contain the code Studio speeds up; it is served unchanged (slower renders)',
        ),
      ),
    ),
  },
  errorSample: { source: 'graph TD\n  A --> B\n  B -->>>> C ;; [\n  C --> D', line: 3 },
  version: () => MERMAID_VERSION,
  unavailable() {
    if (!existsSync(MERMAID_BUNDLE)) return `The Mermaid library is missing (${MERMAID_BUNDLE}).`;
    if (!existsSync(path.join(PAGE_DIR, 'mermaid.html'))) return `The Mermaid page is missing (${PAGE_DIR}); the build must copy the engines' page folders.`;
    return null;
  },
  // Started ahead of need, the first renders (~2x slower than later ones) happen before ready.
  warmUp: { sample: (i) => ({ source: WARMUP_DIAGRAMS[i % WARMUP_DIAGRAMS.length]!, format: 'svg' }), renders: () => 40, beforeReady: 2 },
  maxSourceLength: (env) => settings(env).maxTextSize,
  async render(input, { pool, kind }, env) {
    const config = mermaidConfigFor(input.options, input.safeMode, settings(env).maxTextSize);
    const picture = input.format === 'png';
    const result = await pool.withPage(kind, { signal: input.signal, allowNetwork: input.safeMode === 'unsafe' }, async (page) => {
      const rendered = await renderInPage(page, input.source, config, picture);
      if (!rendered.ok) throw syntaxError(rendered.message, rendered.line);
      const png = picture ? await screenshotSvg(page, '#stage > svg') : null;
      return { svg: rendered.svg, png };
    });
    if (result.png) return result.png;
    // PDF: the render core prints this SVG through the shared browser converter.
    return input.format === 'pdf' ? { svg: result.svg } : Buffer.from(result.svg, 'utf8');
  },
});

function syntaxError(message: string, line: number | undefined): DiagramSyntaxError {
  const clean = message.trim().slice(0, 2000);
  return new DiagramSyntaxError(clean || 'Mermaid could not parse the diagram.', line !== undefined && line > 0 ? { line } : {});
}
