import { afterAll, describe, expect, it } from 'vitest';
import { wavedrom } from '../../../server/engines/wavedrom/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(wavedrom);

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

describe('wavedrom engine', () => {
  it('renders signals (a JS object literal source) to SVG with their names and data', async () => {
    const src = `{ signal: [
  { name: "clk",  wave: "p......" },
  { name: "bus",  wave: "x.34.5x", data: ["head", "body", "tail"] },
  { name: "wire", wave: "0.1..0." }, // a comment
]}`;
    const text = expectSvg(await engine.render(renderInput('wavedrom', src)));
    for (const label of ['clk', 'bus', 'wire', 'head', 'body', 'tail']) expect(text).toContain(label);
  });

  it('reports a malformed source with its line and never evaluates code', async () => {
    const err = await engine
      .render(renderInput('wavedrom', '{ signal: [\n  { name: "a", wave: "01" },\n  { name: "b" wave: "10" }\n]}'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(3);
    const code = await engine.render(renderInput('wavedrom', '(function(){ throw new Error("ran") })()')).catch((e: unknown) => e);
    expect(code).toBeInstanceOf(DiagramSyntaxError);
    expect((code as Error).message).not.toMatch(/ran/);
  });

  it('measures the worker round trip (well under a millisecond of overhead per render)', async () => {
    const src = '{ signal: [{ name: "clk", wave: "p...." }] }';
    for (let i = 0; i < 20; i++) await engine.render(renderInput('wavedrom', src));
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await engine.render(renderInput('wavedrom', src));
    const perRender = (performance.now() - t0) / n;
    console.log(`wavedrom warm render incl. worker round trip: ${perRender.toFixed(3)} ms`);
    expect(perRender).toBeLessThan(5);
  });
});
