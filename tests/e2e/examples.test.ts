/**
 * The gallery promises working examples: through a real server over HTTP, every example
 * of every type rendered here must come back as a picture that shows its labels (from the
 * catalogue in shared/examples.ts), in SVG and in PNG. Types rendered elsewhere are listed
 * as skipped with the reason: they need an upstream Kroki.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../shared/examples.js';
import { expectSvg, pngSize } from '../helpers/picture-checks.js';
import { placements, startStudio, type Studio } from './support/studio.js';

let studio: Studio;
let where: Record<string, string> = {};

beforeAll(async () => {
  studio = await startStudio();
  where = await placements(studio.url);
});
afterAll(async () => {
  await studio?.stop();
});

describe('examples gallery', () => {
  for (const example of EXAMPLES) {
    it(`${example.type} "${example.title}" renders with its labels`, async (t) => {
      if (where[example.type] !== 'local')
        return t.skip(`${example.type} is ${where[example.type] ?? 'unknown'} here (no local engine; needs an upstream Kroki)`);
      const svgResponse = await fetch(`${studio.url}${example.type}/svg`, {
        method: 'POST',
        body: example.source,
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      });
      const svg = await svgResponse.text();
      expect(svgResponse.status, svg.slice(0, 300)).toBe(200);
      const text = expectSvg(svg);
      for (const label of example.labels) expect(text, `label "${label}"`).toContain(label);

      const formats = await fetch(`${studio.url}api/engines`).then((r) => r.json() as Promise<{ types: Array<{ type: string; formats: string[] }> }>);
      if (!formats.types.find((row) => row.type === example.type)?.formats.includes('png')) return;
      const png = Buffer.from(
        await (
          await fetch(`${studio.url}${example.type}/png`, { method: 'POST', body: example.source, headers: { 'content-type': 'text/plain' } })
        ).arrayBuffer(),
      );
      const { width, height } = pngSize(png);
      expect(width * height).toBeGreaterThan(100);
    });
  }
});
