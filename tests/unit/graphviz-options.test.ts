import { describe, expect, it } from 'vitest';
import { applyDefaultAttributes, parseGraphvizOptions, rootBraceIndex } from '../../server/engines/graphviz.js';
import { BadRequestError } from '../../server/errors.js';

describe('Graphviz options', () => {
  it('reads layout, scale and default attributes like Kroki', () => {
    const o = parseGraphvizOptions({
      layout: 'NEATO',
      scale: '1.5',
      'node-attribute-shape': 'box',
      'edge-attribute-color': 'red',
      'graph-attribute-rankdir': 'LR',
      other: 'x',
    });
    expect(o.layout).toBe('neato');
    expect(o.scale).toBe(1.5);
    expect(o.attributes).toEqual({ graph: [['rankdir', 'LR']], node: [['shape', 'box']], edge: [['color', 'red']] });
  });

  it('refuses unknown layouts, bad scales and attribute names that could inject DOT', () => {
    expect(() => parseGraphvizOptions({ layout: 'dot;rm' })).toThrow(BadRequestError);
    expect(() => parseGraphvizOptions({ scale: '0' })).toThrow(/Invalid scale/);
    expect(() => parseGraphvizOptions({ scale: 'big' })).toThrow(/Invalid scale/);
    expect(() => parseGraphvizOptions({ 'node-attribute-a]; b [x': '1' })).toThrow(/attribute name/);
    expect(() => parseGraphvizOptions({ 'node-attribute-label': 'ends with \\' })).toThrow(/backslash/);
  });
});

describe('default attribute injection', () => {
  const attrs = { graph: [], node: [['color', 'say "hi"']] as Array<[string, string]>, edge: [] };

  it('finds the root brace past comments, strings, HTML ids and preprocessor lines', () => {
    const src = '# 1 "x.gv"\n/* { */ // {\nstrict digraph "a{b" {\n a -> b\n}';
    expect(src[rootBraceIndex(src)]).toBe('{');
    expect(src.slice(0, rootBraceIndex(src)).endsWith('digraph "a{b" ')).toBe(true);
    expect(rootBraceIndex('digraph <x{y> { }')).toBe(14);
    expect(rootBraceIndex('no body')).toBe(-1);
  });

  it('inserts defaults on the brace line, quoted, so lines and source overrides stay', () => {
    const out = applyDefaultAttributes('digraph {\n a -> b\n}', attrs);
    expect(out).toBe('digraph { node [color="say \\"hi\\""]; \n a -> b\n}');
    expect(out.split('\n').length).toBe(3);
    expect(applyDefaultAttributes('digraph { }', { graph: [], node: [], edge: [] })).toBe('digraph { }');
  });
});
