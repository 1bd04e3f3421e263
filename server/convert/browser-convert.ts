/**
 * SVG → PDF / PNG / JPEG in the shared Chromium, for pictures native rasterisers get
 * wrong (HTML labels in `foreignObject`) and for PDF, which only the browser prints.
 *
 * Safety: the SVG is untrusted. It is drawn as an `<img>` from a `data:` URL in a page
 * whose context has JavaScript disabled. An SVG used as an image never runs scripts and
 * never loads external resources (browsers' image-document rules), and the disabled
 * JavaScript plus the pool's network block are two more walls behind that one. A
 * `<img>` keeps `foreignObject` HTML and real text (the PDF keeps selectable text).
 */
import type { Page } from 'playwright-core';
import { BadRequestError } from '../errors.js';
import type { BrowserPool, PageKind } from '../runtimes/browser-pool.js';

export interface BrowserConvertOptions {
  /** Scale factor (1 = the SVG's own CSS pixel size). Default 1, at most 10. */
  scale?: number;
  /** CSS colour behind the picture. Default: transparent PNG, white JPEG, none for PDF. */
  background?: string;
  /** JPEG quality 0–100 (default 90). */
  quality?: number;
  /** Aborts the conversion; defaults to the configured render time limit. */
  signal?: AbortSignal;
}

export interface SvgSize {
  width: number;
  height: number;
}

/** Largest side Chromium reliably captures in one screenshot. */
export const MAX_SIDE_PX = 16_384;
export const MAX_AREA_PX = 100_000_000;
const SAFE_COLOUR = /^[#a-z0-9(),.%\s-]{1,64}$/i;

/** The page kind used for conversions: blank page, JavaScript off, no assets. */
export function convertPageKind(pool: BrowserPool): PageKind {
  return {
    id: 'convert',
    maxPages: pool.opts.config.convertPages,
    javaScript: false,
    maxUses: 1000,
  };
}

/** SVG → one-page PDF sized to the picture, text kept as text. */
export async function svgToPdf(pool: BrowserPool, svg: string, opts: BrowserConvertOptions = {}): Promise<Buffer> {
  return withConvertPage(pool, opts.signal, async (page) => {
    const { width, height } = await loadPicture(page, svg, opts.scale ?? 1, opts.background);
    return page.pdf({
      width: `${width}px`,
      height: `${height}px`,
      printBackground: true,
      margin: { top: '0', right: '0', bottom: '0', left: '0' },
      pageRanges: '1',
    });
  });
}

/** SVG → PNG (transparent unless `background`) or JPEG (white unless `background`). */
export async function svgToImage(pool: BrowserPool, svg: string, format: 'png' | 'jpeg', opts: BrowserConvertOptions = {}): Promise<Buffer> {
  const background = opts.background ?? (format === 'jpeg' ? 'white' : undefined);
  return withConvertPage(pool, opts.signal, async (page) => {
    const { width, height } = await loadPicture(page, svg, opts.scale ?? 1, background);
    return page.screenshot({
      type: format,
      quality: format === 'jpeg' ? clampQuality(opts.quality) : undefined,
      omitBackground: format === 'png' && background === undefined,
      clip: { x: 0, y: 0, width, height },
      animations: 'disabled',
    });
  });
}

/**
 * The SVG's own size in CSS pixels from its root `width`/`height`/`viewBox`, or null
 * when it declares none that are absolute (then the browser measures it).
 */
export function svgIntrinsicSize(svg: string): SvgSize | null {
  const root = /<svg\b[^>]*>/i.exec(svg)?.[0];
  if (!root) return null;
  const attr = (name: string) => new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(root);
  const value = (name: string) => {
    const m = attr(name);
    return m ? (m[1] ?? m[2] ?? '') : null;
  };
  const width = toPx(value('width'));
  const height = toPx(value('height'));
  const box = value('viewBox')
    ?.trim()
    .split(/[\s,]+/)
    .map(Number);
  const vb = box && box.length === 4 && box.every(Number.isFinite) && box[2]! > 0 && box[3]! > 0 ? { width: box[2]!, height: box[3]! } : null;
  if (width && height) return { width, height };
  if (vb && width) return { width, height: (width * vb.height) / vb.width };
  if (vb && height) return { width: (height * vb.width) / vb.height, height };
  return vb;
}

// ---- internals ----

async function withConvertPage<T>(pool: BrowserPool, signal: AbortSignal | undefined, work: (page: Page) => Promise<T>): Promise<T> {
  if (signal) return pool.withPage(convertPageKind(pool), { signal }, work);
  const ms = pool.opts.config.renderTimeoutMs;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`The browser conversion did not finish within ${ms} ms.`)), ms);
  try {
    return await pool.withPage(convertPageKind(pool), { signal: deadline.signal }, work);
  } finally {
    clearTimeout(timer);
  }
}

