import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svgbob } from '../../../server/engines/svgbob/index.js';
import { BadRequestError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(svgbob);

// Leading spaces place the boxes: svgbob keeps them, as the decoder does.
const SOURCE = [
  '   .--------.     .--------.',
  '   | Editor |---->| Server |',
  "   '--------'     '--+-----'",
  '                     |',
  '                     v',
  '                 .--------.',
  '                 | Engine |',
  "                 '--------'",
  '   o--> *',
].join('\n');

const svgOf = async (source: string, options: Record<string, string> = {}) =>
  (await engine.render(renderInput('svgbob', source, 'svg', { options }))).toString('utf8');
const pngOf = (source: string, options: Record<string, string> = {}) => engine.render(renderInput('svgbob', source, 'png', { options }));
/** The declarations svgbob's style element gives `selector`, the last one winning, as CSS reads them. */
const declared = (svg: string, selector: string, property: string) => {
  const css = /<style>([\s\S]*?)<!--separator-->/.exec(svg)![1]!;
  const found = [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)].filter(([, sel]) => sel!.split(',').some((s) => s.trim() === selector));
  const values = found.flatMap(([, , body]) => [...body!.matchAll(new RegExp(`(?:^|;)\\s*${property}:([^;]+)`, 'g'))].map((m) => m[1]!.trim()));
  return values.at(-1);
};

beforeAll(async () => {
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

describe('svgbob engine', () => {
  it('draws ASCII art with its labels to SVG and PNG', async () => {
    const svg = await svgOf(SOURCE);
    const text = expectSvg(svg);
    for (const label of ['Editor', 'Server', 'Engine']) expect(text).toContain(label);
    expect(svg).toMatch(/<polygon points="[^"]+" class="filled">/); // the arrow heads
    const png = pngSize(await pngOf(SOURCE));
    expect(png).toEqual({ width: Number(/width="(\d+)"/.exec(svg)![1]), height: Number(/height="(\d+)"/.exec(svg)![1]) });
    expect(png.width).toBeGreaterThan(200);
    expect(png.height).toBeGreaterThan(100);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+ \(svgbob \d+\.\d+\.\d+\)$/);
  });

  it('keeps leading white space: indenting the art moves the drawing', async () => {
    const left = await svgOf('+--+\n|ab|\n+--+');
    const right = await svgOf('        +--+\n        |ab|\n        +--+');
    expect(/<text x="(\d+)"/.exec(right)![1]).not.toBe(/<text x="(\d+)"/.exec(left)![1]);
  });

  it('renders CJK text', async () => {
    const text = expectSvg(await svgOf('+--------+\n| 漢字 한 |\n+--------+'));
    for (const ch of ['漢', '字', '한']) expect(text).toContain(ch);
  });

  it('applies each option to the picture', async () => {
    const plain = await svgOf(SOURCE);
    expect(declared(plain, 'line', 'stroke-width')).toBe('2');
    expect(declared(plain, 'rect.backdrop', 'fill')).toBe('transparent');

    const styled = await svgOf(SOURCE, {
      'stroke-width': '4.5',
      background: '#fffbe6',
      'fill-color': 'rgb(200, 0, 0)',
      'font-family': 'DejaVu Serif, serif',
      'font-size': '18',
    });
    expectSvg(styled);
    expect(declared(styled, 'line', 'stroke-width')).toBe('4.5');
    expect(declared(styled, 'polygon', 'stroke-width')).toBe('4.5');
    expect(declared(styled, 'rect.backdrop', 'fill')).toBe('#fffbe6');
    expect(declared(styled, '.nofill', 'fill')).toBe('#fffbe6');
    expect(declared(styled, '.filled', 'fill')).toBe('rgb(200, 0, 0)');
    expect(declared(styled, 'text', 'font-family')).toBe('DejaVu Serif, serif');
    expect(declared(styled, 'text', 'font-size')).toBe('18px');

    // The rasteriser honours them too: the PNG changes with each one.
    const base = await pngOf(SOURCE);
    const each: Array<Record<string, string>> = [
      { 'stroke-width': '4' },
      { background: 'white' },
      { 'fill-color': 'red' },
      { 'font-size': '20' },
      { 'font-family': 'DejaVu Serif' },
    ];
    for (const options of each) expect(await pngOf(SOURCE, options), JSON.stringify(options)).not.toEqual(base);
  });

  it('scale zooms the SVG and the PNG', async () => {
    const plain = await svgOf(SOURCE);
    const [w, h] = [Number(/width="(\d+)"/.exec(plain)![1]), Number(/height="(\d+)"/.exec(plain)![1])];
    expect(await svgOf(SOURCE, { scale: '2' })).toMatch(new RegExp(`^<svg [^>]*width="${w * 2}" height="${h * 2}" viewBox="0 0 ${w} ${h}">`));
    expect(pngSize(await pngOf(SOURCE, { scale: '2' }))).toEqual({ width: w * 2, height: h * 2 });
    expect(pngSize(await pngOf(SOURCE, { scale: '0.5' }))).toEqual({ width: w / 2, height: h / 2 });
  });

  it('refuses bad option values with a 400 naming the option', async () => {
    const bad: Array<[string, string]> = [
      ['stroke-width', '0'],
      ['stroke-width', 'thick'],
      ['font-size', '-3'],
      ['scale', '1000'],
      ['background', 'red;}</style><script>alert(1)</script>'],
      ['background', '#12345'],
      ['fill-color', 'url(#x)'],
      ['font-family', 'serif}text{fill:red'],
      ['font-family', '"Quoted"'],
    ];
    for (const [name, value] of bad) {
      const err = await svgOf(SOURCE, { [name]: value }).catch((e: unknown) => e);
      expect(err, `${name}=${value}`).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toContain(`option ${name}`);
    }
  });

  it('keeps a legend’s CSS from writing markup into the SVG', async () => {
    const tagged = ".----.\n|{a}  |\n'----'\n\n# Legend:\n";
    const benign = await svgOf(`${tagged}a = {fill: papayawhip;}\n`);
    expect(benign).toContain('.a{ fill: papayawhip; }');
    const hostile = await svgOf(`${tagged}a = {fill: red;</style><script>alert(1)</script><foo a="&">}\n`);
    expectSvg(hostile);
    expect(hostile).not.toMatch(/<script|<foo/);
    expect(hostile.match(/<\/style>/g)).toHaveLength(1);
    expect(hostile).toContain('&lt;/style&gt;&lt;script&gt;');
  });

  it('accepts any text, even an empty one', async () => {
    expectSvg(await svgOf(''));
    expectSvg(await svgOf('just words, no art <&>'));
    expect(expectSvg(await svgOf('just words, no art <&>'))).toContain('<&>');
  });
});
