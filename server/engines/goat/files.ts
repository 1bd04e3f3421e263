/** Where the build puts the goat WASM program and Go's JavaScript support for it (scripts/build-goat.mjs). */
import path from 'node:path';
import { BUILD_DIR } from '../../paths.js';

export const GOAT_DIR = path.join(BUILD_DIR, 'goat');
export const GOAT_WASM = path.join(GOAT_DIR, 'goat.wasm');
/** Go's wasm_exec.js from the toolchain that built goat.wasm (the two must match). */
export const GOAT_WASM_EXEC = path.join(GOAT_DIR, 'wasm_exec.js');
