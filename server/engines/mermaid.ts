/**
 * Mermaid, rendered with `mermaid.render` in warm pages of the shared Chromium.
 * Unlike Kroki's companion, the 3.5 MB library is loaded once per page, not per request.
 * PNG is a screenshot of the SVG inside the same page (HTML labels survive, transparent
 * background like Kroki); PDF goes through the browser's printing.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { EngineState, OutputFormat } from '../api/types.js';
import { PACKAGE_ROOT } from '../config.js';
import { svgToPdf } from '../convert/browser-convert.js';
import { BadRequestError, DiagramSyntaxError } from '../errors.js';
import type { PageKind } from '../runtimes/browser-pool.js';
import type { DiagramEngine, EngineContext, EngineFactory, RenderInput } from './engine.js';
import { loadMermaidBundle } from './mermaid-bundle.js';
import { mermaidConfigFor } from './mermaid-config.js';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const MERMAID_PACKAGE = path.dirname(require.resolve('mermaid/package.json'));
const MERMAID_BUNDLE = path.join(MERMAID_PACKAGE, 'dist', 'mermaid.min.js');
const MERMAID_VERSION = (require('mermaid/package.json') as { version: string }).version;
/** Next to the sources in development; a build must copy the folder beside runtimes/ (see report). */
const ASSETS_DIR =
  [path.join(here, '..', 'runtimes', 'browser-assets'), path.join(PACKAGE_ROOT, 'server', 'runtimes', 'browser-assets')].find((dir) =>
    existsSync(path.join(dir, 'mermaid.html')),
  ) ?? path.join(here, '..', 'runtimes', 'browser-assets');

/** What `window.studioMermaid.render` returns in the page (see browser-assets/mermaid-page.js). */
type PageRenderResult = { ok: true; svg: string } | { ok: false; message: string; line?: number };

interface MermaidWindow {
  studioMermaid: {
    ready: boolean;
    render(source: string, config: Record<string, unknown>, keepOnStage: boolean): Promise<PageRenderResult>;
  };
}

/** The pooled Mermaid page: our HTML plus the library (see mermaid-bundle.ts), served from disk. */
export function mermaidPageKind(maxPages: number, onUnpatchedBundle: () => void = () => {}): PageKind {
  return {
    id: 'mermaid',
    maxPages,
    javaScript: true,
    entry: '/mermaid/index.html',
    assets: {
      '/mermaid/index.html': path.join(ASSETS_DIR, 'mermaid.html'),
      '/mermaid/mermaid-page.js': path.join(ASSETS_DIR, 'mermaid-page.js'),
      '/vendor/mermaid.min.js': () => {
        const bundle = loadMermaidBundle(MERMAID_BUNDLE);
        if (!bundle.patched) onUnpatchedBundle();
        return bundle.body;
      },
    },
    // Long-lived pages accumulate library state; a fresh page now and then bounds it.
    maxUses: 2000,
    async prepare(page: Page) {
      const ready = await page.evaluate(() => (window as unknown as Partial<MermaidWindow>).studioMermaid?.ready === true);
      if (!ready) throw new Error('the Mermaid page loaded but the library did not initialise');
    },
  };
}

/** One `mermaid.render` in a pooled page; `keepOnStage` leaves the SVG laid out for a screenshot. */
function renderInPage(page: Page, source: string, config: Record<string, unknown>, keepOnStage: boolean): Promise<PageRenderResult> {
  return page.evaluate(([src, cfg, keep]) => (window as unknown as MermaidWindow).studioMermaid.render(src, cfg, keep), [source, config, keepOnStage] as const);
}

/** Background renders on a fresh page (see warmUp): mostly flowcharts, the common case. */
const MERMAID_WARMUP_RENDERS = 40;
const MERMAID_WARMUP_DIAGRAMS: readonly string[] = [
  'flowchart TD\n  A[Start] --> B{Valid?}\n  B -->|yes| C[Render]\n  B -->|no| D[Report]\n  C --> E((Done))\n  D --> E',
  'sequenceDiagram\n  participant U as User\n  participant S as Studio\n  U->>S: edit\n  S-->>U: preview\n  Note over U,S: warm-up',
  'flowchart LR\n  subgraph Engines\n    G[Graphviz] --- P[PlantUML]\n  end\n  UI --> Engines --> SVG[(picture)]',
  'classDiagram\n  class Engine {\n    +render()\n  }\n  Engine <|-- Mermaid',
];

class MermaidEngine implements DiagramEngine {
  readonly id = 'mermaid';
  readonly types = ['mermaid'] as const;
  readonly formats: readonly OutputFormat[] = ['png', 'svg', 'pdf'];
  readonly runtime = 'browser' as const;
  readonly concurrency: number;
  readonly options = [
    {
      name: 'theme',
      description: 'Mermaid theme: default, neutral, dark, forest, base.',
      kind: 'string',
    },
    {
      name: '<config-key>',
      description: 'Any Mermaid config key, kebab-case, nested with "_" (e.g. flowchart_curve=basis, er_title-top-margin=10).',
      kind: 'string',
    },
  ] as const;

