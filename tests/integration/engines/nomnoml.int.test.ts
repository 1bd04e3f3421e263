import { afterAll, describe, expect, it } from 'vitest';
import { nomnoml } from '../../../server/engines/nomnoml/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(nomnoml);

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

describe('nomnoml engine', () => {
  it('renders classes and relations to SVG', async () => {
    const src = '[Pirate|eyeCount: Int|raid();pillage()]\n[Pirate]->[<abstract>Marauder]\n[Pirate]-:>[Sailor]';
    const text = expectSvg(await engine.render(renderInput('nomnoml', src)));
    for (const label of ['Pirate', 'eyeCount: Int', 'raid()', 'Marauder', 'Sailor']) expect(text).toContain(label);
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(engine.formats).toEqual(['svg', 'png']);
  });

  it('reports a parse error with its line', async () => {
    const err = await engine.render(renderInput('nomnoml', '[a]->[b]\n[b]->[c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toMatch(/Parse error at line 2/);
    expect((err as DiagramSyntaxError).line).toBe(2);
  });
});
