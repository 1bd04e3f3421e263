/**
 * Text from a diagram written into Graphviz DOT that Studio generates (erd, WireViz): as
 * HTML-like label text, as a DOT ID, as an attribute value. Whatever the text, it stays
 * text: it can neither close the label nor the quoted string it is in.
 */

/** Escaped for HTML-like label text and attribute values (Graphviz reads entities in both); line ends become spaces. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\r\n?|\n/g, ' ');
}

const DOT_ID = /^(?:[a-zA-Z_][a-zA-Z0-9_]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))$/;
const DOT_KEYWORDS = new Set(['node', 'edge', 'graph', 'digraph', 'subgraph', 'strict']);

/**
 * A DOT ID or attribute value, bare where DOT allows it (as Python's graphviz package
 * writes them), else double-quoted. Inside quotes only `\"` is an escape, so quotes are
 * escaped, and a trailing backslash (which would escape the closing quote) is kept apart
 * from it by a space.
 */
export function dotId(text: string): string {
  if (DOT_ID.test(text) && !DOT_KEYWORDS.has(text.toLowerCase())) return text;
  return `"${text.replace(/"/g, '\\"')}${text.endsWith('\\') ? ' ' : ''}"`;
}
