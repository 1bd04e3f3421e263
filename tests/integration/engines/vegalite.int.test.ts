import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vegalite } from '../../../server/engines/vega/vega.js';
import { BadRequestError, DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(vegalite);
let marker: MarkerServer;

const bar = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  data: {
    values: [
      { fruit: 'apple', amount: 28 },
      { fruit: 'banana', amount: 55 },
      { fruit: 'cherry', amount: 43 },
    ],
  },
  mark: 'bar',
  encoding: {
    x: { field: 'fruit', type: 'nominal', title: 'Fruit kind' },
    y: { field: 'amount', type: 'quantitative', title: 'Amount sold' },
  },
};

beforeAll(async () => {
  marker = await startMarkerServer();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
  await marker.close();
});

describe('vegalite engine', () => {
  it('renders a bar chart to SVG with its axis titles and categories', async () => {
    const text = expectSvg(await engine.render(renderInput('vegalite', JSON.stringify(bar))));
    for (const label of ['Fruit kind', 'Amount sold', 'apple', 'banana', 'cherry']) expect(text).toContain(label);
    expect(engine.formats).toEqual(['svg', 'png', 'pdf']);
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('renders PNG through the rasteriser', async () => {
    const { width, height } = pngSize(await engine.render(renderInput('vegalite', JSON.stringify(bar), 'png')));
    expect(width).toBeGreaterThan(50);
    expect(height).toBeGreaterThan(100);
  });

  it('reports invalid JSON with its line', async () => {
    const err = await engine.render(renderInput('vegalite', '{\n  "mark": "bar",\n  "encoding": {,\n}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(3);
    expect((err as Error).message).toMatch(/Invalid Vega-Lite JSON at line 3/);
  });

  it.each([
    ['data.url to a local file', { ...bar, data: { url: 'file:///etc/passwd' } }],
    ['data.url to the network', { ...bar, data: { url: '__MARKER__/data.json' } }],
    ['a layer’s data url', { layer: [{ data: { url: '__MARKER__/layer.json' }, mark: 'bar', encoding: bar.encoding }] }],
    ['an image mark url', { data: { values: [{ x: 1 }] }, mark: 'image', encoding: { url: { value: '__MARKER__/img.png' } } }],
  ])('secure mode refuses %s and never fetches it', async (_name, spec) => {
    const src = JSON.stringify(spec).replace(/__MARKER__/g, marker.url);
    for (const safeMode of ['secure', 'safe'] as const) {
      const err = await engine.render(renderInput('vegalite', src, 'svg', { safeMode })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as Error).message).toMatch(/not allowed: in secure mode/);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(marker.hits).toEqual([]);
  });

  it('unsafe mode renders an inline-values spec, and may fetch data', async () => {
    const text = expectSvg(await engine.render(renderInput('vegalite', JSON.stringify(bar), 'svg', { safeMode: 'unsafe' })));
    expect(text).toContain('banana');
    const remote = {
      ...bar,
      data: { url: `${marker.url}/unsafe.json` },
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    };
    const fetched = expectSvg(await engine.render(renderInput('vegalite', JSON.stringify(remote), 'svg', { safeMode: 'unsafe' })));
    expect(fetched).toContain('FETCHED');
    expect(marker.hits).toEqual(['/unsafe.json']);
    marker.hits.length = 0;
  });
});
