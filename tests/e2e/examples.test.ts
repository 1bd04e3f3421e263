/**
 * Every gallery example for a type this server renders locally must render: the
 * gallery promises working examples. Types placed upstream/unavailable are listed in
 * the output; they need a Kroki upstream to check.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../shared/examples.js';
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

/** A word from each example that the picture must show. */
const EXPECTED_TEXT: Record<string, string> = {
  graphviz: 'Engine',
  plantuml: 'Studio',
  c4plantuml: 'Author',
  mermaid: 'Export',
  nomnoml: 'Server',
  vega: '<path',
  vegalite: 'engine',
  wavedrom: 'clk',
  bytefield: 'Address',
  ditaa: 'Editor',
};

describe('examples gallery', () => {
  it('renders every example of every locally rendered type', async () => {
    const local = [...new Set(EXAMPLES.map((e) => e.type))].filter((t) => where[t] === 'local');
    expect(local).toEqual(expect.arrayContaining(['graphviz', 'plantuml', 'mermaid']));
    const failures: string[] = [];
    for (const example of EXAMPLES.filter((e) => local.includes(e.type))) {
      const response = await fetch(`${studio.url}${example.type}/svg`, {
        method: 'POST',
        body: example.source,
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      });
      const body = await response.text();
      if (response.status !== 200 || !body.includes('<svg')) {
        failures.push(`${example.type} "${example.title}": ${response.status} ${body.slice(0, 200)}`);
        continue;
      }
      const word = EXPECTED_TEXT[example.type];
      // Ditaa draws text as paths only in some versions; check the others' labels.
      if (word && example.type !== 'ditaa' && example === EXAMPLES.find((e) => e.type === example.type) && !body.includes(word)) {
        failures.push(`${example.type} "${example.title}": SVG lacks "${word}"`);
      }
    }
    console.info(
      `checked locally: ${local.join(', ')}; not checked (no local engine): ${[...new Set(EXAMPLES.map((e) => e.type))].filter((t) => !local.includes(t)).join(', ')}`,
    );
    expect(failures).toEqual([]);
  });
});
