/**
 * The diagram-type catalogue lives in shared/ (one copy for server, UI and CLI); this
 * module adds what only the UI needs.
 */
export {
  DIAGRAM_TYPES,
  canonicalType,
  defaultExtension,
  typeFromFileName,
  typeMeta,
  type DiagramTypeMeta,
  type EditorLanguage,
} from '../../shared/diagram-types';

/** A title for the text alternative and file names: the diagram's own title if it has one. */
export function diagramTitle(source: string): string | null {
  const patterns = [
    /^\s*title\s*:?\s*(.+)$/im, // PlantUML, Mermaid (`title` in frontmatter or diagram)
    /^\s*---\s*\n\s*title:\s*(.+)$/m,
    /^\s*(?:di)?graph\s+"?([\w .-]+?)"?\s*\{/m, // Graphviz graph name
  ];
  for (const re of patterns) {
    const m = re.exec(source);
    const title = m?.[1]?.trim();
    if (title) return title.slice(0, 80);
  }
  return null;
}
