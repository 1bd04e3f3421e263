/**
 * Pikchr through pikchr-wasm (D. Richard Hipp's C library compiled to WASM) in a warm
 * worker (worker.ts). SVG natively; PNG is the render core's conversion of it. Kroki runs
 * the pikchr program (`pikchr --svg-only -`), the same C code.
 */
import { svgWorkerEngine } from '../_support/svg-worker-engine.js';

/**
 * The worker copies the source, NUL-terminated UTF-8, onto the WASM module's 5 MiB stack
 * (its only way in). At most 3 bytes a character, this leaves Pikchr 2 MiB of stack.
 */
export const PIKCHR_MAX_SOURCE_LENGTH = 1024 * 1024;

export const pikchr = svgWorkerEngine({
  id: 'pikchr',
  pkg: 'pikchr-wasm',
  entry: new URL('./worker.js', import.meta.url),
  conversions: { png: 'svg' },
  errorSample: { source: 'box "a"\narrow\nbox "b" fromm A\ncircle', line: 3 },
  maxSourceLength: PIKCHR_MAX_SOURCE_LENGTH,
});
