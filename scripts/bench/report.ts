/**
 * Turns results into Markdown and writes them into docs/benchmarks.md between this
 * benchmark's markers, leaving other sections of that file (e.g. the UI benchmark) alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const START_MARKER = '<!-- server-bench:start -->';
export const END_MARKER = '<!-- server-bench:end -->';

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export type Verdict = 'PASS' | 'FAIL' | 'NOT MEASURED';

export function mark(v: Verdict): string {
  return v === 'PASS' ? '✅ PASS' : v === 'FAIL' ? '❌ FAIL' : '⚠️ NOT MEASURED';
}

const FILE_HEADER = `# Benchmarks

Measured numbers for Kroki Studio. Each section says which command produced it; re-run
the command to refresh that section (it only rewrites its own part of this file).
`;

/** Replace (or add) the server section in docs/benchmarks.md. */
export function writeSection(docsFile: string, section: string): void {
  const block = `${START_MARKER}\n${section.trim()}\n${END_MARKER}`;
  mkdirSync(path.dirname(docsFile), { recursive: true });
  if (!existsSync(docsFile)) {
    writeFileSync(docsFile, `${FILE_HEADER}\n${block}\n`);
    return;
  }
  const current = readFileSync(docsFile, 'utf8');
  const start = current.indexOf(START_MARKER);
  const end = current.indexOf(END_MARKER);
  if (start >= 0 && end > start) {
    writeFileSync(docsFile, current.slice(0, start) + block + current.slice(end + END_MARKER.length));
  } else {
    writeFileSync(docsFile, `${current.trimEnd()}\n\n${block}\n`);
  }
}
