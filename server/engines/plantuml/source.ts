/**
 * PlantUML source helpers shared by the plantuml, c4plantuml and ditaa engines and by the
 * GET decode layer: PlantUML's own URL encodings, Kroki's include sanitizer (kroki-api.md
 * §8.5), the strict `theme` option, and delimiter wrapping that remembers how to map
 * PlantUML's error positions back to the user's lines.
 */
import { inflateRawSync, inflateSync } from 'node:zlib';
import type { SafeMode } from '../../../shared/api.js';
import { BadRequestError, StudioError } from '../../errors.js';

// ---------------------------------------------------------------------------
// GET decoding
// ---------------------------------------------------------------------------

/** Kroki's decoder messages (kroki-api.md §2), kept verbatim for client compatibility. */
export const DECODE_MESSAGES = {
  empty: 'Unable to decode the source. Source must not be null or empty.',
  base64: 'Unable to decode the source. The source is not in valid Base64 scheme.',
  zlib: 'Unable to decode the source.',
} as const;

/** PlantUML's 6-bit alphabet: digits, upper, lower, '-', '_' (not RFC 4648's order). */
const PLANTUML_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_';
const PLANTUML_VALUE = new Map([...PLANTUML_ALPHABET].map((c, i) => [c, i]));

const DEFAULT_MAX_BYTES = 1024 * 1024;

/** Thrown inside the PlantUML transcoder so the caller can fall back to Kroki's encoding. */
class TranscodeFailure extends Error {}

function tooLarge(maxBytes: number): StudioError {
  return new StudioError(413, `The decoded diagram source is larger than ${maxBytes} bytes.`);
}

function isBufferTooLarge(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_BUFFER_TOO_LARGE';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** PlantUML alphabet -> bytes, 4 characters per 3 bytes (a short last group is zero-filled). */
function decodePlantumlAlphabet(text: string): Buffer {
  const out = Buffer.alloc(Math.ceil(text.length / 4) * 3);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const v = [0, 1, 2, 3].map((k) => {
      const ch = text[i + k];
      if (ch === undefined) return 0;
      const n = PLANTUML_VALUE.get(ch);
      if (n === undefined) throw new TranscodeFailure(`character ${JSON.stringify(ch)} is not in the PlantUML alphabet`);
      return n;
    }) as [number, number, number, number];
    out[o++] = (v[0] << 2) | (v[1] >> 4);
    out[o++] = ((v[1] & 0x0f) << 4) | (v[2] >> 2);
    out[o++] = ((v[2] & 0x03) << 6) | v[3];
  }
  return out;
}

/** PlantUML's own encodings: `~h` hex, `~0` or no prefix = raw deflate + PlantUML alphabet. */
function plantumlTranscode(text: string, maxBytes: number): string {
  if (text.startsWith('~1')) {
    throw new BadRequestError('Unable to decode the source. The legacy PlantUML Huffman encoding (~1) is not supported; use the deflate encoding.');
  }
  if (text.startsWith('~h')) {
    const hex = text.slice(2);
    if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TranscodeFailure('bad hex');
    if (hex.length / 2 > maxBytes) throw tooLarge(maxBytes);
    try {
      return strictUtf8.decode(Buffer.from(hex, 'hex'));
    } catch {
      throw new TranscodeFailure('hex is not UTF-8');
    }
  }
  const body = text.startsWith('~0') ? text.slice(2) : text;
  if (body.length === 0) throw new TranscodeFailure('empty');
  const compressed = decodePlantumlAlphabet(body);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(compressed, { maxOutputLength: maxBytes });
  } catch (err) {
    if (isBufferTooLarge(err)) throw tooLarge(maxBytes);
    throw new TranscodeFailure('not a deflate stream');
  }
  try {
    // Garbage that happens to inflate is rarely valid UTF-8: treat it as "not PlantUML's encoding".
    return strictUtf8.decode(inflated);
  } catch {
    throw new TranscodeFailure('inflated bytes are not UTF-8');
  }
}

