import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SafeMode } from '../../../shared/api.js';
import { d2 } from '../../../server/engines/d2/index.js';
import { BadRequestError, DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(d2);

const SOURCE = 'editor: Editor\nserver: Kroki Studio\nengine: Engine\neditor -> server: POST source\nserver -> engine: render';
const MODES: readonly SafeMode[] = ['secure', 'safe', 'unsafe'];

let dir: string;

const svgOf = async (source: string, options: Record<string, string> = {}, safeMode: SafeMode = 'secure') =>
  (await engine.render(renderInput('d2', source, 'svg', { options, safeMode }))).toString('utf8');
const pngOf = (source: string, options: Record<string, string> = {}, safeMode: SafeMode = 'secure') =>
  engine.render(renderInput('d2', source, 'png', { options, safeMode }));
const viewBox = (svg: string) => /viewBox="0 0 (\d+) (\d+)"/.exec(svg)!.slice(1, 3).map(Number);
const fills = (svg: string) => new Set(svg.match(/fill="#[0-9A-Fa-f]{6}"/g));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'studio-d2-'));
  await engine.start();
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await engine.stop();
  await ctx.close();
});

describe('d2 engine', () => {
  it('renders labelled boxes and connections to SVG and PNG', async () => {
    const text = expectSvg(await svgOf(SOURCE));
    for (const label of ['Editor', 'Kroki Studio', 'Engine', 'POST source', 'render']) expect(text).toContain(label);
    const png = pngSize(await pngOf(SOURCE));
    expect(png.width).toBeGreaterThan(150);
    expect(png.height).toBeGreaterThan(300);
    expect(png.width * png.height).toBeLessThan(2000 * 2000);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+ \(D2 \d+\.\d+/);
  });

  it('renders CJK labels as text', async () => {
    const text = expectSvg(await svgOf('a: 漢字テスト\nb: 한국어\na -> b: 中文'));
    for (const label of ['漢字テスト', '한국어', '中文']) expect(text).toContain(label);
  });

  it('sketch draws the hand-drawn variant', async () => {
    const plain = await svgOf(SOURCE);
    const sketch = await svgOf(SOURCE, { sketch: '' });
    // Every theme's CSS has the overlay classes; only a sketch uses them, over streak patterns.
    const overlays = (svg: string) => svg.match(/class=" sketch-overlay-\w+"|<pattern id="streaks-/g) ?? [];
    expect(overlays(plain)).toEqual([]);
    expect(overlays(sketch).length).toBeGreaterThanOrEqual(4);
  });

  it('theme changes the colours, by id or by name in any case', async () => {
    const plain = await svgOf(SOURCE);
    const dark = await svgOf(SOURCE, { theme: '200' });
    expect(fills(plain)).toContain('fill="#F7F8FE"');
    expect(fills(dark)).not.toContain('fill="#F7F8FE"');
    expect(fills(dark)).toContain('fill="#1E1E2E"');
    expect(await svgOf(SOURCE, { theme: 'Dark Mauve' })).toBe(dark);
    expect(await svgOf(SOURCE, { theme: 'dark-mauve' })).toBe(dark);
    // The option wins over the diagram's own d2-config, as the d2 program's flag does.
    expect(await svgOf(`vars: { d2-config: { theme-id: 4 } }\n${SOURCE}`, { theme: '200' })).toContain('fill="#1E1E2E"');
  });

  it('dark-theme adds colours for viewers who prefer a dark scheme', async () => {
    expect(await svgOf(SOURCE)).not.toContain('prefers-color-scheme:dark');
    expect(await svgOf(SOURCE, { 'dark-theme': 'dark-flagship-terrastruct' })).toContain('prefers-color-scheme:dark');
  });

  it('layout elk lays the diagram out differently', async () => {
    const wide = 'a -> b\na -> c\na -> d\nb -> e\nc -> e\nd -> e';
    const dagre = await svgOf(wide, { layout: 'dagre' });
    const elk = await svgOf(wide, { layout: 'elk' });
    expect(dagre).toBe(await svgOf(wide));
    expect(viewBox(elk)).not.toEqual(viewBox(dagre));
    expect(expectSvg(elk)).toContain('e');
  });

  it('pad changes the margin and scale the size of the SVG and the PNG', async () => {
    const [w, h] = viewBox(await svgOf(SOURCE));
    expect(viewBox(await svgOf(SOURCE, { pad: '0' }))).toEqual([w! - 200, h! - 200]);
    const one = pngSize(await pngOf(SOURCE));
    const two = pngSize(await pngOf(SOURCE, { scale: '2' }));
    expect(two.width).toBeGreaterThanOrEqual(one.width * 2 - 1);
    expect(two.height).toBeGreaterThanOrEqual(one.height * 2 - 1);
    expect(await svgOf(SOURCE, { scale: '2' })).toMatch(new RegExp(`<svg[^>]* width="${w! * 2}" height="${h! * 2}"`));
  });

  it('animate-interval turns the boards into one animated SVG', async () => {
    const boards = 'a -> b\nsteps: {\n  one: { c -> a }\n  two: { d -> a }\n}';
    expect(await svgOf(boards)).not.toContain('@keyframes');
    const animated = await svgOf(boards, { 'animate-interval': '400' });
    expect(animated.match(/@keyframes/g)!.length).toBeGreaterThanOrEqual(3);
    expect(expectSvg(animated)).toContain('d');
  });

  it('refuses bad option values with a 400 naming the option', async () => {
    const bad: Array<[string, string]> = [
      ['theme', '2'],
      ['theme', 'no-such-theme'],
      ['dark-theme', '999'],
      ['layout', 'tala'],
      ['pad', '-5'],
      ['pad', '1.5'],
      ['scale', '0'],
      ['animate-interval', 'soon'],
    ];
    for (const [name, value] of bad) {
      const err = await svgOf(SOURCE, { [name]: value }).catch((e: unknown) => e);
      expect(err, `${name}=${value}`).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toContain(`option ${name}`);
    }
  });

  it('reports a syntax error with its line', async () => {
    const err = await svgOf('a: A\nb: B\na -> : label\nb -> a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect((err as DiagramSyntaxError).line).toBe(3);
    expect((err as Error).message).toMatch(/^D2 error at line 3, column 1: connection missing destination/);
  });

  it('never reads an imported file from the disk, in any safe mode', async () => {
    const marker = `leaked-${Date.now()}`;
    const file = path.join(dir, 'secret.d2');
    writeFileSync(file, `${marker}: ${marker}\n`);
    const stem = file.replace(/\.d2$/, '');
    const relative = path.relative(process.cwd(), stem);
    for (const safeMode of MODES) {
      for (const source of [`x: @${stem}`, `...@${stem}`, `x: @${relative}`, `x: @${stem}.d2`]) {
        const err = await svgOf(`a -> b\n${source}`, {}, safeMode).catch((e: unknown) => e);
        expect(err, `${safeMode}: ${source}`).toBeInstanceOf(DiagramSyntaxError);
        expect((err as DiagramSyntaxError).line).toBe(2);
        expect((err as Error).message).toMatch(/failed to import .*file does not exist/);
        expect((err as Error).message).not.toContain(marker);
      }
    }
  });

  it('never draws a picture file from the disk into its PNG, in any safe mode (the rasteriser draws data: images only)', async () => {
    // A real picture file: a PNG of a filled box, drawn by the engine itself.
    const picture = path.join(dir, 'picture.png');
    writeFileSync(picture, await pngOf('x: "" {style.fill: "#E02020"; width: 80; height: 80}', { pad: '0' }));
    const withIcon = (href: string) => `x: {shape: image; icon: ${href}}`;
    const missing = path.join(dir, 'missing.png');
    for (const mode of MODES) {
      // D2 writes the path into the SVG as given; the PNG must not show the file's picture.
      expect(await svgOf(withIcon(picture), {}, mode)).toContain(`href="${picture}"`);
      expect(await pngOf(withIcon(picture), {}, mode)).toEqual(await pngOf(withIcon(missing), {}, mode));
    }
    // The same picture as a data: URL is drawn: the comparison above is not vacuous.
    const inline = `data:image/png;base64,${readFileSync(picture).toString('base64')}`;
    expect(await pngOf(withIcon(JSON.stringify(inline)), {}, 'unsafe')).not.toEqual(await pngOf(withIcon(missing), {}, 'unsafe'));
  });
});
