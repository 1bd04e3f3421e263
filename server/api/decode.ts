/**
 * Kroki's GET encoding: zlib (RFC 1950) deflate, then base64url, padding optional.
 * Decompression is capped at the body limit so a tiny URL cannot expand into gigabytes.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { BadRequestError, StudioError } from '../errors.js';

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

export function decodeKrokiSource(encoded: string, maxBytes: number, trim = true): string {
  if (!encoded || encoded.trim() === '') throw new BadRequestError('Unable to decode the source. Source must not be null or empty.');
  // Padding, if present, must be correct and final (like java.util.Base64's URL decoder).
  const unpadded = encoded.replace(/=+$/, '');
  if (!BASE64URL.test(encoded) || unpadded.length % 4 === 1 || (encoded.length !== unpadded.length && encoded.length % 4 !== 0))
    throw new BadRequestError('Unable to decode the source. The source is not in valid Base64 scheme.');
  const compressed = Buffer.from(unpadded, 'base64url');
  return inflateCapped(compressed, maxBytes, trim);
}

export function inflateCapped(compressed: Buffer, maxBytes: number, trim = true): string {
  let bytes: Buffer;
  try {
    // A truncated stream (missing Adler-32 trailer) is rejected, as Kroki does.
    bytes = inflateSync(compressed, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw new StudioError(413, `The decoded diagram source is larger than the limit of ${maxBytes} bytes (KROKI_BODY_LIMIT).`);
    throw new BadRequestError('Unable to decode the source.', { cause: err });
  }
  const text = bytes.toString('utf8');
  return trim ? text.trim() : text;
}

/** Encode like Kroki's clients do: zlib deflate + base64url, unpadded. */
export function encodeKrokiSource(source: string): string {
  return deflateSync(Buffer.from(source, 'utf8'), { level: 9 }).toString('base64url');
}
