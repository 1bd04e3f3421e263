/** ditaa through PlantUML's built-in ditaa, on the JVM it shares with the plantuml engine. */
import { Window } from 'happy-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../../shared/api.js';
import { findType } from '../../../shared/diagram-types.js';
import { ditaa as ditaaSpec } from '../../../server/engines/plantuml/ditaa.js';
import { plantuml as plantumlSpec } from '../../../server/engines/plantuml/plantuml.js';
import { BadRequestError } from '../../../server/errors.js';
import type { LiveEngine } from '../../../server/render/engines.js';
import type { JvmHost } from '../../../server/runtimes/jvm-host.js';
import { testContext } from '../../helpers/context.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const ART = ['+--------+   +-------+', '| cBLU   |-->| disk  |', '| client |   | {s}   |', '+--------+   +-------+'].join('\n');

function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('ditaa engine (PlantUML built-in ditaa)', () => {
  const ctx = testContext({ STUDIO_JVM_WARMUP: '0' });
  let ditaa: LiveEngine;
  let plantuml: LiveEngine;
  const render = (source: string, format: OutputFormat, options: Record<string, string> = {}) =>
    ditaa.render({ type: 'ditaa', source, format, options, safeMode: 'secure', signal: new AbortController().signal });

  beforeAll(async () => {
    ditaa = ctx.engine(ditaaSpec);
    plantuml = ctx.engine(plantumlSpec);
    await ditaa.start();
  });

  afterAll(async () => {
    await ditaa.stop();
    await plantuml.stop();
    await ctx.close();
  });

  it('draws CJK text with real glyphs (two different labels give two different pictures)', async () => {
    const box = (label: string) => ['+----------+', `| ${label} |`, '+----------+'].join('\n');
    const first = await render(box('漢字表示'), 'png');
    const second = await render(box('日本語文'), 'png');
    expect(pngSize(first).width).toBeGreaterThan(20);
    // Missing glyphs draw as identical boxes, which would make the two pictures equal.
    expect(first.equals(second)).toBe(false);
  });

  it('declares Kroki’s formats and keeps whitespace', () => {
    expect(ditaa.formats).toEqual(['svg', 'png']);
    expect(findType('ditaa')?.keepWhitespace).toBe(true);
    expect(ditaa.version()).toMatch(/^\d+\.\d+/);
  });

  it('renders PNG with a plausible size', async () => {
    const { width, height } = pngSize(await render(ART, 'png'));
    expect(width).toBeGreaterThan(150);
    expect(height).toBeGreaterThan(50);
  });

  it('renders SVG that embeds the PNG at its own size', async () => {
    const png = await render(ART, 'png');
    const svg = (await render(ART, 'svg')).toString('utf8');
    const window = new Window();
    const doc = new window.DOMParser().parseFromString(svg, 'image/svg+xml');
    expect(doc.querySelector('parsererror')).toBeNull();
    const root = doc.documentElement;
    expect(root.nodeName.toLowerCase()).toBe('svg');
    const { width, height } = pngSize(png);
    expect(root.getAttribute('width')).toBe(String(width));
    expect(root.getAttribute('height')).toBe(String(height));
    const href = doc.querySelector('image')!.getAttribute('href')!;
    expect(href.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(href.slice('data:image/png;base64,'.length), 'base64').equals(png)).toBe(true);
    await window.happyDOM.close();
  });

  it('keeps leading whitespace: indentation changes the drawing', async () => {
    const indented = '        +---+\n        | A |\n        +---+\n+---+\n| B |\n+---+';
    const flush = '+---+\n| A |\n+---+\n+---+\n| B |\n+---+';
    const a = pngSize(await render(indented, 'png'));
    const b = pngSize(await render(flush, 'png'));
    expect(a.width).toBeGreaterThan(b.width);
    expect(a.height).toBe(b.height);
  });

  it('applies scale and flags, and rejects a bad scale', async () => {
    const base = pngSize(await render(ART, 'png'));
    const scaled = pngSize(await render(ART, 'png', { scale: '2' }));
    expect(scaled.width).toBeGreaterThanOrEqual(base.width * 2 - 2);
    const plain = await render(ART, 'png');
    const round = await render(ART, 'png', { 'round-corners': '', 'no-shadows': '' });
    expect(round.equals(plain)).toBe(false);
    await expect(render(ART, 'png', { scale: '2\n!include /etc/passwd' })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('drops file includes in secure mode', async () => {
    const png = await render(`!include /etc/passwd\n${ART}`, 'png');
    pngSize(png);
    expect(png.toString('latin1')).not.toContain('root:');
  });

  it('shares one JVM with the plantuml engine', async () => {
    const pid = (ditaa.host as JvmHost).pid();
    const svg = await plantuml.render({
      type: 'plantuml',
      source: 'A -> B : shared',
      format: 'svg',
      options: {},
      safeMode: 'secure',
      signal: new AbortController().signal,
    });
    expect(svg.toString()).toContain('shared');
    expect((ditaa.host as JvmHost).pid()).toBe(pid);
  });
});