/** Kroki's standard decoding: base64url (padding optional) + zlib, then trimmed unless told not to. */
export function decodeKrokiEncoded(encoded: string, opts: { maxBytes?: number; trim?: boolean } = {}): string {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  if (encoded.trim() === '') throw new BadRequestError(DECODE_MESSAGES.empty);
  // java.util.Base64 URL decoder: URL-safe alphabet only; padding optional but, if present, correct and final.
  const m = /^([A-Za-z0-9_-]*)(={0,2})$/.exec(encoded);
  if (!m || encoded.length % 4 === 1 || (m[2]!.length > 0 && encoded.length % 4 !== 0)) {
    throw new BadRequestError(DECODE_MESSAGES.base64);
  }
  const bytes = Buffer.from(m[1]!, 'base64url');
  let inflated: Buffer;
  try {
    inflated = inflateSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if (isBufferTooLarge(err)) throw tooLarge(maxBytes);
    throw new BadRequestError(DECODE_MESSAGES.zlib, { cause: err });
  }
  const text = inflated.toString('utf8');
  return opts.trim === false ? text : text.trim();
}

/** Java's URLDecoder: `+` is a space and `%xx` sequences are UTF-8 bytes. */
function javaUrlDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (err) {
    throw new BadRequestError(DECODE_MESSAGES.zlib, { cause: err });
  }
}

/**
 * Decodes a GET path segment for plantuml/c4plantuml the way Kroki does: URL-decode once
 * more, try PlantUML's own encodings (normalising the result), else Kroki's zlib+base64url.
 * `maxBytes` bounds the decompressed size (zlib bombs) with a 413.
 */
export function decodePlantumlEncoded(encoded: string, maxBytes: number = DEFAULT_MAX_BYTES): string {
  if (encoded.trim() === '') throw new BadRequestError(DECODE_MESSAGES.empty);
  const text = javaUrlDecode(encoded);
  if (text.trim() === '') throw new BadRequestError(DECODE_MESSAGES.empty);
  try {
    return normalizePlantumlText(plantumlTranscode(text, maxBytes));
  } catch (err) {
    if (!(err instanceof TranscodeFailure)) throw err;
  }
  return decodeKrokiEncoded(text, { maxBytes });
}

/**
 * PlantUML's normalisation of a decoded text: drop an outer `@startuml`/`@enduml` pair and
 * surrounding whitespace, then wrap in `@startuml … @enduml` unless it starts with another
 * `@start…` (e.g. `@startmindmap`).
 */
export function normalizePlantumlText(text: string): string {
  let body = text.trim();
  // Only a bare start line is dropped: `@startuml(id=x)` or `@startuml name` carries meaning.
  const bareStart = /^@startuml[ \t]*(\r?\n|$)/i.exec(body);
  if (bareStart) body = body.slice(bareStart[0].length);
  body = body.replace(/(^|\r?\n)[ \t]*@enduml[ \t]*$/i, '').trim();
  if (/^@start/i.test(body)) return body;
  return `@startuml\n${body}\n@enduml`;
}

// ---------------------------------------------------------------------------
// Delimiters and line mapping
// ---------------------------------------------------------------------------

/** Text to hand PlantUML, plus how to map PlantUML's error position back to the user's line. */
export interface PreparedSource {
  text: string;
  /**
   * PlantUML reports an error as a 0-based line position in the text it was given. Returns
   * the 1-based line of the user's original source, or undefined (a line we added).
   */
  toSourceLine(position: number): number | undefined;
}

function hasStartLine(lines: readonly string[]): boolean {
  return lines.some((l) => /^\s*@start/i.test(l));
}

/**
 * Wraps a source in `@start<kind>` / `@end<kind>` unless it already has a `@start…` line
 * (Kroki's `withDelimiter`). `startArgs` go on the start line (ditaa flags).
 */
