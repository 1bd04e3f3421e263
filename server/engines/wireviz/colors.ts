/**
 * WireViz's colours (wv_colors.py of the version Kroki runs): two-letter codes after
 * IEC 60757 with their RGB values and English and German names, the standard wire colour
 * sequences (DIN 47100, IEC 60757, 25-pair telephone, T568A/B), and the functions that
 * turn a colour string (`GNYE`, or `#rrggbb:#rrggbb`) into stripes, names or hex codes.
 *
 * Every hex value that comes out is checked digits or one of the table's values, so a
 * colour can never carry other text into a DOT or HTML attribute.
 */
import { DiagramSyntaxError } from '../../errors.js';

// prettier-ignore
const DIN_47100 = [
  'WH', 'BN', 'GN', 'YE', 'GY', 'PK', 'BU', 'RD', 'BK', 'VT', 'GYPK', 'RDBU', 'WHGN', 'BNGN', 'WHYE', 'YEBN', 'WHGY', 'GYBN', 'WHPK', 'PKBN', 'WHBU',
  'BNBU', 'WHRD', 'BNRD', 'WHBK', 'BNBK', 'GYGN', 'YEGY', 'PKGN', 'YEPK', 'GNBU', 'YEBU', 'GNRD', 'YERD', 'GNBK', 'YEBK', 'GYBU', 'PKBU', 'GYRD',
  'PKRD', 'GYBK', 'PKBK', 'BUBK', 'RDBK', 'WHBNBK', 'YEGNBK', 'GYPKBK', 'RDBUBK', 'WHGNBK', 'BNGNBK', 'WHYEBK', 'YEBNBK', 'WHGYBK', 'GYBNBK',
  'WHPKBK', 'PKBNBK', 'WHBUBK', 'BNBUBK', 'WHRDBK', 'BNRDBK',
];

/** The 25-pair code: 5 major colours (WH, RD, BK, YE, VT) by 5 minor ones (BU, OG, GN, BN, SL). */
const MAJOR = ['WH', 'RD', 'BK', 'YE', 'VT'];
const MINOR = ['BU', 'OG', 'GN', 'BN', 'SL'];
/** Ring and then tip of each pair. */
const TEL = MAJOR.flatMap((major) => MINOR.flatMap((minor) => [minor + major, major + minor]));
/** Tip and then ring of each pair; the first group's rings are plain minor colours. */
const TELALT = MAJOR.flatMap((major, i) => MINOR.flatMap((minor) => [major + minor, i === 0 ? minor : minor + major]));

export const COLOR_CODES: Readonly<Record<string, readonly string[]>> = {
  DIN: DIN_47100,
  IEC: ['BN', 'RD', 'OG', 'YE', 'GN', 'BU', 'VT', 'GY', 'WH', 'BK'],
  BW: ['BK', 'WH'],
  TEL,
  TELALT,
  T568A: ['WHGN', 'GN', 'WHOG', 'BU', 'WHBU', 'OG', 'WHBN', 'BN'],
  T568B: ['WHOG', 'OG', 'WHGN', 'BU', 'WHBU', 'GN', 'WHBN', 'BN'],
};

/** Code → [hex, English name, German abbreviation]. */
const COLORS: Readonly<Record<string, readonly [string, string, string]>> = {
  BK: ['#000000', 'black', 'sw'],
  WH: ['#ffffff', 'white', 'ws'],
  GY: ['#999999', 'grey', 'gr'],
  PK: ['#ff66cc', 'pink', 'rs'],
  RD: ['#ff0000', 'red', 'rt'],
  OG: ['#ff8000', 'orange', 'or'],
  YE: ['#ffff00', 'yellow', 'ge'],
  OL: ['#708000', 'olive green', 'ol'],
  GN: ['#00ff00', 'green', 'gn'],
  TQ: ['#00ffff', 'turquoise', 'tk'],
  LB: ['#a0dfff', 'light blue', 'hb'],
  BU: ['#0066ff', 'blue', 'bl'],
  VT: ['#8000ff', 'violet', 'vi'],
  BN: ['#895956', 'brown', 'br'],
  BG: ['#ceb673', 'beige', 'bg'],
  IV: ['#f5f0d0', 'ivory', 'eb'],
  SL: ['#708090', 'slate', 'si'],
  CU: ['#d6775e', 'copper', 'ku'],
  SN: ['#aaaaaa', 'tin', 'vz'],
  SR: ['#84878c', 'silver', 'ag'],
  GD: ['#ffcf80', 'gold', 'au'],
};

export const COLOR_DEFAULT = '#ffffff';
const HEX_COLOR = /^#[0-9a-fA-F]*$/;

/** Whether `code` is one of the two-letter colours (a pin colour must be, to get a swatch). */
export function isColorCode(code: string): boolean {
  return Object.hasOwn(COLORS, code);
}

/** Stripes of a colour string, as hex: names two letters at a time, or `:`-separated hex. */
export function colorHex(input: string | null | undefined, pad = false): string[] {
  let output: string[];
  if (!input) output = [COLOR_DEFAULT];
  else if (input.startsWith('#')) output = input.split(':').map((c) => (c.startsWith('#') && HEX_COLOR.test(c) ? c : COLOR_DEFAULT));
  else {
    output = [];
    for (let i = 0; i < input.length; i += 2) output.push(COLORS[input.slice(i, i + 2)]?.[0] ?? COLOR_DEFAULT);
  }
  // Exactly two colours get the striped look (a, b, a); with `pad`, single colours triple up so all wires are as thick.
  if (output.length === 2) output.push(output[0]!);
  else if (pad && output.length === 1) output = [output[0]!, output[0]!, output[0]!];
  return output;
}

function translation(which: 1 | 2, input: string): string[] {
  if (input.startsWith('#'))
    return input
      .toLowerCase()
      .split(':')
      .map((hex) => {
        const known = Object.values(COLORS).find((c) => c[0] === hex);
        if (known) return known[which];
        return `(${[1, 3, 5].map((i) => String(parseInt(hex.slice(i, i + 2), 16))).join(',')})`;
      });
  const out: string[] = [];
  for (let i = 0; i < input.length; i += 2) out.push(COLORS[input.slice(i, i + 2)]?.[which] ?? '??');
  return out;
}

/** A colour string in a colour mode (`SHORT`, `full`, `HEX`, `ger`…; the case of the mode is the case of the output). */
export function translateColor(input: string | null | undefined, colorMode: string): string {
  if (!input) return '';
  const upper = colorMode === colorMode.toUpperCase() && colorMode !== colorMode.toLowerCase();
  const lower = colorMode === colorMode.toLowerCase() && colorMode !== colorMode.toUpperCase();
  if (!upper && !lower) throw new DiagramSyntaxError(`Unknown color mode capitalization: ${colorMode}`);
  let output: string;
  switch (colorMode.toLowerCase()) {
    case 'full':
      output = translation(1, input).join('/');
      break;
    case 'hex':
      output = colorHex(input).join(':');
      break;
    case 'ger':
      output = translation(2, input).join('');
      break;
    case 'short':
      output = input;
      break;
    default:
      throw new DiagramSyntaxError(`Unknown color mode: ${colorMode} (WireViz knows full, hex, ger and short)`);
  }
  return upper ? output.toUpperCase() : output.toLowerCase();
}
