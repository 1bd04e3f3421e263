/**
 * The diagram text as the document TeX reads, and the way back from TeX's line numbers to
 * the user's.
 *
 * Kroki's contract (tikz2svg): the input is a LaTeX document; its `\documentclass` line is
 * replaced by `\documentclass[tikz,<driver>]{standalone}` (the user's class and options are
 * dropped), or that line is added when there is none. Here the class is already in the
 * preloaded format (format.ts), so the user's `\documentclass` is removed instead and a
 * first line `\endofdump` tells mylatexformat where the document starts.
 *
 * Deviation: text without `\begin{document}` (a bare tikzpicture, which Kroki refuses)
 * is wrapped: the document body starts at the first line that opens a picture
 * (`\begin{tikzpicture}`, `\tikz`), or at the first line, and ends after the last one.
 */

export interface TexDocument {
  /** What TeX reads. */
  text: string;
  /** The user's line (1-based) for a line of `text`; an added line maps to the user line before it. */
  userLine(texLine: number): number;
}

const DOCUMENTCLASS_LINE = /^\s*\\documentclass\b/;
// The command alone (Kroki's sed eats up to the line's last brace, and so whatever follows on the line).
const DOCUMENTCLASS = /\\documentclass\s*(?:\[[^\]]*\])?\s*\{[^}]*\}/;
const BEGIN_DOCUMENT = /\\begin\s*\{document\}/;
const PICTURE_START = /^\s*\\(?:begin\s*\{tikzpicture\}|tikz\b)/;

export function texDocument(source: string): TexDocument {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  // Each line TeX reads, with the user line it came from (null: added here).
  const out: Array<{ text: string; from: number | null }> = [{ text: '\\endofdump', from: null }];
  const bare = !lines.some((l) => BEGIN_DOCUMENT.test(stripComment(l)));
  let bodyAt = bare ? lines.findIndex((l) => PICTURE_START.test(l)) : -1;
  if (bare && bodyAt < 0) bodyAt = 0;
  let classDone = false;
  lines.forEach((line, i) => {
    if (i === bodyAt) out.push({ text: '\\begin{document}', from: null });
    let text = line;
    if (!classDone && DOCUMENTCLASS_LINE.test(line)) {
      text = line.replace(DOCUMENTCLASS, '');
      classDone = true;
    }
    out.push({ text, from: i + 1 });
  });
  if (bare) out.push({ text: '\\end{document}', from: null });

  const origin = out.map((l) => l.from);
  return {
    text: `${out.map((l) => l.text).join('\n')}\n`,
    userLine(texLine) {
      for (let i = Math.min(texLine, origin.length) - 1; i >= 0; i--) {
        const from = origin[i];
        if (from !== null && from !== undefined) return from;
      }
      return 1;
    },
  };
}

/** The line without a TeX comment (`%` not escaped by a backslash). */
function stripComment(line: string): string {
  const at = line.search(/(?<!\\)%/);
  return at < 0 ? line : line.slice(0, at);
}
