/**
 * Worker thread: D2 (Go compiled to WASM, from @terrastruct/d2). The package's `D2` class
 * starts a worker thread of its own for every instance and keeps one pending call at a
 * time in a field, so this worker loads the same files that worker loads (Go's
 * `wasm_exec.js`, ELK and its set-up, `d2.wasm`) and calls the Go functions directly: one
 * thread, whose resource limits and termination the host controls.
 *
 * File access: Go's `os` package reaches files only through `globalThis.fs`. It is set
 * here, before Go starts, to an object whose every call fails with ENOSYS, so nothing the
 * diagram names (`@import`, `...@spread`) can come from the disk. Imports resolve from
 * the in-memory file map handed to `compile`, which holds only the diagram itself.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileFunction } from 'node:vm';
import { DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

/** Options as the Go side reads them (d2js CompileOptions / RenderOptions). */
export interface D2Options {
  layout?: 'dagre' | 'elk';
  sketch?: boolean;
  themeID?: number;
  darkThemeID?: number;
  pad?: number;
  scale?: number;
  animateInterval?: number;
}

export interface D2RenderRequest {
  source: string;
  options: D2Options;
}

/** The functions d2.wasm registers on `globalThis.d2`: JSON in, JSON out. */
interface D2Wasm {
  compile(request: string): Promise<string>;
  render(request: string): Promise<string>;
  version(): string;
}
interface GoRuntime {
  importObject: WebAssembly.Imports;
  run(instance: WebAssembly.Instance): Promise<void>;
}
type D2Reply<T> = { data: T; error?: undefined } | { error: { message: string; code?: number } };
interface CompileResult {
  diagram: unknown;
  renderOptions: Record<string, unknown>;
}

/** The name of the diagram in the file map: D2's messages start with it (`index:2:1: …`). */
const ENTRY = 'index';

const ENOSYS = 'ENOSYS';
const noFileSystem = (): Error => Object.assign(new Error('no file system in the D2 worker'), { code: ENOSYS });

/** Go's output to stdout/stderr (a panic's message): the end is kept for the error it causes. */
let goOutput = '';
const decoder = new TextDecoder();

/**
 * `globalThis.fs` for Go: writes to fd 1 and 2 are kept in memory, every other call fails.
 * A Proxy answers whatever call the Go runtime makes, including ones added in later Go
 * versions. The open flags must be numbers (Go reads them at start); -1 matches no flag.
 */
function deniedFileSystem(): object {
  const base = {
    constants: { O_WRONLY: -1, O_RDWR: -1, O_CREAT: -1, O_TRUNC: -1, O_APPEND: -1, O_EXCL: -1, O_DIRECTORY: -1 },
    writeSync(fd: number, buf: Uint8Array): number {
      if (fd === 1 || fd === 2) goOutput = (goOutput + decoder.decode(buf)).slice(-2000);
      return buf.length;
    },
    write(fd: number, buf: Uint8Array, offset: number, length: number, position: unknown, callback: (err: Error | null, n?: number) => void): void {
      if ((fd !== 1 && fd !== 2) || offset !== 0 || length !== buf.length || position !== null) return callback(noFileSystem());
      callback(null, base.writeSync(fd, buf));
    },
  };
  return new Proxy(base, {
    get(target, name) {
      if (name in target) return target[name as keyof typeof target];
      if (typeof name !== 'string') return undefined;
      return (...args: unknown[]) => {
        const callback = args[args.length - 1];
        if (typeof callback !== 'function') throw noFileSystem();
        (callback as (err: Error) => void)(noFileSystem());
      };
    },
  });
}

/** A script of the package run as the package's own worker runs it: as a function body, `this` the global object. */
function runScript(url: URL): void {
  compileFunction(readFileSync(url, 'utf8'), [], { filename: fileURLToPath(url) }).call(globalThis);
}

