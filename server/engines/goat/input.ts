/** What goat can read whole: checked before it reads it (in the worker, so a huge source costs only that thread). */
import { BadRequestError } from '../../errors.js';

/**
 * Goat keeps a map entry per cell of its canvas (the longest line times the lines) and walks
 * it many times: 250,000 cells take ~3 s and ~240 MB of WASM memory, and it grows steeply
 * beyond. Larger diagrams are refused before they reach it.
 */
export const GOAT_MAX_CELLS = 160_000;
/** Go's line scanner stops at a longer line, silently dropping the rest of the diagram. */
export const GOAT_MAX_LINE_BYTES = 64 * 1024 - 1;

/** Refuses what goat cannot draw whole, and returns the source as goat may read it. */
export function checkedSource(source: string): string {
  const lines = source.split('\n');
  let width = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (Buffer.byteLength(line) > GOAT_MAX_LINE_BYTES)
      throw new BadRequestError(`GoAT cannot read line ${i + 1}: it is longer than ${GOAT_MAX_LINE_BYTES} bytes.`);
    // Goat counts characters (code points), and drops a line's final \r as Go's scanner does.
    let n = 0;
    for (const _ of line.replace(/\r$/, '')) n++;
    if (n > width) width = n;
  }
  const height = source.endsWith('\n') ? lines.length - 1 : lines.length;
  if (width * height > GOAT_MAX_CELLS) {
    throw new BadRequestError(
      `The GoAT diagram is too large: ${width} columns × ${height} lines = ${width * height} cells, at most ${GOAT_MAX_CELLS} (goat's time and memory grow with the area).`,
    );
  }
  // Characters XML cannot hold would make the SVG unreadable; goat draws them as text, so
  // each becomes a space (the other characters keep their columns).
  // eslint-disable-next-line no-control-regex
  return source.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ' ');
}
