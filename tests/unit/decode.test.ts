import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeKrokiSource, encodeKrokiSource } from '../../server/api/decode.js';
import { StudioError } from '../../server/errors.js';

const LIMIT = 1024 * 1024;
const docsExample = 'eNpLyUwvSizIUHBXqPZIzcnJ17ULzy_KSanlAgB1EAjQ';

function errorOf(fn: () => unknown): StudioError {
  try {
    fn();
  } catch (err) {
    return err as StudioError;
  }
  throw new Error('expected an error');
}

describe('Kroki GET decoding', () => {
  it('decodes the example from the Kroki docs', () => {
    expect(decodeKrokiSource(docsExample, LIMIT)).toBe('digraph G {Hello->World}');
  });

  it('accepts padded and unpadded base64url, and round-trips CJK text', () => {
    const src = 'graph { 東京 -- 大阪 }';
    const unpadded = encodeKrokiSource(src);
    const padded = deflateSync(src).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    expect(padded.endsWith('=') || padded.length % 4 === 0).toBe(true);
    expect(decodeKrokiSource(unpadded, LIMIT)).toBe(src);
    expect(decodeKrokiSource(padded, LIMIT)).toBe(src);
  });

  it('trims unless told not to (ditaa keeps leading whitespace)', () => {
    const enc = encodeKrokiSource('   +--+\n   |  |\n');
    expect(decodeKrokiSource(enc, LIMIT)).toBe('+--+\n   |  |');
    expect(decodeKrokiSource(enc, LIMIT, false)).toBe('   +--+\n   |  |\n');
  });

  it.each([
    ['', 'Unable to decode the source. Source must not be null or empty.'],
    ['abc+def/', 'Unable to decode the source. The source is not in valid Base64 scheme.'],
    ['a', 'Unable to decode the source. The source is not in valid Base64 scheme.'],
    ['eNpLyU=x', 'Unable to decode the source. The source is not in valid Base64 scheme.'],
  ])('rejects %j with 400', (input, message) => {
    const err = errorOf(() => decodeKrokiSource(input, LIMIT));
    expect(err.status).toBe(400);
    expect(err.message).toBe(message);
  });

  it('rejects raw deflate, gzip and truncated streams as undecodable', () => {
    for (const bytes of [deflateRawSync('a->b'), gzipSync('a->b'), deflateSync('digraph { a -> b }').subarray(0, 10)]) {
      const err = errorOf(() => decodeKrokiSource(bytes.toString('base64url'), LIMIT));
      expect(err.status).toBe(400);
      expect(err.message).toBe('Unable to decode the source.');
    }
  });

  it('refuses a zlib bomb with 413 instead of inflating it', () => {
    const bomb = deflateSync(Buffer.alloc(50 * 1024 * 1024, 0x41)).toString('base64url');
    expect(bomb.length).toBeLessThan(100_000);
    const err = errorOf(() => decodeKrokiSource(bomb, LIMIT));
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/larger than the limit of 1048576 bytes/);
  });
});
