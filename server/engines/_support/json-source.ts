/**
 * Parsing JSON-like diagram sources (Vega, Vega-Lite, WaveDrom) with a line number on
 * failure. Node's JSON.parse often omits the position, so JSON5 (a superset) re-parses
 * the text to locate the mistake.
 */
import JSON5 from 'json5';
import { DiagramSyntaxError } from '../../errors.js';

interface Json5Error {
  lineNumber?: number;
  columnNumber?: number;
  message?: string;
}

function json5Error(err: unknown): { line: number; column: number; detail: string } | null {
  const e = err as Json5Error;
  if (typeof e?.lineNumber !== 'number') return null;
  const detail = (e.message ?? '').replace(/^JSON5:\s*/, '').replace(/\s+at \d+:\d+$/, '');
  return { line: e.lineNumber, column: e.columnNumber ?? 0, detail };
}

/** Strict JSON (Vega, Vega-Lite). */
export function parseJsonSource(source: string, what: string): unknown {
  try {
    return JSON.parse(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    let located: ReturnType<typeof json5Error> = null;
    try {
      JSON5.parse(source);
    } catch (err5) {
      located = json5Error(err5);
    }
    if (located)
      throw new DiagramSyntaxError(`Invalid ${what} JSON at line ${located.line}, column ${located.column}: ${located.detail}`, {
        line: located.line,
      });
    const pos = /at position (\d+)/.exec(message)?.[1];
    const line = pos === undefined ? undefined : lineAt(source, Number(pos));
    throw new DiagramSyntaxError(`Invalid ${what} JSON: ${message}`, line === undefined ? {} : { line });
  }
}

/** A JavaScript object literal without code (WaveDrom sources: unquoted keys, comments). */
export function parseJson5Source(source: string, what: string): unknown {
  try {
    return JSON5.parse(source);
  } catch (err) {
    const located = json5Error(err);
    if (located)
      throw new DiagramSyntaxError(`Invalid ${what} source at line ${located.line}, column ${located.column}: ${located.detail}`, {
        line: located.line,
      });
    throw new DiagramSyntaxError(`Invalid ${what} source: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
