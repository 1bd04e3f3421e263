/**
 * Turns results into Markdown and writes them into docs/benchmarks.md between this
 * benchmark's markers, leaving other sections of that file (e.g. the UI benchmark) alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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

/** Replace (or add) a section of docs/benchmarks.md: the server section unless named otherwise. */
export function writeSection(docsFile: string, section: string, name = 'server-bench'): void {
  const START_MARKER = `<!-- ${name}:start -->`;
  const END_MARKER = `<!-- ${name}:end -->`;
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

/** The table rows (not header) of a named section, as written before; [] when there is none. */
export function readSectionRows(docsFile: string, name: string): string[] {
  if (!existsSync(docsFile)) return [];
  const current = readFileSync(docsFile, 'utf8');
  const start = current.indexOf(`<!-- ${name}:start -->`);
  const end = current.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || end < start) return [];
  return current
    .slice(start, end)
    .split('\n')
    .filter((l) => /^\| \d{4}-/.test(l));
}
