/**
 * Diagram options from the three Kroki sources, merged once at the edge with Kroki's
 * precedence: query < `Kroki-Diagram-Options-*` headers < JSON `diagram_options`.
 * Keys are lower-cased; values become strings (flags are presence-based, like Kroki).
 */
import { BadRequestError } from '../errors.js';

const HEADER_PREFIX = 'kroki-diagram-options-';
const RESERVED_QUERY = new Set(['output_format', 'source_encoded']);
const MAX_OPTIONS = 64;
const MAX_VALUE_LENGTH = 1024;

export function mergeOptions(query: Record<string, unknown>, headers: Record<string, string | string[] | undefined>, json?: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (value === undefined || value === null) return;
    const v = Array.isArray(value) ? String(value[value.length - 1]) : typeof value === 'object' ? JSON.stringify(value) : String(value);
    if (v.length > MAX_VALUE_LENGTH) throw new BadRequestError(`Diagram option ${key} is longer than ${MAX_VALUE_LENGTH} characters.`);
    out[key.toLowerCase()] = v;
  };
  for (const [k, v] of Object.entries(query)) if (!RESERVED_QUERY.has(k)) put(k, v);
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase().startsWith(HEADER_PREFIX)) put(k.slice(HEADER_PREFIX.length), v);
  if (json !== undefined && json !== null) {
    if (typeof json !== 'object' || Array.isArray(json)) throw new BadRequestError('Field diagram_options must be a JSON object.');
    for (const [k, v] of Object.entries(json)) put(k, v);
  }
  if (Object.keys(out).length > MAX_OPTIONS) throw new BadRequestError(`Too many diagram options (at most ${MAX_OPTIONS}).`);
  return out;
}
