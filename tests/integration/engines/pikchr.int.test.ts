import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../shared/examples.js';
import { buildApp, type BuiltApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { PIKCHR_MAX_SOURCE_LENGTH, pikchr } from '../../../server/engines/pikchr/index.js';
import { BadRequestError, DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(pikchr);
let app: BuiltApp | undefined;

afterAll(async () => {
  await app?.close();
  await engine.stop();
  await ctx.close();
});

const FLOW = [
  'box "Source" fit',
  'arrow right 150% "render" above',
  'box "Kroki Studio" rad 8px fit',
  'arrow',
  'cylinder "Cache"',
  'arrow from last box.s down',
  'oval "PNG"',
].join('\n');

/** The SVG's text; Pikchr writes the spaces in labels as no-break spaces. */
const svgText = (buf: Buffer | string) => expectSvg(buf).replace(/\u00a0/g, ' ');

const syntaxError = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('pikchr engine', () => {
  it('declares its formats and the library version', () => {
    expect(engine.types).toEqual(['pikchr']);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.version()).toMatch(/^\d+\.\d+/);
  });

  it('renders boxes, arrows and labels to SVG', async () => {
    const text = svgText(await engine.render(renderInput('pikchr', FLOW)));
    for (const label of ['Source', 'render', 'Kroki Studio', 'Cache', 'PNG']) expect(text).toContain(label);
  });

  it('renders the gallery example', async () => {
    const example = EXAMPLES.find((e) => e.type === 'pikchr')!;
    const text = svgText(await engine.render(renderInput('pikchr', example.source)));
    for (const label of ['Diagram', 'Kroki', 'Studio', 'SVG', 'picture']) expect(text).toContain(label);
  });

  it('escapes markup in labels, and writes a bare & so that the SVG stays XML', async () => {
    const svg = (await engine.render(renderInput('pikchr', 'box "<script>alert(1)</script> & co"\nbox "&rarr; &amp; &#8594; &#x2192;"'))).toString();
    expect(svgText(svg)).toContain('<script>alert(1)</script> & co');
    expect(svg).toContain('>&amp;rarr;\u00a0&amp;\u00a0&#8594;\u00a0&#x2192;</text>');
    expect(svg).not.toContain('<script>');
    pngSize(await engine.render(renderInput('pikchr', 'box "A & B"', 'png')));
  });

  it('converts to PNG', async () => {
    const size = pngSize(await engine.render(renderInput('pikchr', FLOW, 'png')));
    expect(size.width).toBeGreaterThan(150);
    expect(size.height).toBeGreaterThan(80);
    expect(size.width).toBeLessThan(2000);
  });

  it('reports an error with its line', async () => {
    const err = await syntaxError(engine.render(renderInput('pikchr', 'box "a"\narrow\nbox "b" fromm A\ncircle')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect((err as DiagramSyntaxError).line).toBe(3);
    expect((err as Error).message).toMatch(/^Pikchr error at line 3: /);
    expect((err as Error).message).toContain('box "b" fromm A');
  });

  it('reports the line inside a macro body', async () => {
    const err = await syntaxError(engine.render(renderInput('pikchr', 'define two {\n  box "x"\n  box "y" wat\n}\ntwo')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(3);
    expect((err as Error).message).toContain('Called from:');
  });

  it('refuses a diagram that draws nothing', async () => {
    const err = await syntaxError(engine.render(renderInput('pikchr', '# only a comment')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toMatch(/drew nothing/);
  });

  it('has no way to read files (legacy PIC copy and sh are not in the language)', async () => {
    for (const src of ['copy "/etc/passwd"', 'sh "cat /etc/passwd"', 'box "a"\nsh "id"']) {
      const err = await syntaxError(engine.render(renderInput('pikchr', src)));
      expect(err).toBeInstanceOf(DiagramSyntaxError);
      expect((err as Error).message).not.toMatch(/root:/);
    }
  });

  it('keeps rendering after thousands of diagrams (the WASM heap does not fill up)', async () => {
    // The package's own render() leaks every result in its fixed 16 MB heap: ~1,100
    // diagrams of this size would exhaust it.
    const big = Array.from({ length: 40 }, (_, i) => `box "node ${i}"; arrow`).join('\n');
    for (let i = 0; i < 1500; i++) await engine.render(renderInput('pikchr', big));
    expect(svgText(await engine.render(renderInput('pikchr', big)))).toContain('node 39');
  });

  it('answers a diagram too large for its heap with a 400, then draws the next one', async () => {
    const huge = Array.from({ length: 40_000 }, (_, i) => `box "n${i}"`).join('\n');
    const err = await syntaxError(engine.render(renderInput('pikchr', huge)));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/ran out of memory/);
    expect(svgText(await engine.render(renderInput('pikchr', 'box "after"')))).toContain('after');
  });

  it('is stopped by the time limit without blocking the event loop; the next render works', async () => {
    // Two levels of macros (a body holds at most 50,000 bytes): 5,000 × 15,000 assignments,
    // ~15 s of CPU from 90 KB.
    const slow = `$v = 0\ndefine a { ${Array(5000).fill('$v += 1').join('; ')} }\ndefine b { ${Array(15_000).fill('a').join('; ')} }\nb\nbox`;
    const restartsBefore = ctx.restarts.length;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const err = await syntaxError(engine.render(renderInput('pikchr', slow, 'svg', { signal: AbortSignal.timeout(500) })));
    clearInterval(timer);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((err as Error).name).toBe('TimeoutError');
    expect(ticks).toBeGreaterThan(20);
    expect(ctx.restarts.length).toBe(restartsBefore + 1);
    expect(svgText(await engine.render(renderInput('pikchr', 'box "next"')))).toContain('next');
  });

  it('refuses a source longer than its limit before rendering', async () => {
    const err = await syntaxError(engine.render(renderInput('pikchr', `box "a"\n#${'x'.repeat(PIKCHR_MAX_SOURCE_LENGTH)}`)));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/Maximum text size/);
  });

  it('renders through HTTP with the engine header', async () => {
    app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { logger: false });
    const res = await app.inject({ method: 'POST', url: '/pikchr/svg', payload: FLOW, headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-studio-engine']).toBe('pikchr');
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(svgText(res.body)).toContain('Kroki Studio');
    const bad = await app.inject({ method: 'POST', url: '/pikchr/svg', payload: 'box\nbox wat', headers: { 'content-type': 'text/plain' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('line 2');
  });
});
