/**
 * Mermaid's browser bundle as the pooled page loads it, with three speed fixes applied.
 *
 * Mermaid copies its whole configuration (~50 keys, ~740 nested ones, three levels deep)
 * on every `getConfig()`, and calls that ~120 times per flowchart; the copies were about
 * half of a small flowchart's render time here.
 *
 * 1. The copy (`assignWithDepth`) created each key with `Object.defineProperty`, there
 *    only to keep a `__proto__` key from reaching the prototype setter. The fix assigns
 *    ordinary keys directly and keeps `defineProperty` for `__proto__`.
 * 2. `getConfig()` copies the current configuration with `assignWithDepth` once per
 *    configuration (Mermaid replaces the object, never edits it, whenever the config
 *    changes) and then hands out a fresh copy of that snapshot made with object spread,
 *    following a list of the snapshot's nested objects made once: several times cheaper.
 *    The snapshot itself is re-made with spread, which V8 copies fastest. Every call
 *    still returns new objects at the three levels the original copies (callers may edit
 *    them) and shares the deeper ones, as the original does, so callers see the same
 *    values with the same sharing.
 * 3. DOMPurify returns a label without markup before parsing its own config (below).
 *
 * The replacements must match the installed bundle exactly; when a Mermaid upgrade
 * changes that code, the bundle is served unchanged (slower, never different) and
 * `patched` says so (logged, and checked by the integration tests).
 */
import { readFileSync } from 'node:fs';

const DEFINE_UNDEFINED = 'Object.defineProperty(e,a,{value:void 0,writable:!0,enumerable:!0,configurable:!0})';
const DEFINE_VALUE = 'Object.defineProperty(e,a,{value:o,writable:!0,enumerable:!0,configurable:!0})';

/**
 * Mermaid 11's `getConfig` in the minified bundle: `ii` is `assignWithDepth` (depth 2, so
 * three levels of new objects) and `$x` the current configuration, which only ever gets
 * replaced. The memo below keys the snapshot on that object's identity.
 */
const GET_CONFIG = 'Lt=s(()=>ii({},$x),"getConfig")';
const MEMO_GET_CONFIG = `Lt=s((()=>{
  let from, snapshot, plan;
  const copy = () => {
    const out = { ...snapshot };
    for (const [k, nested] of plan) {
      const v = snapshot[k];
      if (nested === null) { out[k] = v.slice(); continue; }
      const o = { ...v };
      for (const j of nested) { const w = v[j]; o[j] = Array.isArray(w) ? Object.assign([], w) : { ...w }; }
      out[k] = o;
    }
    return out;
  };
  const prepare = (fresh) => {
    snapshot = fresh;
    plan = [];
    for (const k of Object.keys(fresh)) {
      const v = fresh[k];
      if (v === null || typeof v != "object") continue;
      if (Array.isArray(v)) { plan.push([k, null]); continue; }
      const nested = [];
      for (const j of Object.keys(v)) { const w = v[j]; if (w !== null && typeof w == "object") nested.push(j); }
      plan.push([k, nested]);
    }
    snapshot = copy();
  };
  return () => {
    if (from !== $x) { prepare(ii({}, $x)); from = $x; }
    return copy();
  };
})(),"getConfig")`.replace(/\n\s*/g, '');

/**
 * DOMPurify 3 (bundled by Mermaid, which calls it for every label, each time with a new
 * config object) parses its config (~0.2 ms: sets of every allowed tag and attribute)
 * before it notices that a string without "<" has nothing to clean and returns it as it
 * came. The fix makes that same check first, under the same conditions (no fixed config,
 * none of the options that change what is returned); any other call goes the usual way.
 * `t` is the DOMPurify instance, `Bt` the input, `$e` the config, `Te` "setConfig() was
 * called", `Yt` the config parser.
 */
const PURIFY_START = 'if(!t.isSupported)return Bt;Te?(ce=oe,Ee=G):Yt($e)';
const PURIFY_PLAIN_TEXT_FIRST =
  'if(!t.isSupported)return Bt;' +
  'if(!Te&&typeof Bt=="string"&&Bt.indexOf("<")===-1&&!($e&&typeof $e=="object"&&' +
  '($e.RETURN_DOM||$e.RETURN_DOM_FRAGMENT||$e.SAFE_FOR_TEMPLATES||$e.WHOLE_DOCUMENT||$e.RETURN_TRUSTED_TYPE)))return Bt;' +
  'Te?(ce=oe,Ee=G):Yt($e)';

/** [original, replacement] pairs in mermaid's minified bundle. */
export const MERMAID_BUNDLE_PATCHES: ReadonlyArray<readonly [string, string]> = [
  // assignWithDepth, a new nested object key: declared first, filled in the next statement.
  [`Object.hasOwn(e,a)||${DEFINE_UNDEFINED}`, `Object.hasOwn(e,a)||(a==="__proto__"?${DEFINE_UNDEFINED}:e[a]=void 0)`],
  // assignWithDepth, a new plain value key.
  [`Object.hasOwn(e,a)?i[a]=o:${DEFINE_VALUE}`, `Object.hasOwn(e,a)||a!=="__proto__"?i[a]=o:${DEFINE_VALUE}`],
  [GET_CONFIG, MEMO_GET_CONFIG],
  [PURIFY_START, PURIFY_PLAIN_TEXT_FIRST],
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
