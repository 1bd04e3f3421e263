import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createSvgConverter, hasForeignObject } from '../../../server/convert/index.js';
import { Rasterizer } from '../../../server/convert/rasterizer.js';
import { BadRequestError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { jpegSize, pngSize } from '../../helpers/picture-checks.js';

const logger = pino({ level: 'silent' });
const rasterizer = new Rasterizer({ logger, recycleAfter: 25 });

/** 600×400 with text (DejaVu) and CJK text (Noto, loaded only when needed). */
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="400" viewBox="0 0 600 400">
  <rect x="20" y="20" width="200" height="100" fill="#3366cc"/>
  <text x="30" y="200" font-family="sans-serif" font-size="24">Hello raster</text>
  <text x="30" y="260" font-family="sans-serif" font-size="24">你好</text>
</svg>`;

afterAll(async () => {
  await rasterizer.stop();
});

describe('rasteriser (resvg in a recycled worker)', () => {
  it('renders PNG at the SVG size and at a scale', async () => {
    expect(pngSize(await rasterizer.toPng(svg))).toEqual({ width: 600, height: 400 });
    expect(pngSize(await rasterizer.toPng(svg, { scale: 1.5 }))).toEqual({ width: 900, height: 600 });
  });

  it('renders JPEG flattened onto white (or the given background)', async () => {
    const buf = await rasterizer.toJpeg(svg, { quality: 80 });
    expect(jpegSize(buf)).toEqual({ width: 600, height: 400 });
    const img = jpeg.decode(buf, { useTArray: true });
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
    // transparent corner -> white; the blue box stays blue
    for (const c of at(590, 390)) expect(c).toBeGreaterThan(245);
    const [r, g, b] = at(100, 60) as [number, number, number];
    expect(b).toBeGreaterThan(180);
    expect(r).toBeLessThan(80);
    expect(g).toBeLessThan(130);
    const black = jpeg.decode(await rasterizer.toJpeg(svg, { background: 'black' }), { useTArray: true });
    expect(Array.from(black.data.subarray((390 * 600 + 590) * 4, (390 * 600 + 590) * 4 + 3)).every((c) => c < 10)).toBe(true);
  });

  it('never reads a picture file from the disk (image or feImage, path or file: URL), but draws data: images', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-raster-'));
    try {
      const red = await rasterizer.toPng('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#e02020"/></svg>');
      const file = path.join(dir, 'red.png');
      writeFileSync(file, red);
      const picture = (ref: string, tag: 'image' | 'feImage' = 'image') =>
        tag === 'image'
          ? `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="40"><image width="40" height="40" href="${ref}" xlink:href="${ref}"/></svg>`
          : `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><filter id="f"><feImage href="${ref}" width="40" height="40"/></filter><rect width="40" height="40" filter="url(#f)"/></svg>`;
      const empty = await rasterizer.toPng(picture(path.join(dir, 'missing.png')));
      for (const ref of [file, `file://${file}`]) {
        expect(await rasterizer.toPng(picture(ref))).toEqual(empty);
        expect(await rasterizer.toPng(picture(ref, 'feImage'))).toEqual(await rasterizer.toPng(picture(path.join(dir, 'missing.png'), 'feImage')));
      }
      // The same picture inline is drawn: the checks above are not vacuous.
      expect(await rasterizer.toPng(picture(`data:image/png;base64,${red.toString('base64')}`))).not.toEqual(empty);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a picture past the pixel limit with a clear 400', async () => {
    const err = await rasterizer.toPng(svg, { scale: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/60000×40000 pixels, more than the limit/);
  });

  it('keeps memory bounded over 200 renders by recycling its worker', async () => {
    // No CJK text here: it keeps each render at ~20 ms instead of loading Noto CJK.
    const big = svg.replace('width="600" height="400"', 'width="1200" height="900"').replace(/<text[^>]*>你好<\/text>/, '');
    for (let i = 0; i < 10; i++) await rasterizer.toPng(big);
    const before = process.memoryUsage.rss();
    let peak = before;
    for (let i = 0; i < 200; i++) {
      pngSize(await rasterizer.toPng(big));
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const growthMb = (peak - before) / 1024 / 1024;
    console.log(`rasteriser: RSS before ${(before / 1048576).toFixed(0)} MB, peak growth over 200 renders ${growthMb.toFixed(0)} MB`);
    // Measured: ~90 MB with recycling every 25 renders, ~290 MB without (resvg keeps native memory).
    expect(growthMb).toBeLessThan(200);
    expect(rasterizer.host.workerCount()).toBeLessThanOrEqual(1);
  }, 180_000);
});

describe('SVG converter routing', () => {
  const ctx = testContext();
  const converter = createSvgConverter({ browser: ctx.browser, logger });

  afterAll(async () => {
    await converter.stop();
    await ctx.close();
  });

  it('detects HTML labels', () => {
    expect(hasForeignObject('<svg><foreignObject width="1"><div/></foreignObject></svg>')).toBe(true);
    expect(hasForeignObject(svg)).toBe(false);
  });

  it('rasterises plain SVG with resvg', async () => {
    expect(pngSize(await converter.toPng(svg))).toEqual({ width: 600, height: 400 });
    expect(jpegSize(await converter.toJpeg(svg))).toEqual({ width: 600, height: 400 });
  });

  it('sends foreignObject SVGs and PDF through the browser', async () => {
    expect(ctx.browser.state()).not.toBe('ready');
    const html = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="120"><foreignObject x="0" y="0" width="300" height="120"><div xmlns="http://www.w3.org/1999/xhtml" style="font-size:20px">HTML label</div></foreignObject></svg>`;
    expect(pngSize(await converter.toPng(html))).toEqual({ width: 300, height: 120 });
    expect(ctx.browser.state()).toBe('ready');
    expect(jpegSize(await converter.toJpeg(html))).toEqual({ width: 300, height: 120 });
    const pdf = await converter.toPdf(svg);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
