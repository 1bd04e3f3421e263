/**
 * Minimal PDF text extraction for tests: inflates every stream, reads the ToUnicode
 * CMaps Chromium (Skia) writes for its CID fonts, and decodes the hex strings shown
 * with Tj/TJ. Good enough to prove a label was written as real text, not pixels.
 */
import { inflateSync } from 'node:zlib';

function streams(pdf: Buffer): string[] {
  const out: string[] = [];
  const bin = pdf.toString('latin1');
  const re = /stream\r?\n/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(bin))) {
    const start = m.index + m[0].length;
    const end = bin.indexOf('endstream', start);
    if (end < 0) break;
    const raw = pdf.subarray(start, end);
    try {
      out.push(inflateSync(raw).toString('latin1'));
    } catch {
      out.push(raw.toString('latin1'));
    }
    re.lastIndex = end + 'endstream'.length;
  }
  return out;
}

function parseCMap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexToString = (hex: string) => {
    let s = '';
    for (let i = 0; i + 4 <= hex.length; i += 4) s += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
    return s;
  };
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, src, dst] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(src!, 16), hexToString(dst!));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, hi, dst] of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) {
      const base = parseInt(dst!, 16);
      for (let c = parseInt(lo!, 16), i = 0; c <= parseInt(hi!, 16); c++, i++) map.set(c, String.fromCharCode(base + i));
    }
  }
  return map;
}

/** All text the PDF shows, decoded once per font CMap found (one line per CMap). */
export function pdfText(pdf: Buffer): string {
  const all = streams(pdf);
  const cmaps = all.filter((s) => s.includes('begincmap')).map(parseCMap);
  const shown = all.filter((s) => /T[jJ]/.test(s) && !s.includes('begincmap')).flatMap((s) => [...s.matchAll(/<([0-9a-fA-F]+)>/g)].map((m) => m[1]!));
  return cmaps
    .map((cmap) =>
      shown
        .map((hex) => {
          let s = '';
          for (let i = 0; i + 4 <= hex.length; i += 4) s += cmap.get(parseInt(hex.slice(i, i + 4), 16)) ?? '';
          return s;
        })
        .join(''),
    )
    .join('\n');
}
