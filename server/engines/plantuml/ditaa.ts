/**
 * ditaa through PlantUML's built-in ditaa (`@startditaa … @endditaa`) on the shared
 * PlantUML JVM, so no separate ditaa binary is needed. Leading whitespace is part of the
 * drawing (the catalogue's keepWhitespace).
 *
 * Deviations from Kroki's ditaa binary: PlantUML's ditaa draws PNG only, so `svg` is an SVG
 * wrapping that PNG (same pixels, not vector shapes); `no-antialias`, `tabs` and
 * `background` have no PlantUML equivalent and are ignored.
 */
import { StudioError } from '../../errors.js';
import { defineEngine, type OptionValue } from '../spec.js';
import { PLANTUML_JVM, plantumlVersion, renderPayload, unwrapReply } from './jvm.js';
import { sanitizeIncludes, withDelimiters } from './source.js';

/** Kroki's ditaa flags → PlantUML's `@startditaa` arguments. */
const FLAG_ARGS: Readonly<Record<string, string>> = {
  'no-separation': '-E',
  'no-shadows': '-S',
  'round-corners': '-r',
  transparent: '-T',
};

export function ditaaStartArgs(values: Readonly<Record<string, OptionValue>>): string {
  const args = Object.entries(FLAG_ARGS)
    .filter(([name]) => values[name] === true)
    .map(([, arg]) => arg);
  if (typeof values.scale === 'number') args.push(`scale=${values.scale}`);
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

export const ditaa = defineEngine({
  id: 'ditaa',
  types: ['ditaa'],
  formats: ['svg', 'png'],
  options: {
    named: {
      'no-separation': { kind: 'flag', description: 'Do not separate common edges of shapes.' },
      'no-shadows': { kind: 'flag', description: 'Draw shapes without drop shadows.' },
      'round-corners': { kind: 'flag', description: 'Round all corners.' },
      transparent: { kind: 'flag', description: 'Transparent background.' },
      scale: { kind: 'number', above: 0, max: 10, description: 'Scale factor (e.g. 0.7 or 2).' },
    },
  },
  runtime: PLANTUML_JVM,
  version: plantumlVersion,
  async render(input, host) {
    const prepared = withDelimiters(sanitizeIncludes(input.source, input.safeMode), 'ditaa', ditaaStartArgs(input.values));
    const reply = await host.call(renderPayload({ format: 'png', source: prepared.text }), { signal: input.signal, caller: 'ditaa' });
    const png = unwrapReply(reply, prepared);
    if (input.format === 'png') return png;
    return Buffer.from(pngAsSvg(png), 'utf8');
  },
});
