import { describe, expect, it } from 'vitest';
import { errorMediaFor, formatFromAccept, normaliseFormat, parseAccept } from '../../server/api/negotiate.js';
import { mergeOptions } from '../../server/api/options.js';
import { errorSvg } from '../../server/api/error-body.js';

describe('Accept negotiation', () => {
  it('orders by q then position', () => {
    expect(parseAccept('image/png;q=0.5, image/svg+xml, text/plain;q=0').map((r) => r.type)).toEqual(['image/svg+xml', 'image/png']);
  });

  it('picks the best supported image format', () => {
    expect(formatFromAccept('image/png;q=0.5, image/svg+xml', ['png', 'svg'])).toEqual({ format: 'svg' });
    expect(formatFromAccept('image/png', ['svg'])).toEqual({ error: 'no-match', types: ['image/png'] });
    expect(formatFromAccept(undefined, ['svg'])).toEqual({ error: 'undefined' });
    expect(formatFromAccept('*/*', ['png', 'svg'])).toEqual({ format: 'svg' });
    expect(formatFromAccept('text/html', ['svg'])).toEqual({ error: 'no-match', types: ['text/html'] });
  });

  it('accepts jpg for jpeg and any case', () => {
    expect(normaliseFormat('JPG')).toBe('jpeg');
    expect(normaliseFormat('SVG')).toBe('svg');
    expect(normaliseFormat('gif')).toBeNull();
  });

  it('negotiates error bodies like Kroki (prefix match, text by default)', () => {
    expect(errorMediaFor('image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8')).toBe('svg');
    expect(errorMediaFor('application/json')).toBe('json');
    expect(errorMediaFor('text/html,application/xhtml+xml')).toBe('html');
    expect(errorMediaFor('*/*')).toBe('text');
    expect(errorMediaFor(undefined)).toBe('text');
    expect(errorMediaFor('image/png')).toBe('png');
  });
});

describe('option merging', () => {
  it('uses Kroki precedence: JSON > header > query, keys lower-cased', () => {
    const merged = mergeOptions(
      { Theme: 'q', scale: '2', output_format: 'png' },
      { 'kroki-diagram-options-theme': 'h', 'kroki-diagram-options-layout': 'neato', accept: 'x' },
      { theme: 'j', 'no-metadata': true },
    );
    expect(merged).toEqual({ theme: 'j', scale: '2', layout: 'neato', 'no-metadata': 'true' });
  });

  it('rejects non-object diagram_options and oversized values', () => {
    expect(() => mergeOptions({}, {}, [1, 2])).toThrow(/must be a JSON object/);
    expect(() => mergeOptions({ a: 'x'.repeat(2000) }, {})).toThrow(/longer than/);
  });
});

describe('error image', () => {
  it('escapes markup and truncates long lines', () => {
    const svg = errorSvg(400, `</tspan> & " ' <!-- ${'x'.repeat(300)}`);
    expect(svg).toContain('&lt;/tspan&gt; &amp; &quot; &apos; &lt;!--');
    expect(svg).toContain('…');
    expect(svg).not.toContain('<!--');
  });
});
