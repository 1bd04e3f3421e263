/**
 * ditaa through PlantUML's built-in ditaa (`@startditaa … @endditaa`) on the shared JVM,
 * so no separate ditaa binary is needed. Leading whitespace is part of the drawing, so the
 * decoder must not trim (keepWhitespace).
 *
 * Deviations from Kroki's ditaa binary: PlantUML's ditaa draws PNG only, so `svg` is an SVG
 * wrapping that PNG (same pixels, not vector shapes); `no-antialias`, `tabs` and
 * `background` have no PlantUML equivalent and are ignored.
 */
import type { OutputFormat } from '../api/types.js';
import { BadRequestError, StudioError } from '../errors.js';
import { sharedJvmWorker } from '../runtimes/jvm-worker.js';
import type { DiagramEngine, EngineContext, EngineFactory, RenderInput } from './engine.js';
import { jvmEngineLifecycle, unwrapJvmResult, type JvmEngineOptions } from './plantuml.js';
import { sanitizeIncludes, withDelimiters } from './plantuml-source.js';

export const DITAA_FORMATS = ['svg', 'png'] as const satisfies readonly OutputFormat[];

/** Kroki's ditaa flags → PlantUML's `@startditaa` arguments. */
const FLAG_ARGS: Readonly<Record<string, string>> = {
  'no-separation': '-E',
  'no-shadows': '-S',
  'round-corners': '-r',
  transparent: '-T',
};

export function ditaaStartArgs(options: Readonly<Record<string, string>>): string {
  const args = Object.entries(FLAG_ARGS)
    .filter(([name]) => name in options)
    .map(([, arg]) => arg);
  const scale = options.scale;
  if (scale !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(scale) || Number(scale) <= 0 || Number(scale) > 10) {
      throw new BadRequestError(`Invalid scale: ${JSON.stringify(scale.slice(0, 32))}. Expected a number greater than 0 and at most 10.`);
    }
    args.push(`scale=${scale}`);
  }
  return args.join(' ');
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.length < 24 || png.readUInt32BE(12) !== 0x49484452) throw new StudioError(500, 'ditaa did not produce a PNG image');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** An SVG document showing the PNG at its own size. */
export function pngAsSvg(png: Buffer): string {
  const { width, height } = pngSize(png);
  const href = `data:image/png;base64,${png.toString('base64')}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" ` +
    `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<image width="${width}" height="${height}" href="${href}" xlink:href="${href}"/></svg>`
  );
}

export function createDitaaEngine(ctx: EngineContext, jvmOptions: JvmEngineOptions = {}): DiagramEngine {
  const worker = sharedJvmWorker(ctx, jvmOptions);
  const id = 'ditaa';
  return {
    id,
    types: ['ditaa'],
    formats: DITAA_FORMATS,
    runtime: 'jvm',
    keepWhitespace: true,
    options: [
      { name: 'no-separation', description: 'Do not separate common edges of shapes.', kind: 'flag' },
      { name: 'no-shadows', description: 'Draw shapes without drop shadows.', kind: 'flag' },
      { name: 'round-corners', description: 'Round all corners.', kind: 'flag' },
      { name: 'transparent', description: 'Transparent background.', kind: 'flag' },
      { name: 'scale', description: 'Scale factor (e.g. 0.7 or 2).', kind: 'number' },
    ],
    ...jvmEngineLifecycle(ctx, worker, id, jvmOptions),
    async render(input: RenderInput): Promise<Buffer> {
      worker.acquire(id);
      const prepared = withDelimiters(sanitizeIncludes(input.source, input.safeMode), 'ditaa', ditaaStartArgs(input.options));
      const result = await worker.render({ format: 'png', source: prepared.text, signal: input.signal, engineId: id });
      const png = unwrapJvmResult(result, prepared);
      if (input.format === 'png') return png;
      if (input.format === 'svg') return Buffer.from(pngAsSvg(png), 'utf8');
      throw new StudioError(500, `ditaa cannot render ${input.format}`);
    },
  };
}

export const ditaaEngine: EngineFactory = (ctx) => createDitaaEngine(ctx);
