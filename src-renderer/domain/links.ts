/**
 * The shareable forms of a diagram: Kroki GET image URL, Studio edit link, Markdown
 * snippet, and the POST form for sources too long for a GET URL.
 */
import type { OutputFormat } from '../../shared/api';

export interface DiagramLinks {
  imageUrl: string;
  editUrl: string;
  markdown: string;
  /** Length of the request line `GET <path> HTTP/1.1`, which Kroki's URI limit applies to. */
  requestLineLength: number;
  tooLong: boolean;
  postCommand: string;
}

/** Kroki counts the whole initial line; its overhead is `GET ` + ` HTTP/1.1`. */
const REQUEST_LINE_OVERHEAD = 'GET '.length + ' HTTP/1.1'.length;

export function buildLinks(options: {
  baseUrl: string;
  type: string;
  format: OutputFormat;
  encoded: string;
  title: string;
  maxUriLength: number;
}): DiagramLinks {
  const { baseUrl, type, format, encoded, title, maxUriLength } = options;
  const imageUrl = `${baseUrl}${type}/${format}/${encoded}`;
  const editUrl = `${baseUrl}#/${type}/${encoded}`;
  const path = new URL(imageUrl).pathname;
  const requestLineLength = path.length + REQUEST_LINE_OVERHEAD;
  const alt = title.replace(/[[\]]/g, '');
  return {
    imageUrl,
    editUrl,
    markdown: `[![${alt}](${imageUrl})](${editUrl})`,
    requestLineLength,
    tooLong: requestLineLength > maxUriLength,
    postCommand: `curl -X POST -H 'Content-Type: text/plain' --data-binary @diagram.txt ${baseUrl}${type}/${format}`,
  };
}

/** Parses an edit link hash `#/<type>/<encoded>`; returns null for anything else. */
export function parseEditHash(hash: string): { type: string; encoded: string } | null {
  const m = /^#\/([a-z0-9]+)\/([A-Za-z0-9_\-+/=]+)$/.exec(hash.trim());
  if (!m || !m[1] || !m[2]) return null;
  return { type: m[1], encoded: m[2] };
}
