import { afterAll, describe, expect, it } from 'vitest';
import { bytefield } from '../../../server/engines/bytefield/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(bytefield);

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

describe('bytefield engine', () => {
  it('renders boxes and gaps to SVG with their labels', async () => {
    const src = '(draw-column-headers)\n(draw-box "Magic" {:span 4})\n(draw-box "Length" {:span 2})\n(draw-gap "Payload bytes")\n(draw-bottom)';
    const text = expectSvg(await engine.render(renderInput('bytefield', src)));
    for (const label of ['Magic', 'Length', 'Payload bytes']) expect(text).toContain(label);
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('reports an unknown function with its line', async () => {
    const err = await engine.render(renderInput('bytefield', '(draw-column-headers)\n(draw-box "a")\n(draw-boks "b")')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toMatch(/draw-boks/);
    expect((err as DiagramSyntaxError).line).toBe(3);
  });
});
