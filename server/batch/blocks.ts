/**
 * Diagram blocks inside Markdown and AsciiDoc documents, found the way the Kroki plugins
 * for those formats find them: Markdown fences whose language is a diagram type
 * (```` ```mermaid ````, ```` ```plantuml ````) or `kroki-<type>` (MkDocs' and
 * markdown-it's Kroki plugins), and AsciiDoc blocks whose first positional attribute is
 * a diagram type (`[plantuml]`, `[mermaid, target=x, format=svg]`) on a `----` or `....`
 * block, as asciidoctor-diagram and asciidoctor-kroki read them. Pure: text in, blocks out.
 */
import { canonicalType, findType } from '../../shared/diagram-types.js';

export interface DiagramBlock {
  /** Canonical Kroki type. */
  type: string;
  source: string;
  /** 1-based line of the block's first source line in the document. */
  line: number;
}

export type DocumentKind = 'markdown' | 'asciidoc';

const MARKDOWN = ['.md', '.markdown', '.mdown', '.mkd'];
const ASCIIDOC = ['.adoc', '.asciidoc', '.asc', '.ad'];

export function documentKind(fileName: string): DocumentKind | null {
  const lower = fileName.toLowerCase();
  if (MARKDOWN.some((ext) => lower.endsWith(ext))) return 'markdown';
  if (ASCIIDOC.some((ext) => lower.endsWith(ext))) return 'asciidoc';
  return null;
}

/** `kroki-<type>` or a type name or alias of the catalogue; null for any other language. */
function diagramLanguage(word: string): string | null {
  const name = word.toLowerCase().replace(/^kroki-/, '');
  return findType(name) ? canonicalType(name) : null;
}

export function extractBlocks(kind: DocumentKind, text: string): DiagramBlock[] {
  const lines = text.split(/\r?\n/);
  return kind === 'markdown' ? markdownBlocks(lines) : asciidocBlocks(lines);
}

function markdownBlocks(lines: string[]): DiagramBlock[] {
  const blocks: DiagramBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( {0,3})(`{3,}|~{3,})\s*([^\s`{]+)?/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence] = open;
    // A fence closes on the same character, at least as long, with nothing after it.
    const closing = new RegExp(`^ {0,3}${fence![0] === '`' ? '`' : '~'}{${fence!.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !closing.test(lines[end]!)) end++;
    const type = open[3] ? diagramLanguage(open[3]) : null;
    if (type) {
      // Content lines lose up to the opening fence's indentation, as CommonMark says.
      const body = lines.slice(i + 1, end).map((l) => l.replace(new RegExp(`^ {0,${indent!.length}}`), ''));
      blocks.push({ type, source: body.join('\n') + '\n', line: i + 2 });
    }
    i = end;
  }
  return blocks;
}

function asciidocBlocks(lines: string[]): DiagramBlock[] {
  const blocks: DiagramBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const attrs = /^\[([^\]]*)\]\s*$/.exec(lines[i]!);
    if (!attrs) continue;
    const first = attrs[1]!.split(',')[0]!.trim();
    const type = first && !first.includes('=') ? diagramLanguage(first) : null;
    if (!type) continue;
    // Block titles (.Title) and more attribute lines may sit between the attributes and the block.
    let open = i + 1;
    while (open < lines.length && /^(\.[^.\s]|\[.*\]\s*$)/.test(lines[open]!)) open++;
    const delimiter = /^(-{4,}|\.{4,})\s*$/.exec(lines[open] ?? '')?.[1];
    if (!delimiter) continue;
    let end = open + 1;
    while (end < lines.length && lines[end]!.trimEnd() !== delimiter) end++;
    blocks.push({ type, source: lines.slice(open + 1, end).join('\n') + '\n', line: open + 2 });
    i = end;
  }
  return blocks;
}
