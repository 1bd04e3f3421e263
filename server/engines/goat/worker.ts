/**
 * Worker thread: GoAT, bep/goat compiled from Go to WASM (wasm/main.go, built into dist/goat/
 * by scripts/build-goat.mjs), run by Go's own wasm_exec.js. The module is compiled once
 * per worker; a Go program is instantiated from it and answers every render until it dies
 * or its memory grew large, when the next render gets a fresh one.
 *
 * Go's JavaScript support finds no `fs` global here, so it installs its stand-in, which
 * answers every file call with ENOSYS: the program can read and write no file.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { BadRequestError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';
import { GOAT_WASM, GOAT_WASM_EXEC } from './files.js';
import { checkedSource } from './input.js';
import { goatSvg, type GoatColors } from './svg.js';

/** A program whose memory grew past this is replaced after its render (WASM memory never shrinks). */
const FRESH_PROGRAM_ABOVE_BYTES = 96 * 1024 * 1024;

interface GoatProgram {
  version: string;
  render(source: string): { svg?: string; error?: string };
}
interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
  exited: boolean;
}
type GoConstructor = new () => GoRuntime;

interface Running {
  go: GoRuntime;
  program: GoatProgram;
  memory: WebAssembly.Memory;
}

async function start(module: WebAssembly.Module): Promise<Running> {
  const global = globalThis as unknown as { Go: GoConstructor; __studioGoat?: GoatProgram };
  const go = new global.Go();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  // run() returns once main() blocks in `select {}`, having published its function.
  void go.run(instance);
  const program = global.__studioGoat;
  delete global.__studioGoat;
  if (!program) throw new Error('the goat WASM program did not start');
  return { go, program, memory: instance.exports.mem as WebAssembly.Memory };
}

serveWorker(async () => {
  vm.runInThisContext(readFileSync(GOAT_WASM_EXEC, 'utf8'), { filename: GOAT_WASM_EXEC });
  // Compiled synchronously: an asynchronous compile queues behind other workers' WASM
  // compiles on V8's shared threads (seconds behind D2's), a synchronous one does not.
  const module = new WebAssembly.Module(readFileSync(GOAT_WASM));
  let running: Running | null = await start(module);
  const version = running.program.version;

  const render = async ({ source, colors }: { source: string; colors: GoatColors }): Promise<string> => {
    const input = checkedSource(source);
    running ??= await start(module);
    const current = running;
    let answer: { svg?: string; error?: string };
    try {
      answer = current.program.render(input);
    } catch (err) {
      // The Go program died (a fatal runtime error is not a recoverable panic).
      running = null;
      throw new BadRequestError(`GoAT failed on this diagram (${err instanceof Error ? err.message : String(err)}).`);
    } finally {
      if (current.go.exited || current.memory.buffer.byteLength > FRESH_PROGRAM_ABOVE_BYTES) running = null;
    }
    if (answer.error !== undefined || answer.svg === undefined) throw new BadRequestError(`GoAT failed on this diagram (${answer.error ?? 'no picture'}).`);
    return goatSvg(answer.svg, colors);
  };

  return {
    info: { version },
    warmUp: () => render({ source: "+--+  .-.\n|ab|->| |\n+--+  '-'\n", colors: {} }),
    handlers: { render },
  };
});
