/**
 * Goat's SVG as the engine serves it, in two steps on bep/goat's output:
 *
 * - **Colours.** Goat draws everything in `currentColor`. Like the goat Kroki runs
 *   (blampe/goat's `-svg-color-light-scheme` / `-svg-color-dark-scheme`, defaults #000000
 *   and #FFFFFF), a style sheet sets that colour, with a `prefers-color-scheme: dark` rule.
 * - **Text runs.** Goat writes every character as a `<text>` of its own. Neighbouring
 *   characters on a row become one `<text>` with one x position per character: each glyph
 *   is still centred on its own cell (an absolute position starts a new text chunk, and
 *   the anchor applies to each chunk), while the words become findable and selectable and
 *   the SVG several times smaller. Only characters that no font shapes together are joined
 *   (Latin, Greek, Cyrillic, CJK, digits, punctuation, symbols, one UTF-16 unit each);
 *   any other keeps its own element.
 */

export interface GoatColors {
  light?: string;
  dark?: string;
}

/** A CSS colour that cannot leave its declaration: hex forms and names only. */
export const GOAT_COLOR = /^(?:#[0-9A-Fa-f]{3,4}|#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{8}|[A-Za-z]{3,32})$/;

const TEXT = /<text text-anchor='middle' x='(-?\d+)' y='(-?\d+)' fill='currentColor' style='font-size:1em'>([^<]*)<\/text>\n?/g;
const JOINABLE =
  /^(?:&amp;|&lt;|&gt;|[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}])$/u;
/** Goat's grid: one character every 8 units. */
const CELL = 8;

function joinable(content: string): boolean {
  return JOINABLE.test(content) && content.length <= 5 && !/^\s$/.test(content) && !/\p{M}/u.test(content) && (content.startsWith('&') || content.length === 1);
}

function colorStyle(colors: GoatColors): string {
  const light = colors.light ?? '#000000';
  const dark = colors.dark ?? '#FFFFFF';
  for (const c of [light, dark]) if (!GOAT_COLOR.test(c)) throw new Error(`not a goat colour: ${JSON.stringify(c)}`);
  return `<style type="text/css">\nsvg {\n   color: ${light};\n}\n@media (prefers-color-scheme: dark) {\n   svg {\n      color: ${dark};\n   }\n}\n</style>\n`;
}

interface Glyph {
  x: number;
  y: number;
  content: string;
}

function textRuns(glyphs: Glyph[]): string {
  const sorted = [...glyphs].sort((a, b) => a.y - b.y || a.x - b.x);
  const out: string[] = [];
  let run: Glyph[] = [];
  const flush = () => {
    if (run.length === 0) return;
    const xs = run.map((g) => g.x).join(' ');
    out.push(`<text text-anchor='middle' x='${xs}' y='${run[0]!.y}' fill='currentColor' style='font-size:1em'>${run.map((g) => g.content).join('')}</text>\n`);
    run = [];
  };
  for (const g of sorted) {
    const last = run.at(-1);
    if (!joinable(g.content)) {
      flush();
      run = [g];
      flush();
    } else {
      if (last && !(last.y === g.y && g.x - last.x === CELL)) flush();
      run.push(g);
    }
  }
  flush();
  return out.join('');
}

export function goatSvg(svg: string, colors: GoatColors): string {
  const open = svg.indexOf('>', svg.indexOf('<svg'));
  if (open < 0) throw new Error('goat wrote no <svg> element');
  const glyphs: Glyph[] = [];
  let first = -1;
  const body = svg.slice(open + 1).replace(TEXT, (m: string, x: string, y: string, content: string, at: number) => {
    if (first < 0) first = at;
    glyphs.push({ x: Number(x), y: Number(y), content });
    return '';
  });
  // The text goes where goat wrote its first character: after the lines, on top of them.
  const drawn = first < 0 ? body : body.slice(0, first) + textRuns(glyphs) + body.slice(first);
  return `${svg.slice(0, open + 1)}\n${colorStyle(colors)}${drawn.replace(/^\n/, '')}`;
}
