/**
 * Svgbob through svgbob-wasm (svgbob, the Rust crate, compiled to WASM) in a warm worker
 * thread (worker.ts). SVG natively; PNG is the render core's conversion of it. Kroki's
 * options (`background`, `fill-color`, `font-family`, `font-size`, `scale`,
 * `stroke-width`) are applied to the SVG's style sheet and size (style.ts): the WASM build
 * takes no settings.
 */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';
import type { SvgbobStyle } from './style.js';
import type { SvgbobRenderRequest } from './worker.js';

const version = packageVersion('svgbob-wasm');

/** CSS colours without anything that could end a declaration or the style element. */
const COLOUR = /^(?:[A-Za-z]{1,32}|#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})|(?:rgba?|hsla?)\([0-9., %/]{1,64}\))$/;
const COLOUR_HINT = 'a CSS colour: a name, #rgb, #rrggbb, #rrggbbaa, rgb(…) or hsl(…)';
/** Font names as CSS reads them unquoted, with fallbacks after commas. */
const FONT_FAMILY = /^[A-Za-z][A-Za-z0-9 _-]{0,63}(?:, ?[A-Za-z][A-Za-z0-9 _-]{0,63}){0,7}$/;

export const svgbob = defineEngine({
  id: 'svgbob',
  types: ['svgbob'],
  formats: ['svg'],
  conversions: { png: 'svg' },
  options: {
    named: {
      'stroke-width': { kind: 'number', above: 0, max: 100, description: 'Width of every line (default 2).' },
      'font-size': { kind: 'number', above: 0, max: 500, description: 'Size of the text in pixels (default 14).' },
      scale: { kind: 'number', above: 0, max: 100, description: 'Zooms the whole picture, text and lines included (default 1).' },
      background: { kind: 'string', pattern: COLOUR, hint: COLOUR_HINT, description: 'Colour of the backdrop (default transparent).' },
      'fill-color': {
        kind: 'string',
        pattern: COLOUR,
        hint: COLOUR_HINT,
        description: 'Colour of solid shapes such as arrow heads and filled circles (default black).',
      },
      'font-family': {
        kind: 'string',
        pattern: FONT_FAMILY,
        hint: 'font names separated by commas: letters, digits, spaces, - and _',
        description: 'Font of the text (default Iosevka Fixed, monospace).',
      },
    },
  },
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  version: (info) => (info?.svgbob ? `${version} (svgbob ${info.svgbob})` : version),
  async render(input, host) {
    const v = input.values;
    const style: SvgbobStyle = {};
    if (typeof v.background === 'string') style.background = v.background;
    if (typeof v['fill-color'] === 'string') style.fillColor = v['fill-color'];
    if (typeof v['font-family'] === 'string') style.fontFamily = v['font-family'];
    if (typeof v['font-size'] === 'number') style.fontSize = v['font-size'];
    if (typeof v['stroke-width'] === 'number') style.strokeWidth = v['stroke-width'];
    if (typeof v.scale === 'number') style.scale = v.scale;
    const request: SvgbobRenderRequest = { source: input.source, style };
    return { svg: await host.call<string>('render', request, { signal: input.signal }) };
  },
});
