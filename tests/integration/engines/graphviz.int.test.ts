import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphviz } from '../../../server/engines/graphviz/index.js';
import type { WorkerHost } from '../../../server/runtimes/worker-host.js';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, jpegSize, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(graphviz) as ReturnType<typeof ctx.engine> & { host: WorkerHost };

/** 20 nodes in a ring with chords: the baseline's "small" digraph. */
const small = (() => {
  const lines = ['digraph G {'];
  for (let i = 0; i < 20; i++) lines.push(`  node${i} -> node${(i + 1) % 20};`, `  node${i} -> node${(i * 7 + 3) % 20};`);
  lines.push('}');
  return lines.join('\n');
})();

/** Dense enough that dot's crossing minimisation runs for minutes. */
const pathological = (() => {
  const parts = ['digraph P {'];
  const n = 150;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j += 3) parts.push(`a${i}->a${(j * 13 + i) % n};`);
  parts.push('}');
  return parts.join('');
})();

beforeAll(async () => {
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

describe('graphviz engine', () => {
  it('declares Kroki’s names, formats and the library version', () => {
    expect(engine.types).toEqual(['graphviz', 'dot']);
    expect(engine.formats).toEqual(['png', 'svg', 'jpeg', 'pdf']);
    expect(engine.state()).toBe('ready');
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('renders a 20-node digraph to SVG with every node label', async () => {
    const text = expectSvg(await engine.render(renderInput('graphviz', small)));
    for (let i = 0; i < 20; i++) expect(text).toContain(`node${i}`);
  });

  it('renders PNG and JPEG, and scale enlarges them', async () => {
    const png1 = pngSize(await engine.render(renderInput('dot', small, 'png')));
    const png2 = pngSize(await engine.render(renderInput('dot', small, 'png', { options: { scale: '2' } })));
    expect(png1.width).toBeGreaterThan(50);
    expect(png1.height).toBeGreaterThan(200);
    expect(png2.width).toBeGreaterThanOrEqual(png1.width * 2 - 1);
    expect(png2.height).toBeGreaterThanOrEqual(png1.height * 2 - 1);
    const jpg = jpegSize(await engine.render(renderInput('graphviz', small, 'jpeg')));
    expect(jpg).toEqual(png1);
  });

  it('renders PDF through the shared browser', async () => {
    const pdf = await engine.render(renderInput('graphviz', small, 'pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('applies layout and default attributes; the source still overrides them', async () => {
    const src = 'digraph {\n  a [color=blue];\n  a -> b;\n}';
    const svg = (
      await engine.render(
        renderInput('graphviz', src, 'svg', {
          options: { layout: 'circo', 'node-attribute-color': 'red', 'node-attribute-shape': 'box', 'graph-attribute-bgcolor': 'yellow' },
        }),
      )
    ).toString();
    expectSvg(svg);
    expect(svg).toMatch(/fill="yellow"/);
    expect(svg).toMatch(/<polygon fill="none" stroke="blue"/); // a: box, blue from the source
    expect(svg).toMatch(/<polygon fill="none" stroke="red"/); // b: box, red from the option
    await expect(engine.render(renderInput('graphviz', src, 'svg', { options: { layout: 'nope' } }))).rejects.toThrow(
      /option layout: "nope". Must be one of dot, neato/,
    );
    await expect(engine.render(renderInput('graphviz', src, 'svg', { options: { layout: 'nope' } }))).rejects.toBeInstanceOf(BadRequestError);
  });

  it('reports a syntax error with its line', async () => {
    const err = await engine.render(renderInput('graphviz', 'digraph {\n  a -> b;\n  b -> -> c;\n}')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).message).toMatch(/syntax error in line 3/);
    expect((err as DiagramSyntaxError).line).toBe(3);
    // line numbers stay true when default attributes are injected
    const err2 = await engine
      .render(renderInput('graphviz', 'digraph {\n  a -> b;\n  b -> -> c;\n}', 'svg', { options: { 'node-attribute-color': 'red' } }))
      .catch((e: unknown) => e);
    expect((err2 as DiagramSyntaxError).line).toBe(3);
    // and the engine still works afterwards
    expectSvg(await engine.render(renderInput('graphviz', 'digraph { ok1 -> ok2 }')));
  });

  it('stops a render that runs past its time limit, and the next render works', async () => {
    const restartsBefore = ctx.restarts.length;
    const t0 = Date.now();
    const err = await engine.render(renderInput('graphviz', pathological, 'svg', { signal: AbortSignal.timeout(800) })).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((err as Error).name).toBe('TimeoutError');
    expect(ctx.restarts.length).toBe(restartsBefore + 1);
    const text = expectSvg(await engine.render(renderInput('graphviz', 'digraph { after -> timeout }')));
    expect(text).toContain('after');
  });

  it('recovers from a worker crash: the running render fails, the next one works', async () => {
    const running = engine.render(renderInput('graphviz', pathological, 'svg', { signal: AbortSignal.timeout(20_000) }));
    await new Promise((r) => setTimeout(r, 200));
    await engine.host.simulateCrash();
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCrashedError);
    expect(ctx.restarts).toContain('graphviz');
    const text = expectSvg(await engine.render(renderInput('graphviz', 'digraph { after -> crash }')));
    expect(text).toContain('crash');
  });

  it("reports its workers' own memory for the budget (the WASM memory and heap), nothing once stopped", async () => {
    await engine.render(renderInput('graphviz', small));
    const held = engine.host.memoryBytes();
    // Graphviz's WASM memory alone is several MB; a worker's empty heap is ~1 MB.
    expect(held).toBeGreaterThan(8 * 1024 * 1024);
    expect(held).toBeLessThan(1024 * 1024 * 1024);
    await engine.stop();
    expect(engine.host.memoryBytes()).toBe(0);
    await engine.start();
    expect(engine.host.memoryBytes()).toBeGreaterThan(8 * 1024 * 1024);
  });

  it('keeps the event loop free while rendering (work runs in worker threads)', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const err = await engine.render(renderInput('graphviz', pathological, 'svg', { signal: AbortSignal.timeout(500) })).catch((e: unknown) => e);
    clearInterval(timer);
    expect((err as Error).name).toBe('TimeoutError');
    expect(ticks).toBeGreaterThan(20);
  });
});
