/** Checks on rendered pictures: well-formed SVG with its text, PNG/JPEG magic and size. */
import { XMLValidator } from 'fast-xml-parser';
import { expect } from 'vitest';
import type { OutputFormat, SafeMode } from '../../shared/api.js';
import type { EngineRequest } from '../../server/render/engines.js';

/** Parses as XML, has an <svg> root, and returns the text content of every element. */
export function expectSvg(buf: Buffer | string): string {
  const svg = typeof buf === 'string' ? buf : buf.toString('utf8');
  const valid = XMLValidator.validate(svg);
  expect(valid, typeof valid === 'object' ? JSON.stringify(valid.err) : '').toBe(true);
  expect(svg).toMatch(/<svg[\s>]/);
  return svg
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&amp;/g, '&');
}

export function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(buf.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** Width and height from the first SOFn marker of a JPEG. */
export function jpegSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 3).toString('hex')).toBe('ffd8ff');
  let i = 2;
  while (i < buf.length) {
    if (buf[i] !== 0xff) throw new Error(`bad JPEG marker at ${i}`);
    const marker = buf[i + 1]!;
    const len = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    i += 2 + len;
  }
  throw new Error('no SOF marker in JPEG');
}

export function renderInput(
  type: string,
  source: string,
  format: OutputFormat = 'svg',
  more: { options?: Record<string, string>; safeMode?: SafeMode; signal?: AbortSignal } = {},
): EngineRequest {
  return {
    type,
    source,
    format,
    options: more.options ?? {},
    safeMode: more.safeMode ?? 'secure',
    signal: more.signal ?? new AbortController().signal,
  };
}
