/**
 * The gallery promises working examples: through a real server over HTTP, every example
 * of every type rendered here must come back as a picture that shows its labels (from the
 * catalogue in shared/examples.ts), in SVG and in PNG. A type with a local engine must
 * render here (a missing system package fails the test, it does not skip it); a type no
 * local engine draws must answer 503 with the message that names the fix (an upstream).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../server/engines/index.js';
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

const LOCAL_TYPES = new Set(ENGINES.flatMap((engine) => engine.types));

describe('examples gallery', () => {
  for (const example of EXAMPLES.filter((e) => !LOCAL_TYPES.has(e.type))) {
    it(`${example.type} "${example.title}" has no local engine: 503 naming the upstream to set`, async () => {
      expect(where[example.type]).toBe('unavailable');
      const response = await fetch(`${studio.url}${example.type}/svg`, { method: 'POST', body: example.source, headers: { 'content-type': 'text/plain' } });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain(`No engine renders ${example.type} here`);
      expect(text).toContain('Studio has no local engine for it: ');
      expect(text).toContain('KROKI_URL');
    });
  }

  for (const example of EXAMPLES.filter((e) => LOCAL_TYPES.has(e.type))) {
    it(`${example.type} "${example.title}" renders with its labels`, async () => {
      expect(where[example.type], `${example.type} has a local engine and must render here`).toBe('local');
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
