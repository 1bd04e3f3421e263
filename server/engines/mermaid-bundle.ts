/**
 * Mermaid's browser bundle as the pooled page loads it, with one speed fix applied.
 *
 * Mermaid copies its whole configuration (~50 keys, ~740 nested ones) on every
 * `getConfig()`, and calls that ~100 times per flowchart. The copy (`assignWithDepth`)
 * creates each key with `Object.defineProperty` — there only to keep a `__proto__` key
 * from reaching the prototype setter — which made one copy cost 0.4–0.7 ms here, over a
 * third of a small flowchart's render. The fix assigns ordinary keys directly and keeps
 * `defineProperty` for `__proto__`: the same result for every key, several times faster.
 *
 * The replacements must match the installed bundle exactly; when a Mermaid upgrade
 * changes that code, the bundle is served unchanged (slower, never different) and
 * `patched` says so (logged, and checked by the integration tests).
 */
import { readFileSync } from 'node:fs';

const DEFINE_UNDEFINED = 'Object.defineProperty(e,a,{value:void 0,writable:!0,enumerable:!0,configurable:!0})';
const DEFINE_VALUE = 'Object.defineProperty(e,a,{value:o,writable:!0,enumerable:!0,configurable:!0})';

/** [original, replacement] pairs inside mermaid's minified `assignWithDepth`. */
export const MERMAID_BUNDLE_PATCHES: ReadonlyArray<readonly [string, string]> = [
  // A new nested object key: declared first, filled in the next statement.
  [`Object.hasOwn(e,a)||${DEFINE_UNDEFINED}`, `Object.hasOwn(e,a)||(a==="__proto__"?${DEFINE_UNDEFINED}:e[a]=void 0)`],
  // A new plain value key.
  [`Object.hasOwn(e,a)?i[a]=o:${DEFINE_VALUE}`, `Object.hasOwn(e,a)||a!=="__proto__"?i[a]=o:${DEFINE_VALUE}`],
];

export interface MermaidBundle {
  body: Buffer;
  /** False when the bundle did not contain the expected code (served unchanged). */
  patched: boolean;
}

export function patchMermaidBundle(text: string): {
  text: string;
  patched: boolean;
} {
  // Each original must occur exactly once, or the bundle is not the one the fix was made for.
  if (!MERMAID_BUNDLE_PATCHES.every(([from]) => text.split(from).length === 2)) return { text, patched: false };
  let out = text;
  for (const [from, to] of MERMAID_BUNDLE_PATCHES) out = out.replace(from, () => to);
  return { text: out, patched: true };
}

export function loadMermaidBundle(file: string): MermaidBundle {
  const { text, patched } = patchMermaidBundle(readFileSync(file, 'utf8'));
  return { body: Buffer.from(text, 'utf8'), patched };
}
