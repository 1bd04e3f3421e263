import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MERMAID_BUNDLE_PATCHES, patchMermaidBundle } from '../../../server/engines/mermaid/bundle.js';

const require = createRequire(import.meta.url);
const bundleFile = path.join(path.dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');

describe('Mermaid bundle speed fix', () => {
  it('applies to the installed Mermaid, each replacement exactly once', () => {
    const original = readFileSync(bundleFile, 'utf8');
    const { text, patched } = patchMermaidBundle(original);
    expect(patched).toBe(true);
    for (const [from, to] of MERMAID_BUNDLE_PATCHES) {
      expect(text.split(from).length).toBe(1);
      expect(text.split(to).length).toBe(2);
    }
    // Only those spots change.
    const grown = MERMAID_BUNDLE_PATCHES.reduce((n, [from, to]) => n + to.length - from.length, 0);
    expect(text.length).toBe(original.length + grown);
  });

  it('serves an unknown bundle unchanged rather than half-patched', () => {
    const [first] = MERMAID_BUNDLE_PATCHES[0]!;
    const onlyOne = `var x=1;${first};`;
    expect(patchMermaidBundle(onlyOne)).toEqual({ text: onlyOne, patched: false });
    const twice = MERMAID_BUNDLE_PATCHES.map(([from]) => `${from};${from}`).join(';');
    expect(patchMermaidBundle(twice).patched).toBe(false);
  });
});
