/**
 * Pikchr through pikchr-wasm (D. Richard Hipp's C library compiled to WASM) in a warm
 * worker (worker.ts). SVG natively; PNG is the render core's conversion of it. Kroki runs
 * the pikchr program (`pikchr --svg-only -`), the same C code.
 */
import { packageVersion } from '../_support/package-version.js';
import { defineEngine } from '../spec.js';

const VERSION = packageVersion('pikchr-wasm');

/**
 * The worker copies the source, NUL-terminated UTF-8, onto the WASM module's 5 MiB stack
 * (its only way in). At most 3 bytes a character, this leaves Pikchr 2 MiB of stack.
 */
export const PIKCHR_MAX_SOURCE_LENGTH = 1024 * 1024;

export const pikchr = defineEngine({
  id: 'pikchr',
  types: ['pikchr'],
  formats: ['svg'],
  conversions: { png: 'svg' },
  runtime: { kind: 'worker', entry: new URL('./worker.js', import.meta.url) },
  version: () => VERSION,
  maxSourceLength: () => PIKCHR_MAX_SOURCE_LENGTH,
  async render(input, host) {
    return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
  },
});