  private readonly kind: PageKind;
  private starting: Promise<void> | null = null;
  private startState: EngineState = 'idle';
  private warmGeneration = 0;
  private warming: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: EngineContext) {
    this.concurrency = ctx.config.mermaidPages;
    this.kind = mermaidPageKind(ctx.config.mermaidPages, () =>
      ctx.logger.warn(
        { engine: 'mermaid', version: MERMAID_VERSION },
        'this Mermaid bundle does not contain the code Studio speeds up; it is served unchanged (slower renders)',
      ),
    );
  }

  state(): EngineState {
    if (this.startState !== 'ready') return this.startState;
    const pool = this.ctx.browser.state();
    return pool === 'stopped' ? 'stopped' : pool === 'failed' ? 'failed' : 'ready';
  }

  version(): string {
    return MERMAID_VERSION;
  }

  available(): { ok: true } | { ok: false; reason: string } {
    if (!existsSync(MERMAID_BUNDLE))
      return {
        ok: false,
        reason: `The Mermaid library is missing (${MERMAID_BUNDLE}).`,
      };
    if (!existsSync(path.join(ASSETS_DIR, 'mermaid.html')))
      return {
        ok: false,
        reason: `The Mermaid page is missing (${ASSETS_DIR}); the build must copy server/runtimes/browser-assets.`,
      };
    return this.ctx.browser.available();
  }

  start(): Promise<void> {
    this.starting ??= (async () => {
      this.startState = 'starting';
      try {
        await this.ctx.browser.warm(this.kind);
        // Started ahead of need (STUDIO_PRELOAD): the first renders, ~2× slower than
        // later ones, happen now rather than in a user's request.
        if (this.ctx.config.preload.has('browser'))
          for (const source of MERMAID_WARMUP_DIAGRAMS.slice(0, 2)) await this.renderWarmUp(source).catch(() => undefined);
        this.startState = 'ready';
        this.warming = this.warmUp(++this.warmGeneration);
      } catch (err) {
        this.startState = 'failed';
        this.starting = null;
        throw err;
      }
    })();
    return this.starting;
  }

  async render(input: RenderInput): Promise<Buffer> {
    const limit = this.ctx.config.mermaidMaxTextSize;
    if (input.source.length > limit)
      throw new BadRequestError(`Maximum text size in diagram exceeded: ${input.source.length} characters, the limit is ${limit}.`);
    const config = mermaidConfigFor(input.options, input.safeMode, limit);
    const picture = input.format === 'png';
    const result = await this.ctx.browser.withPage(this.kind, { signal: input.signal, allowNetwork: input.safeMode === 'unsafe' }, async (page) => {
      const rendered = await renderInPage(page, input.source, config, picture);
      if (!rendered.ok) throw syntaxError(rendered.message, rendered.line);
      const png = picture
        ? await page.locator('#stage > svg').screenshot({
            type: 'png',
            omitBackground: true,
            animations: 'disabled',
          })
        : null;
      return { svg: rendered.svg, png };
    });
    if (result.png) return result.png;
    if (input.format === 'pdf') return svgToPdf(this.ctx.browser, result.svg, { signal: input.signal });
    return Buffer.from(result.svg, 'utf8');
  }

  /**
   * Mermaid's first few dozen renders in a page run at about half speed while V8
   * optimises the library, so a fresh page renders a few common diagrams in the
   * background, each only while no real render runs anywhere in the server (a real
   * render arriving meanwhile waits for at most one of them).
   */
  private async warmUp(generation: number): Promise<void> {
    for (let i = 0; i < MERMAID_WARMUP_RENDERS; i++) {
      const wanted = () => generation === this.warmGeneration && this.startState === 'ready';
      if (!(await this.ctx.activity.waitQuiet(wanted))) return;
      const source = MERMAID_WARMUP_DIAGRAMS[i % MERMAID_WARMUP_DIAGRAMS.length]!;
      try {
        await this.renderWarmUp(source);
      } catch {
        return; // the browser is stopping or gone; real renders report their own errors
      }
    }
  }

  private renderWarmUp(source: string): Promise<unknown> {
    const config = mermaidConfigFor({}, this.ctx.config.safeMode, this.ctx.config.mermaidMaxTextSize);
    return this.ctx.browser.withPage(this.kind, { signal: AbortSignal.timeout(this.ctx.config.renderTimeoutMs) }, (page) =>
      renderInPage(page, source, config, false),
    );
  }

  whenWarm(): Promise<void> {
    return this.warming;
  }

  async stop(): Promise<void> {
    this.warmGeneration++;
    // The browser belongs to the shared pool (stopped with the engine context).
    this.starting = null;
    this.startState = 'stopped';
  }
}

function syntaxError(message: string, line: number | undefined): DiagramSyntaxError {
  const clean = message.trim().slice(0, 2000);
  return new DiagramSyntaxError(clean || 'Mermaid could not parse the diagram.', line !== undefined && line > 0 ? { line } : {});
}

export const createMermaidEngine: EngineFactory = (ctx) => new MermaidEngine(ctx);
