/**
 * PlantUML `!include` of local files, resolved on the desktop before the source goes to
 * the server, so the server can stay in `secure` mode (no file reads) and still draw a
 * document that includes its neighbours. Only files inside the document's folder, or the
 * include root the user set, are read (after resolving symbolic links); standard-library
 * includes (`!include <C4/C4_Container>`) and URLs are left for the server to judge.
 *
 * Handles `!include`, `!include_once`, `!include_many`, `!includesub file!NAME` and the
 * `file!N` / `file!id` block selectors. A path built from preprocessor variables cannot be
 * known here and is left as written.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export class IncludeError extends Error {
  constructor(
    message: string,
    /** 1-based line of the document that holds the failing include. */
    readonly line: number,
  ) {
    super(message);
    this.name = 'IncludeError';
  }
}

export interface ResolvedSource {
  source: string;
  /** For each line of `source`, the line of the document it came from (an include's lines map to its directive). */
  lineMap: number[];
  /** The files read, in order. */
  files: string[];
}

export interface IncludeOptions {
  /** The document's own file; null for a document never saved. */
  documentPath: string | null;
  /** Files may come from under this folder; default: the document's folder. */
  root?: string | null;
  maxDepth?: number;
  /** Total bytes read from included files. */
  maxBytes?: number;
}

const DIRECTIVE = /^\s*!(include|include_once|include_many|includesub)\s+(.+?)\s*$/i;

/** Whether a type's source is PlantUML text (the types whose includes are ours to resolve). */
export const PLANTUML_TYPES = new Set(['plantuml', 'c4plantuml']);

function isLocal(target: string): boolean {
  return !/^<.*>$/.test(target) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(target) && !/[%$]/.test(target);
}

/** `file!selector` → file and selector; a Windows drive colon is not a selector. */
function splitSelector(target: string): { file: string; selector: string | null } {
  const bang = target.lastIndexOf('!');
  if (bang <= 0) return { file: target, selector: null };
  return { file: target.slice(0, bang), selector: target.slice(bang + 1) };
}

/** The part of an included file PlantUML uses: a @start…@end block (the first, the Nth or the one with that id), else everything. */
export function selectBlock(text: string, selector: string | null, sub: boolean): string | null {
  const lines = text.split(/\r?\n/);
  if (sub) {
    const start = lines.findIndex((l) => new RegExp(`^\\s*!startsub\\s+${escape(selector ?? '')}\\s*$`, 'i').test(l));
    if (start < 0) return null;
    const end = lines.findIndex((l, i) => i > start && /^\s*!endsub\b/i.test(l));
    return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  }
  const blocks: { id: string | null; body: string[] }[] = [];
  let current: { id: string | null; body: string[] } | null = null;
  for (const line of lines) {
    const open = /^\s*@start\w+(?:\s*\(id=([^)]+)\))?/i.exec(line);
    if (open && !current) {
      current = { id: open[1]?.trim() ?? null, body: [] };
      continue;
    }
    if (current && /^\s*@end\w+/i.test(line)) {
      blocks.push(current);
      current = null;
      continue;
    }
    current?.body.push(line);
  }
  if (blocks.length === 0) return selector === null || selector === '0' ? text.replace(/\r?\n$/, '') : null;
  if (selector === null) return blocks[0]!.body.join('\n');
  const block = /^\d+$/.test(selector) ? blocks[Number(selector)] : blocks.find((b) => b.id === selector);
  return block ? block.body.join('\n') : null;
}

const sizeText = (n: number) => (n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`);

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const inside = (root: string, file: string) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** Inlines the local includes of a PlantUML document. */
export async function resolveIncludes(source: string, options: IncludeOptions): Promise<ResolvedSource> {
  const maxDepth = options.maxDepth ?? 16;
  const maxBytes = options.maxBytes ?? 5 * 1024 * 1024;
  let bytes = 0;
  const once = new Set<string>();
  const files: string[] = [];
  const docDir = options.documentPath ? path.dirname(path.resolve(options.documentPath)) : null;
  const rootGiven = options.root ?? docDir;
  let root: string | null = null;

  const expand = async (text: string, dir: string | null, stack: string[], docLine: (i: number) => number): Promise<{ lines: string[]; map: number[] }> => {
    const out: string[] = [];
    const map: number[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const m = DIRECTIVE.exec(line);
      const target = m ? m[2]!.replace(/^"(.*)"$/, '$1') : null;
      if (!m || !target || !isLocal(target)) {
        out.push(line);
        map.push(docLine(i));
        continue;
      }
      const kind = m[1]!.toLowerCase();
      const at = docLine(i);
      const { file, selector } = splitSelector(target);
      if (!dir || !rootGiven) throw new IncludeError(`!${kind} ${target}: save the document first; local includes are read relative to its file`, at);
      root ??= await realpath(rootGiven).catch(() => path.resolve(rootGiven));
      const wanted = path.resolve(dir, file);
      let real: string;
      try {
        real = await realpath(wanted);
      } catch {
        throw new IncludeError(`!${kind} ${target}: no such file (${wanted})`, at);
      }
      if (!inside(root, real)) {
        throw new IncludeError(
          `!${kind} ${target}: ${real} is outside ${root}; only files in the document's folder (or the include folder set in Settings) can be included`,
          at,
        );
      }
      if ((await stat(real)).isDirectory()) throw new IncludeError(`!${kind} ${target}: ${real} is a folder`, at);
      const key = `${real}!${selector ?? ''}!${kind === 'includesub'}`;
      if (stack.includes(real)) throw new IncludeError(`!${kind} ${target}: include cycle (${[...stack, real].map((f) => path.basename(f)).join(' → ')})`, at);
      if (kind === 'include_once' && once.has(key)) continue;
      once.add(key);
      if (stack.length >= maxDepth) throw new IncludeError(`!${kind} ${target}: includes nested deeper than ${maxDepth}`, at);
      const content = await readFile(real, 'utf8');
      bytes += Buffer.byteLength(content);
      if (bytes > maxBytes) throw new IncludeError(`!${kind} ${target}: the included files exceed ${sizeText(maxBytes)} together`, at);
      files.push(real);
      const part = selectBlock(content, selector, kind === 'includesub');
      if (part === null)
        throw new IncludeError(`!${kind} ${target}: ${selector === null ? 'no such part' : `no block "${selector}"`} in ${path.basename(real)}`, at);
      const inner = await expand(part, path.dirname(real), [...stack, real], () => at);
      out.push(...inner.lines);
      map.push(...inner.map);
    }
    return { lines: out, map };
  };

  const start = options.documentPath ? [await realpath(options.documentPath).catch(() => path.resolve(options.documentPath!))] : [];
  const { lines, map } = await expand(source, docDir, start, (i) => i + 1);
  return { source: lines.join('\n'), lineMap: map, files };
}
