/**
 * The SvgConverter engines share: PNG/JPEG through resvg (fast, in a recycled worker)
 * unless the SVG has HTML labels (`<foreignObject>`), which resvg silently drops; those,
 * and every PDF, go through the shared headless browser.
 */
import type { Logger } from 'pino';
import type { BrowserPool } from '../runtimes/browser-pool.js';
import { svgToImage, svgToPdf } from './browser-convert.js';
import { Rasterizer, type RasterizerOptions } from './rasterizer.js';
import type { SvgConverter, SvgConvertOptions } from './svg-converter.js';

export function hasForeignObject(svg: string): boolean {
  return /<foreignObject[\s>/]/i.test(svg);
}

type BrowserTarget = 'png' | 'jpeg' | 'pdf';

/** The one place that reaches the browser-based conversion (browser-convert.ts). */
function viaBrowser(browser: BrowserPool, svg: string, target: BrowserTarget, opts: SvgConvertOptions & { quality?: number }): Promise<Buffer> {
  return target === 'pdf' ? svgToPdf(browser, svg, opts) : svgToImage(browser, svg, target, opts);
}

export function createSvgConverter(opts: {
  browser: BrowserPool;
  logger: Logger;
  rasterizer?: Omit<RasterizerOptions, 'logger'>;
}): SvgConverter & { readonly rasterizer: Rasterizer } {
  const { browser, logger } = opts;
  const rasterizer = new Rasterizer({ logger, ...opts.rasterizer });
  return {
    rasterizer,
    toPng(svg, o = {}) {
      return hasForeignObject(svg) ? viaBrowser(browser, svg, 'png', o) : rasterizer.toPng(svg, o);
    },
    toJpeg(svg, o = {}) {
      return hasForeignObject(svg) ? viaBrowser(browser, svg, 'jpeg', o) : rasterizer.toJpeg(svg, o);
    },
    toPdf(svg, o = {}) {
      return viaBrowser(browser, svg, 'pdf', o);
    },
    stop: () => rasterizer.stop(),
  };
}
