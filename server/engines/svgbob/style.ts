/**
 * The style element of svgbob's SVG: Kroki's svgbob options, and the diagram's legend CSS
 * made inert.
 *
 * The WASM build takes the text only (`render(ascii)`, with svgbob's default settings),
 * but those settings reach the picture in two places alone: the style sheet svgbob writes
 * at the top (stroke width, fill colour, background, font) and the root element's size.
 * Rules with svgbob's own selectors, placed after its own, therefore give the picture the
 * svgbob program draws with `--stroke-width`, `--fill-color` and the rest. Option values
 * reach here only after the schema's patterns (no `;`, `{`, `}` or `<`).
 */
export interface SvgbobStyle {
  background?: string;
  fillColor?: string;
  fontFamily?: string;
  fontSize?: number;
  strokeWidth?: number;
  /** Zooms the whole picture: lines, text and strokes. */
  scale?: number;
}

/** The same selectors as svgbob's style sheet, in its order. */
function rules(style: SvgbobStyle): string[] {
  const out: string[] = [];
  if (style.strokeWidth !== undefined) out.push(`line, path, circle, rect, polygon{stroke-width:${style.strokeWidth};}`);
  // svgbob paints its backdrop and its "empty" shapes (the inside of open circles, the
  // masks behind rounded corners) with the background colour.
  if (style.background !== undefined)
    out.push(`rect.backdrop{fill:${style.background};}`, `.bg_filled{fill:${style.background};}`, `.nofill{fill:${style.background};}`);
  if (style.fillColor !== undefined) out.push(`.filled{fill:${style.fillColor};}`);
  const text = [
    style.fontFamily === undefined ? '' : `font-family:${style.fontFamily};`,
    style.fontSize === undefined ? '' : `font-size:${style.fontSize}px;`,
  ].join('');
  if (text) out.push(`text{${text}}`);
  return out;
}

/** The root element's `width`/`height` times `scale`, its drawing kept in a `viewBox` of the old size. */
function zoomed(svg: string, scale: number): string {
  return svg.replace(/<svg\b([^>]*)>/, (tag, attrs: string) => {
    const width = /\swidth="([\d.]+)"/.exec(attrs)?.[1];
    const height = /\sheight="([\d.]+)"/.exec(attrs)?.[1];
    if (width === undefined || height === undefined || /\sviewBox=/.test(attrs)) return tag;
    const scaled = attrs
      .replace(/\swidth="[\d.]+"/, ` width="${round(Number(width) * scale)}"`)
      .replace(/\sheight="[\d.]+"/, ` height="${round(Number(height) * scale)}"`);
    return `<svg${scaled} viewBox="0 0 ${width} ${height}">`;
  });
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * svgbob copies the CSS of a diagram's `# Legend:` section into its style element as it
 * is, so a legend could close the element and write markup (`</style><script>…`). That
 * CSS is everything between svgbob's separator comment and the style element's real end,
 * the last `</style>` (every other text of the diagram is escaped); `<`, `>` and `&` in
 * it are escaped (an XML reader hands CSS the same characters back).
 */
function escapedLegend(svg: string): string {
  const start = svg.indexOf(SEPARATOR);
  const end = svg.lastIndexOf('</style>');
  if (start < 0 || end < start) return svg;
  const from = start + SEPARATOR.length;
  const css = svg.slice(from, end).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return svg.slice(0, from) + css + svg.slice(end);
}

const SEPARATOR = '<!--separator-->';

/** svgbob's SVG with its legend made inert and the options applied. */
export function styledSvg(svg: string, style: SvgbobStyle): string {
  let out = escapedLegend(svg);
  const extra = rules(style);
  // Before the comment svgbob puts between its rules and the diagram's legend CSS: resvg
  // reads a style element's text only up to its first comment.
  if (extra.length > 0) {
    const at = out.indexOf(SEPARATOR) >= 0 ? out.indexOf(SEPARATOR) : out.indexOf('</style>');
    if (at >= 0) out = out.slice(0, at) + extra.join('') + out.slice(at);
  }
  if (style.scale !== undefined && style.scale !== 1) out = zoomed(out, style.scale);
  return out;
}
