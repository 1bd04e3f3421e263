/**
 * GoAT (Go ASCII Tool): ASCII art to SVG by bep/goat, the Go library Debian packages as
 * golang-github-bep-goat-dev, compiled to WASM by the build (scripts/build-goat.mjs) and
 * run in a warm worker (worker.ts). Kroki runs the goat program of blampe/goat, the
 * library's original, from which bep/goat was forked (see docs/engines.md for what
 * differs). SVG natively; PNG is the render core's conversion of it.
 *
 * Options as Kroki's: `svg-color-light-scheme` and `svg-color-dark-scheme` (the drawing
 * colour for light and dark viewers) and `utf8`, accepted but without effect: bep/goat
 * has no mode that draws Unicode box-drawing characters as lines.
 */
import { existsSync } from 'node:fs';
import type { StringOption } from '../spec.js';
import { defineEngine } from '../spec.js';
import { GOAT_WASM, GOAT_WASM_EXEC } from './files.js';
import { GOAT_MAX_CELLS, GOAT_MAX_LINE_BYTES } from './input.js';
import { GOAT_COLOR, type GoatColors } from './svg.js';

const COLOR: Omit<StringOption, 'description'> = {
  kind: 'string',
  pattern: GOAT_COLOR,
  hint: 'a colour: #rgb, #rgba, #rrggbb, #rrggbbaa or a CSS colour name',
};

export const goat = defineEngine({
  id: 'goat',
  types: ['goat'],
  formats: ['svg'],
  conversions: { png: 'svg' },
  options: {
    named: {
      'svg-color-light-scheme': { ...COLOR, description: 'Colour of lines and text for viewers in a light colour scheme (default #000000).' },
      'svg-color-dark-scheme': { ...COLOR, description: 'Colour of lines and text for viewers that prefer a dark colour scheme (default #FFFFFF).' },
      utf8: { kind: 'flag', description: 'Accepted for Kroki compatibility; changes nothing (bep/goat draws Unicode box-drawing characters as text).' },
    },
  },
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  version: (info) => info?.version ?? 'unknown (not started)',
  unavailable() {
    if (!existsSync(GOAT_WASM) || !existsSync(GOAT_WASM_EXEC)) {
      return `The goat WASM program is not built (${GOAT_WASM}): install Go and bep/goat (Debian: apt-get install golang-go golang-github-bep-goat-dev), then npm run build:server.`;
    }
    return null;
  },
  // A cheap bound before the worker counts cells: a source longer than this cannot fit them.
  maxSourceLength: () => GOAT_MAX_CELLS * 2 + GOAT_MAX_LINE_BYTES,
  async render(input, host) {
    const colors: GoatColors = {};
    if (typeof input.values['svg-color-light-scheme'] === 'string') colors.light = input.values['svg-color-light-scheme'];
    if (typeof input.values['svg-color-dark-scheme'] === 'string') colors.dark = input.values['svg-color-dark-scheme'];
    return { svg: await host.call<string>('render', { source: input.source, colors }, { signal: input.signal }) };
  },
});