function loadD2(): D2Wasm {
  const dist = new URL('./', import.meta.resolve('@terrastruct/d2'));
  (globalThis as { fs?: object }).fs = deniedFileSystem();
  // A worker started from the TypeScript sources is an eval worker, where Node defines
  // `module` and `exports` as globals: the UMD loaders of ELK, and of the dagre code D2
  // evaluates, would export themselves there instead of onto the global object.
  for (const name of ['module', 'exports']) Reflect.deleteProperty(globalThis, name);
  runScript(new URL('wasm_exec.js', dist));
  // ELK for `layout: elk`; the set-up script lays out an empty graph once so its first use is ready.
  runScript(new URL('elk.js', dist));
  runScript(new URL('setup.js', dist));
  const Go = (globalThis as unknown as { Go: new () => GoRuntime }).Go;
  const go = new Go();
  // Compiled synchronously: after the asynchronous `WebAssembly.instantiate` of this 22 MB
  // module, the thread's event loop stood still for ~5 s more while V8 finished the
  // compilation in the background, so the first render waited that long; this way the
  // first render takes ~0.4 s and later ones speed up as V8 optimises what they use.
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL('d2.wasm', dist))), go.importObject);
  // Go's main registers the functions and then waits for calls; it returns only when the Go
  // runtime dies (a fatal error such as running out of memory), and then the call in
  // flight never settles. An uncaught error ends the thread: the host fails that call as a
  // crash, with this message, and starts a fresh worker.
  void go.run(instance).finally(() =>
    setImmediate(() => {
      throw new Error(`the Go runtime stopped${goOutput.trim() ? ` (${goOutput.trim().split('\n')[0]})` : ''}`);
    }),
  );
  const d2 = (globalThis as unknown as { d2?: D2Wasm }).d2;
  if (!d2) throw new Error('d2.wasm did not register its functions');
  return d2;
}

interface D2Problem {
  line?: number;
  column?: number;
  message: string;
}

/**
 * D2's compile errors come as a JSON list of `{ range, errmsg }`, each errmsg
 * `<file>:<line>:<column>: <message>`; other failures as plain text.
 */
function problems(message: string): D2Problem[] {
  let list: Array<{ errmsg?: unknown }> | null = null;
  try {
    const parsed: unknown = JSON.parse(message);
    if (Array.isArray(parsed)) list = parsed as Array<{ errmsg?: unknown }>;
  } catch {
    // plain text
  }
  const texts = list ? list.map((e) => String(e.errmsg ?? '')) : [message];
  return texts.map((text) => {
    const m = /^(.*?):(\d+):(\d+): ([\s\S]*)$/.exec(text);
    if (!m) return { message: text };
    const where = m[1] === ENTRY ? '' : `${m[1]}, `;
    return { line: m[1] === ENTRY ? Number(m[2]) : undefined, column: Number(m[3]), message: `${where}${m[4]}`.trim() };
  });
}

function d2Error(message: string): DiagramSyntaxError {
  const found = problems(message);
  const located = (p: D2Problem) => (p.line === undefined ? p.message : `line ${p.line}, column ${p.column}: ${p.message}`);
  const [first, ...rest] = found;
  if (!first) return new DiagramSyntaxError('D2 error: the diagram could not be compiled.');
  const head = first.line === undefined ? `D2 error: ${first.message}` : `D2 error at ${located(first)}`;
  const text = [head, ...rest.map(located)].join('\n');
  const line = found.find((p) => p.line !== undefined)?.line;
  return new DiagramSyntaxError(text, line === undefined ? {} : { line });
}

function unwrap<T>(json: string): T {
  const reply = JSON.parse(json) as D2Reply<T>;
  if (reply.error) throw d2Error(reply.error.message);
  return reply.data;
}

serveWorker(() => {
  const d2 = loadD2();

  const draw = async ({ source, options }: D2RenderRequest): Promise<string> => {
    // Several boards (layers, scenarios, steps) make one animated SVG only when every board is the target.
    const compileOptions = options.animateInterval ? { ...options, target: '*' } : options;
    const compiled = unwrap<CompileResult>(await d2.compile(JSON.stringify({ fs: { [ENTRY]: source }, inputPath: ENTRY, options: compileOptions })));
    // renderOptions is the diagram's own `d2-config` with the request's options on top (as
    // the d2 program's flags win over d2-config).
    const base64 = unwrap<string>(await d2.render(JSON.stringify({ diagram: compiled.diagram, options: compiled.renderOptions })));
    return Buffer.from(base64, 'base64').toString('utf8');
  };

  return {
    info: { d2: unwrap<string>(d2.version()) },
    warmUp: () => draw({ source: 'a -> b: warm', options: {} }),
    handlers: { render: draw },
  };
});
