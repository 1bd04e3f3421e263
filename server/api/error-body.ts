/** Error bodies in the four shapes Kroki negotiates: text, JSON, HTML and an SVG/PNG image. */
import type { ErrorBody } from '../../shared/api.js';

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function errorText(code: number, message: string): string {
  return `Error ${code}: ${message}`;
}

export function errorJson(code: number, message: string, line?: number): ErrorBody {
  return { error: line === undefined ? { code, message } : { code, message, line } };
}

export function errorHtml(code: number, message: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Error ${code}</title>
<style>body{font-family:system-ui,sans-serif;margin:3rem;color:#222}code{background:#fde2e2;color:#b00020;padding:.1rem .4rem;border-radius:4px}pre{white-space:pre-wrap}</style>
</head><body><h1>Something went wrong</h1><p><code>${code}</code></p><pre>${escapeXml(message)}</pre></body></html>`;
}

const MAX_LINE = 160;

/** The "error image": one tspan per line, long lines cut with an ellipsis, all text escaped. */
export function errorSvg(code: number, message: string): string {
  const lines = errorText(code, message)
    .split(/\r?\n/)
    .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l));
  const lineHeight = 18;
  const width = Math.max(200, Math.min(MAX_LINE, Math.max(...lines.map((l) => l.length))) * 7.4 + 32);
  const height = lines.length * lineHeight + 24;
  const tspans = lines.map((l, i) => `<tspan x="16" y="${24 + i * lineHeight}">${escapeXml(l)}</tspan>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="${height}" viewBox="0 0 ${Math.ceil(width)} ${height}"><rect width="100%" height="100%" fill="#fde2e2"/><text font-family="DejaVu Sans Mono, monospace" font-size="13" fill="#b00020" xml:space="preserve">${tspans}</text></svg>`;
}
