/**
 * Excalidraw scenes drawn by `exportToSvg` of `@excalidraw/utils` in warm pages of the
 * shared Chromium. The scene is parsed as JSON here and handed to the page as data
 * (`page.evaluate` arguments), never as code: Kroki's companion pastes it into a script.
 * The library inlines the fonts the text uses (subsets of the fonts bundled with it, as
 * data: URLs), so the SVG shows its hand-drawn text anywhere; PNG is a screenshot of that
 * SVG in the page once those fonts are loaded (the shared rasteriser ignores @font-face).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DiagramSyntaxError } from '../../errors.js';
import { assetPath } from '../../paths.js';
import type { PageKind } from '../../runtimes/browser-pool.js';
import { parseJsonSource } from '../_support/json-source.js';
import { packageVersion } from '../_support/package-version.js';
import { pageReady, pagesRuntime } from '../_support/page-kind.js';
import { screenshotSvg } from '../_support/page-screenshot.js';
import { defineEngine } from '../spec.js';

const require = createRequire(import.meta.url);
/** The package exports no package.json; its entry is the production bundle (dist/prod/index.js). */
const UTILS_BUNDLE = require.resolve('@excalidraw/utils');
const PAGE_DIR = assetPath(import.meta.url, 'page');

/** The parts of a scene `exportToSvg` reads. */
export interface ExcalidrawScene {
  elements: unknown[];
  appState: Record<string, unknown>;
  files: Record<string, unknown>;
}

type PageRenderResult = { ok: true; svg: string } | { ok: false; message: string };

interface ExcalidrawWindow {
  studioExcalidraw: { ready: boolean; render(scene: ExcalidrawScene, keepOnStage: boolean): Promise<PageRenderResult> };
}

/** The pooled Excalidraw page: our HTML and module plus the utils bundle (fonts inlined in it). */
export function excalidrawPageKind(maxPages: number): PageKind {
  return {
    id: 'excalidraw',
    maxPages,
    javaScript: true,
    entry: '/excalidraw/index.html',
    assets: {
      '/excalidraw/index.html': path.join(PAGE_DIR, 'excalidraw.html'),
      '/excalidraw/excalidraw-page.js': path.join(PAGE_DIR, 'excalidraw-page.js'),
      '/vendor/excalidraw-utils.js': UTILS_BUNDLE,
    },
    // A fresh page now and then bounds what the library caches between exports (fonts, images).
    maxUses: 1000,
    prepare: pageReady('studioExcalidraw', 'the Excalidraw page loaded but @excalidraw/utils did not initialise'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The scene from the source: JSON with an `elements` array (an `.excalidraw` file). */
export function parseScene(source: string): ExcalidrawScene {
  const data = parseJsonSource(source, 'Excalidraw');
  if (!isRecord(data)) throw new DiagramSyntaxError('An Excalidraw scene is a JSON object with an "elements" array.');
  if (!Array.isArray(data.elements)) throw new DiagramSyntaxError('The Excalidraw scene has no "elements" array.');
  const appState = data.appState ?? {};
  const files = data.files ?? {};
  if (!isRecord(appState)) throw new DiagramSyntaxError('The Excalidraw scene\'s "appState" must be an object.');
  if (!isRecord(files)) throw new DiagramSyntaxError('The Excalidraw scene\'s "files" must be an object.');
  return { elements: data.elements, appState, files };
}

/**
 * The first render in a page opens it (a 20 MB bundle to parse) and loads the font
 * subsetter's WebAssembly, many times slower than a warm one; each font family is
 * decoded on first use, so the sample writes in each family Excalidraw offers.
 */
const WARMUP_SCENE = JSON.stringify({
  type: 'excalidraw',
  version: 2,
  elements: [1, 2, 3, 5, 6, 7, 8].map((fontFamily, i) => ({
    id: `t${fontFamily}`,
    type: 'text',
    x: 0,
    y: i * 30,
    width: 200,
    height: 25,
    fontSize: 20,
    fontFamily,
    text: 'Warm up 123',
    originalText: 'Warm up 123',
    textAlign: 'left',
    verticalAlign: 'top',
  })),
  appState: { viewBackgroundColor: '#ffffff' },
  files: {},
});

export const excalidraw = defineEngine({
  id: 'excalidraw',
  types: ['excalidraw'],
  formats: ['svg', 'png'],
  runtime: pagesRuntime('STUDIO_EXCALIDRAW_PAGES', 'Excalidraw', excalidrawPageKind),
  errorSample: { source: '{\n  "type": "excalidraw",\n  "elements": [\n    { "type": "rectangle", }\n  ]\n}\n', line: 4 },
  version: () => packageVersion('@excalidraw/utils'),
  warmUp: { sample: (i) => ({ source: WARMUP_SCENE, format: i % 2 ? 'png' : 'svg' }), renders: () => 4, beforeReady: 1 },
  unavailable() {
    if (!existsSync(UTILS_BUNDLE)) return `The @excalidraw/utils bundle is missing (${UTILS_BUNDLE}).`;
    if (!existsSync(path.join(PAGE_DIR, 'excalidraw.html')))
      return `The Excalidraw page is missing (${PAGE_DIR}); the build must copy the engines' page folders.`;
    return null;
  },
  async render(input, { pool, kind }) {
    const scene = parseScene(input.source);
    const picture = input.format === 'png';
    return pool.withPage(kind, { signal: input.signal, allowNetwork: input.safeMode === 'unsafe' }, async (page) => {
      const result = await page.evaluate(([data, keep]) => (window as unknown as ExcalidrawWindow).studioExcalidraw.render(data, keep), [
        scene,
        picture,
      ] as const);
      if (!result.ok) throw new DiagramSyntaxError(`Excalidraw could not draw the scene: ${result.message.trim().slice(0, 2000)}`);
      if (!picture) return Buffer.from(result.svg, 'utf8');
      return screenshotSvg(page, '#stage > svg');
    });
  },
});
