/**
 * Worker thread: svgbob (Rust compiled to WASM, from svgbob-wasm). The package's entry
 * imports its `.wasm` file as an ES module, which only bundlers understand, so this worker
 * instantiates the module itself and does what the package's wasm-bindgen glue does: the
 * text goes in as UTF-8 through the module's allocator, the SVG comes back the same way.
 * The module imports nothing (no file system, no network, no clock): it can only compute.
 */
import { readFileSync } from 'node:fs';
import { BadRequestError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';
import { styledSvg, type SvgbobStyle } from './style.js';

export interface SvgbobRenderRequest {
  source: string;
  style: SvgbobStyle;
}

/** The exports wasm-bindgen generated for `render(ascii: &str) -> String`. */
interface SvgbobExports {
  memory: WebAssembly.Memory;
  render(retptr: number, ptr: number, len: number): void;
  __wbindgen_add_to_stack_pointer(delta: number): number;
  __wbindgen_malloc(size: number): number;
  __wbindgen_free(ptr: number, size: number): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function svgbob(exports: SvgbobExports, source: string): string {
  const input = encoder.encode(source);
  // wasm-bindgen returns the string as (pointer, length) in 16 bytes of the module's stack.
  const retptr = exports.__wbindgen_add_to_stack_pointer(-16);
  try {
    const ptr = exports.__wbindgen_malloc(input.length);
    new Uint8Array(exports.memory.buffer, ptr, input.length).set(input);
    exports.render(retptr, ptr, input.length); // takes ownership of the input
    const [out, len] = new Int32Array(exports.memory.buffer, retptr, 2);
    try {
      return decoder.decode(new Uint8Array(exports.memory.buffer, out!, len!));
    } finally {
      exports.__wbindgen_free(out!, len!);
    }
  } finally {
    exports.__wbindgen_add_to_stack_pointer(16);
  }
}

serveWorker(() => {
  // Beside package.json: the package names no entry Node can resolve (only a bundler's `module`).
  const bytes = readFileSync(new URL('./svgbob_wasm_bg.wasm', import.meta.resolve('svgbob-wasm/package.json')));
  // Compiled on this thread: the asynchronous compile waits for V8's shared compiler
  // threads, which D2's 22 MB module can keep busy for seconds (a start after D2 ran took
  // 4.9 s instead of 0.06 s).
  const module = new WebAssembly.Module(bytes);
  const instantiate = () => new WebAssembly.Instance(module, {}).exports as unknown as SvgbobExports;
  let exports: SvgbobExports | null = instantiate();
  // The crate's version, from the source paths its panic messages carry (svgbob-0.6.6/src/…).
  const version = /svgbob-(\d+\.\d+\.\d+)\//.exec(bytes.toString('latin1'))?.[1];

  const render = ({ source, style }: SvgbobRenderRequest): string => {
    exports ??= instantiate();
    let svg: string;
    try {
      svg = svgbob(exports, source);
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      // A Rust panic traps and leaves the module's heap in an unknown state: the next render gets a fresh one.
      exports = null;
      throw new BadRequestError(`svgbob failed on this diagram (${err.message}).`);
    }
    return styledSvg(svg, style);
  };

  return {
    info: version ? { svgbob: version } : ({} as Record<string, string>),
    warmUp: () => render({ source: '+--+\n|a |-->\n+--+', style: {} }),
    handlers: { render },
  };
});
