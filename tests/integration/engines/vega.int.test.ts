import * as vega from 'vega';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vega as vegaSpec, vegalite as vegaliteSpec } from '../../../server/engines/vega/vega.js';
import type { WorkerHost } from '../../../server/runtimes/worker-host.js';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError } from '../../../server/errors.js';
import { quietLogger, secureLoader } from '../../../server/engines/vega/safety.js';
import { testContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(vegaSpec) as ReturnType<typeof ctx.engine> & { host: WorkerHost };
let marker: MarkerServer;

/** A Vega spec whose signal names and text marks show up in the SVG. */
const spec = {
  $schema: 'https://vega.github.io/schema/vega/v6.json',
  width: 200,
  height: 100,
  signals: [{ name: 'heading', value: 'Signal Heading Text' }],
  data: [
    {
      name: 'table',
      values: [
        { k: 'north', v: 3 },
        { k: 'south', v: 7 },
      ],
    },
  ],
  scales: [
    { name: 'x', type: 'band', domain: { data: 'table', field: 'k' }, range: 'width' },
    { name: 'y', type: 'linear', domain: { data: 'table', field: 'v' }, range: 'height' },
  ],
  axes: [{ orient: 'bottom', scale: 'x', title: 'Direction' }],
  marks: [
    {
      type: 'rect',
      from: { data: 'table' },
      encode: { enter: { x: { scale: 'x', field: 'k' }, width: { scale: 'x', band: 1 }, y: { scale: 'y', field: 'v' }, y2: { scale: 'y', value: 0 } } },
    },
    { type: 'text', encode: { enter: { x: { value: 10 }, y: { value: 10 }, text: { signal: 'heading' } } } },
  ],
};

const withMarker = (s: unknown) => JSON.stringify(s).replace(/__MARKER__/g, marker.url);

beforeAll(async () => {
  marker = await startMarkerServer();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
  await marker.close();
});

describe('vega engine', () => {
  it('renders a spec to SVG with its text, axis title and categories', async () => {
    const text = expectSvg(await engine.render(renderInput('vega', JSON.stringify(spec))));
    for (const label of ['Signal Heading Text', 'Direction', 'north', 'south']) expect(text).toContain(label);
  });

  it('renders PNG', async () => {
    const { width, height } = pngSize(await engine.render(renderInput('vega', JSON.stringify(spec), 'png')));
    expect(width).toBeGreaterThanOrEqual(200);
    expect(height).toBeGreaterThanOrEqual(100);
  });

  it('reports invalid JSON with its line, and an invalid spec as a syntax error', async () => {
    const err = await engine.render(renderInput('vega', '{\n  "width": 100,\n  "height": 1oo\n}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(3);
    const bad = await engine.render(renderInput('vega', JSON.stringify({ marks: [{ type: 'nosuchmark' }] }))).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(DiagramSyntaxError);
  });

  it.each([
    ['data.url (file)', { ...spec, data: [{ name: 'table', url: 'file:///etc/passwd' }] }],
    ['data.url (network)', { ...spec, data: [{ name: 'table', url: '__MARKER__/data.json' }] }],
    [
      'a nested group mark’s data url',
      { ...spec, marks: [{ type: 'group', marks: [{ type: 'group', data: [{ name: 'inner', url: '__MARKER__/nested.json' }] }] }] },
    ],
    [
      'an image mark url',
      { ...spec, marks: [{ type: 'image', encode: { enter: { url: { value: '__MARKER__/image.png' }, width: { value: 10 }, height: { value: 10 } } } }] },
    ],
    [
      'an image url from a signal',
      { ...spec, signals: [{ name: 'u', value: '__MARKER__/signal.png' }], marks: [{ type: 'image', encode: { enter: { url: { signal: 'u' } } } }] },
    ],
  ])('secure mode refuses %s and never fetches it', async (_name, s) => {
    const err = await engine.render(renderInput('vega', withMarker(s))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/not allowed: in secure mode/);
    await new Promise((r) => setTimeout(r, 100));
    expect(marker.hits).toEqual([]);
  });

  it('the secure loader alone (second barrier) refuses URLs computed at run time', async () => {
    // Bypasses the static `url` scan: data whose URL comes from a signal expression.
    const runtime = vega.parse({
      signals: [{ name: 'base', value: marker.url }],
      data: [{ name: 'd', url: { signal: "base + '/computed.json'" } }],
    } as vega.Spec);
    const blocked: string[] = [];
    const view = new vega.View(runtime, { renderer: 'none', loader: secureLoader(blocked), logger: quietLogger([]) });
    await view.runAsync().catch(() => {});
    view.finalize();
    await new Promise((r) => setTimeout(r, 100));
    expect(blocked).toEqual([`${marker.url}/computed.json`]);
    expect(marker.hits).toEqual([]);
  });

  it('unsafe mode renders an inline-values spec', async () => {
    const text = expectSvg(await engine.render(renderInput('vega', JSON.stringify(spec), 'svg', { safeMode: 'unsafe' })));
    expect(text).toContain('north');
  });

  it('shares one worker with Vega-Lite: one library loaded, one runtime for the manager', async () => {
    const lite = ctx.engine(vegaliteSpec) as ReturnType<typeof ctx.engine> & { host: WorkerHost };
    expect(lite.host).toBe(engine.host);
    const bar = {
      data: { values: [{ a: 'Lite Bar', b: 2 }] },
      mark: 'bar',
      encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    };
    expect(expectSvg(await lite.render(renderInput('vegalite', JSON.stringify(bar))))).toContain('Lite Bar');
    expect(expectSvg(await engine.render(renderInput('vega', JSON.stringify(spec))))).toContain('north');
    expect(engine.host.workerCount()).toBe(1);
    const units = ctx.manager.status().filter((u) => u.users.includes('vega') || u.users.includes('vegalite'));
    expect(units.map((u) => [u.id, u.users])).toEqual([['worker:vega', ['vega', 'vegalite']]]);
  });

  it('recovers after its worker crashes', async () => {
    await engine.host.simulateCrash();
    await new Promise((r) => setTimeout(r, 50));
    expect(ctx.restarts).toContain('vega');
    const text = expectSvg(await engine.render(renderInput('vega', JSON.stringify(spec))));
    expect(text).toContain('south');
    void EngineCrashedError;
  });
});
