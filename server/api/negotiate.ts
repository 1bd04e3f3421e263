/**
 * Accept-header handling: which output format a POST without one asks for, and which
 * error body a client wants. Both follow the q-values properly (highest first), which is
 * one of our documented deviations from Kroki (it prefers the lowest q for formats).
 */
import { OUTPUT_FORMATS, type OutputFormat } from '../../shared/api.js';

interface MediaRange {
  type: string;
  q: number;
  order: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [];
  return header
    .split(',')
    .map((part, order) => {
      const [type = '', ...params] = part.trim().split(';');
      let q = 1;
      for (const p of params) {
        const [k, v] = p.trim().split('=');
        if (k === 'q' && v !== undefined) q = Number.isFinite(Number(v)) ? Number(v) : 0;
      }
      return { type: type.trim().toLowerCase(), q, order };
    })
    .filter((m) => m.type !== '' && m.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
}

const MIME_TO_FORMAT: Record<string, OutputFormat> = {
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

export type FormatChoice = { format: OutputFormat } | { error: 'undefined' } | { error: 'no-match'; types: string[] };

/**
 * Kroki maps only exact MIME types; we also let `*\/*` and `image/*` pick the first format
 * the type supports, so `curl -X POST --data-binary @a.dot /graphviz` returns a picture.
 */
export function formatFromAccept(header: string | undefined, supported: readonly OutputFormat[]): FormatChoice {
  const ranges = parseAccept(header);
  if (ranges.length === 0) return { error: 'undefined' };
  for (const r of ranges) {
    const f = MIME_TO_FORMAT[r.type];
    if (f && supported.includes(f)) return { format: f };
    if (r.type === 'image/*') {
      const img = supported.find((s) => s === 'svg' || s === 'png' || s === 'jpeg');
      if (img) return { format: img };
    }
    if (r.type === '*/*' && supported[0]) return { format: supported.includes('svg') ? 'svg' : supported[0] };
  }
  return { error: 'no-match', types: ranges.map((r) => r.type) };
}

/** `jpg` is accepted for `jpeg`; format names are case-insensitive like Kroki's. */
export function normaliseFormat(raw: string): OutputFormat | null {
  const f = raw.toLowerCase();
  if (f === 'jpg') return 'jpeg';
  return (OUTPUT_FORMATS as readonly string[]).includes(f) ? (f as OutputFormat) : null;
}

export type ErrorMedia = 'html' | 'json' | 'text' | 'svg' | 'png';

/** Kroki's prefix matching for error bodies, in q order; default text/plain. */
export function errorMediaFor(header: string | undefined): ErrorMedia {
  for (const r of parseAccept(header)) {
    if (r.type.startsWith('text/html')) return 'html';
    if (r.type.startsWith('application/json')) return 'json';
    if (r.type.startsWith('text/plain')) return 'text';
    if (r.type.startsWith('image/svg+xml')) return 'svg';
    if (r.type.startsWith('image/png') || r.type.startsWith('image/*')) return 'png';
  }
  return 'text';
}
