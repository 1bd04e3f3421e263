/**
 * Worker thread: resvg. Lives in a worker because resvg-js's native memory grows with
 * every render; the host recycles this thread after a number of renders or when memory
 * grew too much, which gives the memory back.
 */
import { existsSync } from 'node:fs';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';
import jpeg from 'jpeg-js';
import { BadRequestError, DiagramSyntaxError } from '../errors.js';
import { serveWorker } from '../runtimes/worker-protocol.js';
import { withoutDiskImages } from './disk-images.js';

export interface RasterizeRequest {
  svg: string;
  format: 'png' | 'jpeg';
  scale: number;
  /** CSS colour; none = transparent PNG, white JPEG. */
  background?: string;
  /** JPEG quality 1-100. */
  quality: number;
  maxPixels: number;
}

const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const CJK = ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc'];

/**
 * resvg builds its font database on every render. Scanning all system fonts costs
 * 60-100 ms here (mostly the 90 MB of Noto CJK collections); a handful of DejaVu files
 * costs ~5 ms. So load the CJK collections only when the text needs them, and fall back
 * to all system fonts where DejaVu is not installed (e.g. macOS, Windows).
 */
const dejavuFiles = [
  'DejaVuSans.ttf',
  'DejaVuSans-Bold.ttf',
  'DejaVuSans-Oblique.ttf',
  'DejaVuSans-BoldOblique.ttf',
  'DejaVuSerif.ttf',
  'DejaVuSerif-Bold.ttf',
  'DejaVuSerif-Italic.ttf',
  'DejaVuSansMono.ttf',
  'DejaVuSansMono-Bold.ttf',
]
  .map((f) => `${DEJAVU}/${f}`)
  .filter((f) => existsSync(f));
const cjkFiles = CJK.filter((f) => existsSync(f));
const CJK_TEXT = /[\u2E80-\u9FFF\uA960-\uA97F\uAC00-\uD7FF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]/;

function fontOptions(svg: string): NonNullable<ResvgRenderOptions['font']> {
  if (dejavuFiles.length === 0) return { loadSystemFonts: true };
  return {
    loadSystemFonts: false,
    fontFiles: CJK_TEXT.test(svg) ? [...dejavuFiles, ...cjkFiles] : dejavuFiles,
    defaultFontFamily: 'DejaVu Sans',
    sansSerifFamily: 'DejaVu Sans',
    serifFamily: 'DejaVu Serif',
    monospaceFamily: 'DejaVu Sans Mono',
  };
}

function rasterize(req: RasterizeRequest): Uint8Array {
  const background = req.background ?? (req.format === 'jpeg' ? 'white' : undefined);
  let resvg: Resvg;
  try {
    resvg = new Resvg(withoutDiskImages(req.svg), {
      font: fontOptions(req.svg),
      fitTo: { mode: 'zoom', value: req.scale },
      logLevel: 'off',
      ...(background ? { background } : {}),
    });
  } catch (err) {
    throw new DiagramSyntaxError(`The SVG could not be rasterised: ${err instanceof Error ? err.message : String(err)}`);
  }
  const width = Math.ceil(resvg.width * req.scale);
  const height = Math.ceil(resvg.height * req.scale);
  if (width * height > req.maxPixels)
    throw new BadRequestError(`The image would be ${width}×${height} pixels, more than the limit of ${req.maxPixels} pixels. Use a smaller scale.`);
  const image = resvg.render();
  if (req.format === 'png') return image.asPng();
  return encodeJpeg(image.pixels, image.width, image.height, req.quality);
}

/** JPEG has no alpha: flatten resvg's premultiplied RGBA onto white, then encode. */
function encodeJpeg(pixels: Buffer, width: number, height: number, quality: number): Uint8Array {
  const data = Buffer.from(pixels);
  for (let i = 0; i < data.length; i += 4) {
    const transparency = 255 - data[i + 3]!;
    if (transparency === 0) continue;
    data[i] = data[i]! + transparency;
    data[i + 1] = data[i + 1]! + transparency;
    data[i + 2] = data[i + 2]! + transparency;
    data[i + 3] = 255;
  }
  return jpeg.encode({ data, width, height }, quality).data;
}

serveWorker(() => ({
  info: { version: 'resvg-js' },
  handlers: { rasterize },
}));
