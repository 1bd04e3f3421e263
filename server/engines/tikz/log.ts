/**
 * TeX's error, read from its log: the message (the `! ...` line; TeX runs with
 * -file-line-error, so the log names the file and line instead of the `!`), the context
 * TeX shows (`l.N` and the text up to the error) and the line in the user's source.
 */

export interface TexError {
  message: string;
  /** The user's line, when the error happened in the diagram itself (not inside a package). */
  line?: number;
}

const FILE_LINE = /^(.+?\.\w+):(\d+): (.+)$/;
const BANG = /^!\s*(.+)$/;
const CONTEXT_LINE = /^l\.(\d+)( ?)(.*)$/;
const REFUSED = /Not (?:reading from|writing to) (.+?) \((?:openin|openout)_any = p\)/g;

/**
 * The first error in the log, or null when there is none. `ownFile` is the diagram's file
 * name as TeX prints it (`./diagram.tex`); `userLine` maps its lines to the user's.
 */
export function texError(log: string, ownFile: string, userLine: (texLine: number) => number, stderr = ''): TexError | null {
  const lines = log.split(/\r?\n/);
  const first = lines.findIndex((l) => FILE_LINE.test(l) || BANG.test(l));
  if (first < 0) return null;
  let head = FILE_LINE.exec(lines[first]!)?.[3] ?? BANG.exec(lines[first]!)![1]!;
  // A message broken with \MessageBreak goes on in indented lines (`(pgfkeys)   …` for a package's).
  for (let i = first + 1; i < Math.min(lines.length, first + 8); i++) {
    const more = /^(?:\([\w@-]+\))?\s+(\S.*)$/.exec(lines[i]!);
    if (!more) break;
    head += ` ${more[1]!.trimEnd()}`;
  }
  const message = [`! ${head}`];

  // Where it happened: the error's own `file:line:` prefix, or that of the stop it led to
  // (LaTeX asks for another file name, and the answer it cannot read stops TeX there).
  let at = first;
  for (let i = first; i < Math.min(lines.length, first + 12); i++) {
    if (FILE_LINE.test(lines[i]!)) {
      at = i;
      break;
    }
  }
  const located = FILE_LINE.exec(lines[at]!);
  const own = located !== null && sameFile(located[1]!, ownFile);
  const line = own ? userLine(Number(located[2])) : undefined;

  // TeX's context: `l.N` and the text read up to the error, then the rest of that line.
  for (let i = at + 1; i < Math.min(lines.length, at + 30); i++) {
    const context = CONTEXT_LINE.exec(lines[i]!);
    if (!context) continue;
    message.push(`l.${own ? userLine(Number(context[1])) : context[1]}${context[2]}${context[3]}`);
    const rest = lines[i + 1];
    if (rest !== undefined && rest.trim() !== '') message.push(rest.trimEnd());
    break;
  }

  // kpathsea says what it refused on the terminal, not in the log.
  const refused = new Set([...`${log}\n${stderr}`.matchAll(REFUSED)].map((m) => m[1]!));
  if (refused.size > 0) message.push(`Secure mode: TeX may not open ${[...refused].join(', ')} (files outside its own tree and the diagram's folder).`);
  return line === undefined ? { message: message.join('\n') } : { message: message.join('\n'), line };
}

function sameFile(logged: string, own: string): boolean {
  const strip = (f: string) => f.replace(/^\.\//, '');
  return strip(logged) === strip(own);
}
