/**
 * Worker thread: Pikchr (pikchr-wasm). The package's own `render()` leaks every picture
 * inside the WASM heap (it frees the JavaScript string instead of the C pointer), and its
 * heap is a fixed 16 MB, so after ~1,000 small diagrams every render would abort. This
 * worker therefore drives the package's Emscripten module itself: it passes the source as
 * UTF-8 bytes, reads the result, frees it, and loads a fresh module after an abort.
 */
import { BadRequestError, DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

/** The parts of the Emscripten module (pikchr.speed.js) used here. */
interface PikchrModule {
  ccall(name: 'pikchr', returns: 'number', types: readonly string[], args: readonly unknown[]): number;
  _free(pointer: number): void;
  HEAPU8: Uint8Array;
}
type PikchrFactory = () => Promise<PikchrModule>;

/** pikchr() flag: error messages as plain text instead of HTML. */
const PIKCHR_PLAINTEXT_ERRORS = 0x0001;
/** Stays below what PIKCHR_MAX_SOURCE_LENGTH can produce, checked again here for safety. */
const MAX_SOURCE_BYTES = 3 * 1024 * 1024 + 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The module factory beside the package's entry (its exports map does not list it). */
async function loadFactory(): Promise<PikchrFactory> {
  const url = new URL('../pikchr/pikchr.speed.js', import.meta.resolve('pikchr-wasm'));
  const mod = (await import(url.href)) as { default: PikchrFactory };
  return mod.default;
}

/** Pikchr's text for a diagram: SVG, an error report, or the empty-diagram comment. */
function pikchrText(mod: PikchrModule, source: string): string {
  const utf8 = encoder.encode(source);
  if (utf8.length > MAX_SOURCE_BYTES) throw new BadRequestError(`The Pikchr source is too large (${utf8.length} bytes of UTF-8).`);
  const input = new Uint8Array(utf8.length + 1); // NUL-terminated
  input.set(utf8);
  // NULL width/height pointers: the package passes the number 1 there, which makes
  // pikchr() write into low memory.
  const pointer = mod.ccall('pikchr', 'number', ['array', 'string', 'number', 'number', 'number'], [input, 'pikchr', PIKCHR_PLAINTEXT_ERRORS, 0, 0]);
  if (pointer === 0) throw new BadRequestError('Pikchr ran out of memory drawing this diagram.');
  try {
    const heap = mod.HEAPU8;
    const end = heap.indexOf(0, pointer);
    return decoder.decode(heap.subarray(pointer, end < 0 ? heap.length : end));
  } finally {
    mod._free(pointer);
  }
}

/**
 * Pikchr's plain-text error report: up to 5 source lines, each led by its number in a C
 * comment, a line of carets under the culprit, `ERROR: <message>`, then `Called from:`
 * blocks for macros. The error's line is the last numbered one before `ERROR:`.
 */
function pikchrError(text: string): DiagramSyntaxError {
  const lines = text.replace(/\s+$/, '').split('\n');
  const at = lines.findIndex((l) => l.startsWith('ERROR: '));
  if (at < 0) return new DiagramSyntaxError(`Pikchr error: ${text.trim() || 'the diagram could not be drawn'}`);
  let line: number | undefined;
  for (let i = at - 1; i >= 0 && line === undefined; i--) {
    const m = /^\/\*\s*(\d+) \*\/ {2}/.exec(lines[i]!);
    if (m) line = Number(m[1]);
  }
  const message = lines[at]!.slice('ERROR: '.length);
  const context = [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n');
  return new DiagramSyntaxError(`Pikchr error${line === undefined ? '' : ` at line ${line}`}: ${message}\n${context}`, line === undefined ? {} : { line });
}

/**
 * Pikchr copies `&` in labels as it is, so that HTML pages showing its SVG inline can use
 * entities. A standalone SVG is XML, which knows only its own five entities and numeric
 * references: every other `&` (`A & B`, `&rarr;`) would make the whole picture unreadable,
 * so it is written `&amp;` and shows as typed.
 */
function xmlAmpersands(svg: string): string {
  return svg.replace(/&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/g, '&amp;');
}

serveWorker(async () => {
  const factory = await loadFactory();
  let mod: PikchrModule | null = await factory();

  const render = async ({ source }: { source: string }): Promise<string> => {
    mod ??= await factory();
    let text: string;
    try {
      text = pikchrText(mod, source);
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      // An abort (the fixed heap ran out) or a trap leaves the module unusable: the next
      // render loads a new one.
      mod = null;
      const reason = err.message.replace(/\. Build with .*$/, '');
      throw new BadRequestError(
        /\bOOM\b/.test(reason) ? 'Pikchr ran out of memory drawing this diagram (its heap is 16 MB).' : `Pikchr failed on this diagram (${reason}).`,
      );
    }
    if (text.startsWith('<svg')) return xmlAmpersands(text);
    if (text.startsWith('<!-- empty pikchr diagram -->')) throw new DiagramSyntaxError('Pikchr drew nothing: the diagram has no objects.');
    throw pikchrError(text);
  };

  return {
    info: {},
    warmUp: () => render({ source: 'box "a"; arrow; circle "b"' }),
    handlers: { render },
  };
});
