import { afterAll, describe, expect, it } from 'vitest';
import { goat } from '../../../server/engines/goat/index.js';
import { GOAT_MAX_CELLS } from '../../../server/engines/goat/input.js';
import { BadRequestError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(goat);

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

const BOXES = "  .-------.     .-------.\n  | Text  +---->| Image |\n  '-------'     '-------'\n";

describe('goat engine', () => {
  it('draws ASCII art as SVG lines, an arrow head and its words', async () => {
    const svg = (await engine.render(renderInput('goat', BOXES))).toString('utf8');
    const text = expectSvg(svg);
    expect(text).toContain('Text');
    expect(text).toContain('Image');
    expect(svg).toMatch(/<path d='M 16,0 L 80,0' fill='none' stroke='currentColor'><\/path>/);
    expect(svg.match(/<polygon /g)).toHaveLength(1);
    // Each character stays centred on its own 8-unit cell, as goat places it.
    expect(svg).toContain("<text text-anchor='middle' x='32 40 48 56' y='20' fill='currentColor' style='font-size:1em'>Text</text>");
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+/);
    expect(engine.formats).toEqual(['svg', 'png']);
  });

  it('converts to PNG', async () => {
    const { width, height } = pngSize(await engine.render(renderInput('goat', BOXES, 'png')));
    expect(width).toBeGreaterThanOrEqual(200);
    expect(height).toBeGreaterThanOrEqual(50);
  });

  it('keeps leading white space: it moves the drawing', async () => {
    const svg = (await engine.render(renderInput('goat', BOXES.replace(/^/gm, '    ')))).toString('utf8');
    expect(svg).toContain("x='64 72 80 88'");
  });

  it('draws in the light and dark scheme colours, #000000 and #FFFFFF by default as Kroki’s goat', async () => {
    const plain = (await engine.render(renderInput('goat', BOXES))).toString('utf8');
    expect(plain).toMatch(/svg \{\s*color: #000000;\s*\}\s*@media \(prefers-color-scheme: dark\) \{\s*svg \{\s*color: #FFFFFF;/);
    const options = { 'svg-color-light-scheme': '#123456', 'svg-color-dark-scheme': 'gold', utf8: '' };
    const colored = (await engine.render(renderInput('goat', BOXES, 'svg', { options }))).toString('utf8');
    expectSvg(colored);
    expect(colored).toMatch(/svg \{\s*color: #123456;\s*\}\s*@media \(prefers-color-scheme: dark\) \{\s*svg \{\s*color: gold;/);
  });

  it('refuses a colour that could leave its CSS declaration, naming the option', async () => {
    for (const value of ['red; } svg { display: none', '#12345', 'url(x)', 'rgb(1,2,3)']) {
      const err = await engine.render(renderInput('goat', BOXES, 'svg', { options: { 'svg-color-dark-scheme': value } })).catch((e: unknown) => e);
      expect(err, value).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toContain('option svg-color-dark-scheme');
    }
  });

  it('writes any text as valid XML: markup characters escaped, control characters as spaces', async () => {
    const svg = (await engine.render(renderInput('goat', '<b>&amp;</b> "q" \'s\'\n+--+\u0001\u000bx\n|  |\n+--+\n'))).toString('utf8');
    const text = expectSvg(svg);
    expect(text).toContain('b');
    expect(text).toContain('&amp;');
    expect(svg).not.toContain('\u0001');
    expect(svg).not.toContain('\u000b');
    expect(text).toContain('x');
  });

  it('accepts an empty diagram', async () => {
    expectSvg(await engine.render(renderInput('goat', '')));
  });

  it('refuses a canvas too large for goat before drawing it, and a line Go cannot read', async () => {
    const side = Math.ceil(Math.sqrt(GOAT_MAX_CELLS)) + 1;
    const big = Array.from({ length: side }, () => '-'.repeat(side)).join('\n');
    const err = await engine.render(renderInput('goat', big)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/too large: \d+ columns × \d+ lines/);
    const long = await engine.render(renderInput('goat', `ok\n${'é'.repeat(40_000)}\n`)).catch((e: unknown) => e);
    expect(long).toBeInstanceOf(BadRequestError);
    expect((long as Error).message).toMatch(/cannot read line 2/);
    // The worker still draws the next diagram.
    expectSvg(await engine.render(renderInput('goat', BOXES)));
  });
});
