/**
 * SVG -> PNG/JPEG with resvg, in a worker thread that is recycled after a number of
 * renders or when process memory grew too much since it started (resvg-js keeps about one
 * RGBA pixmap per render otherwise). Output size is bounded by a pixel limit.
 */
import type { Logger } from 'pino';
import { BadRequestError } from '../errors.js';
import { WorkerHost } from '../runtimes/worker-host.js';
import type { RasterizeRequest } from './rasterizer.worker.js';

export interface RasterizerOptions {
  logger: Logger;
  onRestart?(id: string): void;
  /** Renders before the worker is replaced. Default 50. */
  recycleAfter?: number;
  /** Process RSS growth (bytes) since the worker started that triggers a replacement. Default 128 MiB. */
  recycleAboveRssGrowth?: number;
  /** Largest picture, in pixels (width × height). Default 40 million (160 MB of RGBA). */
  maxPixels?: number;
}

export interface RasterizeOptions {
  scale?: number;
  background?: string;
  /** JPEG quality 1-100 (default 90). */
  quality?: number;
  signal?: AbortSignal;
}

export class Rasterizer {
  readonly host: WorkerHost;
  private readonly maxPixels: number;

  constructor(opts: RasterizerOptions) {
    this.maxPixels = opts.maxPixels ?? 40_000_000;
    this.host = new WorkerHost({
      id: 'rasterizer',
      entry: new URL('./rasterizer.worker.js', import.meta.url),
      logger: opts.logger,
      onRestart: opts.onRestart ?? (() => {}),
      recycleAfter: opts.recycleAfter ?? 50,
      recycleAboveRssGrowth: opts.recycleAboveRssGrowth ?? 128 * 1024 * 1024,
    });
  }

  async toPng(svg: string, opts: RasterizeOptions = {}): Promise<Buffer> {
    return this.run(svg, 'png', opts);
  }

  async toJpeg(svg: string, opts: RasterizeOptions = {}): Promise<Buffer> {
    return this.run(svg, 'jpeg', opts);
  }

  stop(): Promise<void> {
    return this.host.stop();
  }

  private async run(svg: string, format: 'png' | 'jpeg', opts: RasterizeOptions): Promise<Buffer> {
    const scale = opts.scale ?? 1;
    if (!Number.isFinite(scale) || scale <= 0) throw new BadRequestError(`Invalid scale: ${scale}. Must be a number greater than 0.`);
    const quality = Math.round(opts.quality ?? 90);
    if (!(quality >= 1 && quality <= 100)) throw new BadRequestError(`Invalid JPEG quality: ${opts.quality}. Must be from 1 to 100.`);
    const req: RasterizeRequest = { svg, format, scale, quality, maxPixels: this.maxPixels };
    if (opts.background) req.background = opts.background;
    const bytes = await this.host.call<Uint8Array>('rasterize', req, opts.signal ? { signal: opts.signal } : {});
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
