import { describe, expect, it } from 'vitest';
import { findUrl } from '../../server/engines/vega/safety.js';
import { lineAt } from '../../server/engines/_support/json-source.js';

describe('findUrl (Vega secure-mode scan): path of the first `url` key, or null', () => {
  it('returns the path of a url key anywhere: data, nested marks, layers, image encodings', () => {
    expect(findUrl({ data: { url: 'x' } })).toBe('data.url');
    expect(findUrl({ data: [{ values: [] }, { url: 'x' }] })).toBe('data[1].url');
    expect(findUrl({ marks: [{ marks: [{ data: [{ url: 'x' }] }] }] })).toBe('marks[0].marks[0].data[0].url');
    expect(findUrl({ marks: [{ type: 'image', encode: { enter: { url: { signal: 'u' } } } }] })).toBe('marks[0].encode.enter.url');
    expect(findUrl({ layer: [{ encoding: { url: { field: 'img' } } }] })).toBe('layer[0].encoding.url');
  });

  it('flags a url key even inside inline values, and returns null for a URL-like string under another key', () => {
    expect(findUrl({ data: { values: [{ url: 1 }] } })).toBe('data.values[0].url');
    expect(findUrl({ data: { values: [{ a: 'http://example.com' }] }, mark: 'bar' })).toBeNull();
  });
});

describe('lineAt (JSON source positions)', () => {
  it('returns the 1-based line of a character offset', () => {
    expect(lineAt('a\nb\nc', 0)).toBe(1);
    expect(lineAt('a\nb\nc', 4)).toBe(3);
  });
});