/** Shows the SVG as an image filling a page of exactly its (scaled) size. */
async function loadPicture(page: Page, svg: string, scale: number, background: string | undefined): Promise<SvgSize> {
  if (!Number.isFinite(scale) || scale <= 0 || scale > 10) throw new BadRequestError(`Invalid scale ${scale}: expected a number above 0 and at most 10.`);
  if (background !== undefined && !SAFE_COLOUR.test(background)) throw new BadRequestError(`Invalid background colour "${background}".`);
  const src = `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
  const natural = svgIntrinsicSize(svg) ?? (await measureInBrowser(page, src));
  const width = Math.max(1, Math.ceil(natural.width * scale));
  const height = Math.max(1, Math.ceil(natural.height * scale));
  if (width > MAX_SIDE_PX || height > MAX_SIDE_PX || width * height > MAX_AREA_PX)
    throw new BadRequestError(`The picture is too large to convert (${width}×${height} px; at most ${MAX_SIDE_PX} px a side).`);
  await page.setViewportSize({ width, height });
  const bg = background ?? 'transparent';
  await page.setContent(
    `<!doctype html><html><head><style>@page{size:${width}px ${height}px;margin:0}` +
      `html,body{margin:0;padding:0;background:${bg}}img{display:block;width:${width}px;height:${height}px}</style></head>` +
      `<body><img alt="" src="${src}"></body></html>`,
    { waitUntil: 'load' },
  );
  const drawn = await page.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
  if (!drawn) throw new BadRequestError('The SVG could not be drawn: it is not a well-formed SVG image.');
  return { width, height };
}

async function measureInBrowser(page: Page, src: string): Promise<SvgSize> {
  await page.setContent(`<!doctype html><html><body style="margin:0"><img alt="" src="${src}"></body></html>`, { waitUntil: 'load' });
  const size = await page.locator('img').evaluate((img: HTMLImageElement) => ({
    width: img.naturalWidth,
    height: img.naturalHeight,
  }));
  if (!size.width || !size.height) throw new BadRequestError('The SVG could not be drawn: it is not a well-formed SVG image.');
  return size;
}

function toPx(raw: string | null): number | null {
  if (raw === null) return null;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[-+]?\d+)?)\s*(px|pt|pc|mm|cm|in)?\s*$/i.exec(raw);
  if (!m) return null; // %, em, auto: not an absolute size
  const n = Number(m[1]);
  const perUnit: Record<string, number> = {
    px: 1,
    pt: 4 / 3,
    pc: 16,
    mm: 96 / 25.4,
    cm: 96 / 2.54,
    in: 96,
  };
  const px = n * (perUnit[(m[2] ?? 'px').toLowerCase()] ?? 1);
  return px > 0 ? px : null;
}

function clampQuality(q: number | undefined): number {
  if (q === undefined || !Number.isFinite(q)) return 90;
  return Math.min(100, Math.max(0, Math.round(q)));
}
