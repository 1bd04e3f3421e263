import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { wireviz } from '../../../server/engines/wireviz/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(wireviz);
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, '../../fixtures/wireviz', name), 'utf8');

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

/** The SVG's text, Graphviz's numeric references decoded. */
async function svgText(source: string): Promise<string> {
  return expectSvg((await engine.render(renderInput('wireviz', source))).toString('utf8'));
}

describe('wireviz engine', () => {
  it('draws WireViz’s tutorial and example harnesses with their texts', async () => {
    const labels: Record<string, string[]> = {
      tutorial02: ['X1', 'X2', 'W1', 'Molex KK 254', 'female', '4-pin', '4x', '0.25 mm² (24 AWG)', '1 m', 'X1:3', 'X2:4', '3:GN'],
      tutorial03: ['GND', 'VCC', 'RX', 'TX', '+ S', 'Shield', 'X1:1:GND', 'X2:4:TX'],
      tutorial06: ['Crimp ferrule', '0.5 mm²', '1.0 mm²', 'OG', 'YE', '0.3 m', 'X1:1:+12V', 'X1:4:+5V', 'BK', 'RD'],
      demo01: ['D-Sub', '9-pin', 'DCD', 'RI', '3-pin', '0.2 m', 'X1:5:GND', 'X2:2:RX', '1:WH', '2:BN', '3:GN'],
    };
    for (const [name, expected] of Object.entries(labels)) {
      const text = await svgText(fixture(`${name}.yml`));
      for (const label of expected) expect(text, `${name}: ${label}`).toContain(label);
    }
  });

  it('colours the wires: every stripe and edge colour is in the picture', async () => {
    const svg = (await engine.render(renderInput('wireviz', fixture('tutorial02.yml')))).toString('utf8');
    for (const hex of ['#895956', '#00ff00', '#ffff00']) expect(svg.toLowerCase(), hex).toContain(`fill="${hex}"`);
    // The multi-colour edges: Graphviz draws one path per colour of `#000000:<wire>:#000000`.
    expect(svg).toMatch(/<path fill="none" stroke="#895956"/);
  });

  it('makes PNG from its SVG (the render core’s conversion)', async () => {
    expect(wireviz.conversions).toEqual({ png: 'svg' });
    const png = pngSize(await engine.render(renderInput('wireviz', fixture('demo01.yml'), 'png')));
    expect(png.width).toBeGreaterThan(300);
    expect(png.height).toBeGreaterThan(100);
  });

  it('reports the WireViz it follows and the Graphviz that draws', () => {
    expect(engine.version()).toMatch(/^studio-wireviz 0\.3\.3 \(Graphviz \d+\.\d+\.\d+\)$/);
  });

  it('answers bad YAML and unknown attributes with a 400 naming the line', async () => {
    const yaml = await engine.render(renderInput('wireviz', 'connectors:\n  X1: {pincount: 2\ncables: {}\n')).catch((e: unknown) => e);
    expect(yaml).toBeInstanceOf(DiagramSyntaxError);
    expect((yaml as DiagramSyntaxError).status).toBe(400);
    expect((yaml as DiagramSyntaxError).message).toMatch(/^Invalid WireViz YAML at line \d/);
    const key = await engine.render(renderInput('wireviz', 'cables:\n  W1:\n    wirecount: 2\n    colour_code: DIN\n')).catch((e: unknown) => e);
    expect((key as DiagramSyntaxError).message).toBe('Cable W1 has no attribute "colour_code" (unexpected keyword argument) (line 4)');
    expect((key as DiagramSyntaxError).line).toBe(4);
  });

  it('a tweak that breaks the DOT is the diagram’s error (400), and a label cannot be broken out of', async () => {
    const tweak = await engine.render(renderInput('wireviz', "connectors:\n  X1: {pincount: 1}\ntweak:\n  append: 'X1 -- {'\n")).catch((e: unknown) => e);
    expect(tweak).toBeInstanceOf(DiagramSyntaxError);
    expect((tweak as DiagramSyntaxError).message).toMatch(/^Graphviz cannot draw the WireViz diagram/);
    const text = await svgText('connectors:\n  X1: {pincount: 1, type: \'</td></tr></table>>]; Y [label="pwned"]; <\'}\n');
    expect(text).toContain('</td></tr></table>>]; Y [label="pwned"]; <');
    expect(text).not.toMatch(/^\s*pwned\s*$/m);
  });

  it('over HTTP: the SVG and PNG of a harness, and a 400 with the line for an unknown attribute', async () => {
    const app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [wireviz], logger: false });
    try {
      const svg = await app.inject({ method: 'POST', url: '/wireviz/svg', payload: fixture('demo01.yml'), headers: { 'content-type': 'text/plain' } });
      expect(svg.statusCode).toBe(200);
      expect(svg.headers['x-studio-engine']).toBe('wireviz');
      expect(expectSvg(svg.body)).toContain('X1:5:GND');
      const png = await app.inject({ method: 'POST', url: '/wireviz/png', payload: fixture('demo01.yml'), headers: { 'content-type': 'text/plain' } });
      expect(png.statusCode).toBe(200);
      expect(pngSize(png.rawPayload).width).toBeGreaterThan(300);
      const bad = await app.inject({
        method: 'POST',
        url: '/wireviz/svg',
        payload: 'connectors:\n  X1:\n    pincount: 2\n    pinz: [A, B]\n',
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toEqual({ code: 400, message: 'Connector X1 has no attribute "pinz" (unexpected keyword argument) (line 4)', line: 4 });
    } finally {
      await app.close();
    }
  });
});