export function withDelimiters(source: string, kind: string = 'uml', startArgs = ''): PreparedSource {
  const userLines = source.split(/\r?\n/);
  if (hasStartLine(userLines)) {
    // PlantUML counts positions from the start of the whole text, not of the block.
    return { text: source, toSourceLine: (position) => (position >= 0 ? position + 1 : undefined) };
  }
  const text = `@start${kind}${startArgs ? ` ${startArgs}` : ''}\n${source}\n@end${kind}`;
  const lineCount = userLines.length;
  return {
    text,
    // Position 0 is our added start line; the user's line n is position n.
    toSourceLine: (position) => (position >= 1 && position <= lineCount ? position : position > lineCount ? lineCount : undefined),
  };
}

// ---------------------------------------------------------------------------
// Include sanitizer (kroki-api.md §8.5)
// ---------------------------------------------------------------------------

/** Stdlib folders Kroki allows in safe/secure mode; `*` = any folder with that prefix. */
const STDLIB_ALLOWED = [
  'aws',
  'awslib',
  'awslib10',
  'awslib14',
  'azure',
  'archimate',
  'bootstrap*',
  'c4',
  'classy',
  'classy-c4',
  'cloudinsight',
  'cloudogu',
  'domainstory',
  'edgy',
  'eip',
  'elastic',
  'gcp',
  'k8s',
  'kubernetes',
  'logos',
  'material*',
  'office',
  'osa',
  'osa2',
  'tupadr3',
] as const;

/** C4-PlantUML file names (as found in URLs) and the bundled stdlib file that replaces them. */
const C4_FILES: ReadonlyArray<readonly [string, string]> = [
  ['c4_component.puml', 'C4/C4_Component'],
  ['c4_container.puml', 'C4/C4_Container'],
  ['c4_context.puml', 'C4/C4_Context'],
  ['c4_deployment.puml', 'C4/C4_Deployment'],
  ['c4_dynamic.puml', 'C4/C4_Dynamic'],
  ['c4_sequence.puml', 'C4/C4_Sequence'],
  ['c4.puml', 'C4/C4'],
];

/**
 * Kroki matches `!include`, `!includeurl`, `!includesub`. We also catch PlantUML's other
 * file/URL loaders (`!include_many`, `!include_once`, `!includedef`, `!import`), which
 * Kroki leaves to the security profile alone. The path ends at the first unescaped space.
 */
const INCLUDE_LINE = /^(\s*)!(include(?:url|sub|def|_many|_once)?|import)\s+((?:\\ |\S)+)/i;

function isAllowedStdlib(path: string): boolean {
  const m = /^<([^/>]+)\/[^>]*>$/.exec(path);
  if (!m) return false;
  const prefix = m[1]!.toLowerCase();
  return STDLIB_ALLOWED.some((p) => (p.endsWith('*') ? prefix.startsWith(p.slice(0, -1)) : prefix === p));
}

function bundledC4(path: string): string | undefined {
  const lower = path.toLowerCase();
  return C4_FILES.find(([name]) => lower.includes(name))?.[1];
}

/**
 * A relative path without traversal: no `..` segment, no root, no drive, no scheme, and (our
 * addition to Kroki's rule) no `$variable` or `%function()` that would pick the path later.
 */
function isSafeRelativePath(path: string): boolean {
  const p = path.replace(/^"(.*)"$/, '$1');
  if (/^(<|\/|\\|[a-z][a-z0-9+.-]*:)/i.test(p) || /[$%]/.test(p)) return false;
  return !/(^|[/\\])\.\.([/\\!]|$)/.test(p);
}

/**
 * Applies Kroki's include rules unless `unsafe`. Removed lines become empty lines (Kroki
 * drops them) so PlantUML's error positions still point at the user's lines.
 */
export function sanitizeIncludes(source: string, safeMode: SafeMode): string {
  if (safeMode === 'unsafe') return source;
  const lines = source.split(/\r?\n/);
  return lines
    .map((line) => {
      const m = INCLUDE_LINE.exec(line);
      if (!m) return line;
      const [, indent, , path] = m as unknown as [string, string, string, string];
      if (isAllowedStdlib(path)) return line;
      const c4 = bundledC4(path);
      if (c4) return `${indent}!include <${c4}>`;
      if (safeMode === 'safe' && isSafeRelativePath(path)) return line;
      return '';
    })
    .join('\n');
}

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------
