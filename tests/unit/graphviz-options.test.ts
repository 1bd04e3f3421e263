import { describe, expect, it } from 'vitest';
import { applyDefaultAttributes, defaultAttributes, graphviz, rootBraceIndex } from '../../server/engines/graphviz/index.js';
import { BadRequestError } from '../../server/errors.js';
import { validateOptions } from '../../server/render/options.js';

// Graphviz's schema checked by the render core's one validator (server/render/options.ts).
const parse = (options: Record<string, string>) => validateOptions(graphviz.options, options);

describe('Graphviz options', () => {
  it('reads layout, scale and default attributes like Kroki', () => {
    const options = {
      layout: 'NEATO',
      scale: '1.5',
      'node-attribute-shape': 'box',
      'edge-attribute-color': 'red',
      'graph-attribute-rankdir': 'LR',
      other: 'x',
    };
    const values = parse(options);
    expect(values.layout).toBe('neato');
    expect(values.scale).toBe(1.5);
    expect(defaultAttributes(options)).toEqual({ graph: [['rankdir', 'LR']], node: [['shape', 'box']], edge: [['color', 'red']] });
  });

  it('refuses unknown layouts, bad scales and attribute names that could inject DOT, naming the option and what it accepts', () => {
    expect(() => parse({ layout: 'dot;rm' })).toThrow(BadRequestError);
    expect(() => parse({ layout: 'dot;rm' })).toThrow(/option layout: "dot;rm"\. Must be one of dot, neato, .* or patchwork/);
    expect(() => parse({ scale: '0' })).toThrow(/option scale: "0"\. Must be a number greater than 0 and at most 100/);
    expect(() => parse({ scale: 'big' })).toThrow(/option scale/);
    expect(() => parse({ 'node-attribute-a]; b [x': '1' })).toThrow(/attribute name/);
    expect(() => parse({ 'node-attribute-label': 'ends with \\' })).toThrow(/backslash/);
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
