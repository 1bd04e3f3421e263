/**
 * The one interface every embedded engine implements (like Kroki's DiagramService).
 * Decoding, format validation, option merging, caching, timeouts, concurrency caps and
 * metrics all happen outside the engine (api/ and engines/registry.ts), so an engine
 * file only knows how to turn source text into bytes.
 */
import type { Logger } from 'pino';
import type { EngineState, OutputFormat, RuntimeKind, SafeMode } from '../api/types.js';
import type { StudioConfig } from '../config.js';
import type { SvgConverter } from '../convert/svg-converter.js';
import type { BrowserPool } from '../runtimes/browser-pool.js';
import type { RenderActivity } from '../runtimes/activity.js';

export interface RenderInput {
  /** The type named in the request (an engine may serve several: plantuml, c4plantuml). */
  type: string;
  /** Decoded diagram source. */
  source: string;
  /** Already validated against `formats`. */
  format: OutputFormat;
  /** Merged Kroki options: keys lower-cased, values strings (flags are presence-based). */
  options: Readonly<Record<string, string>>;
  /** Effective safe mode (forced server-side, never taken from client options). */
  safeMode: SafeMode;
  /**
   * Aborted when the time limit passes or the client goes away. An engine must stop
   * waiting and reject promptly; if the underlying process may be stuck it recycles it.
   */
  signal: AbortSignal;
}

export interface EngineOptionSpec {
  name: string;
  description: string;
  /** `flag` options are enabled by presence, like Kroki's. */
  kind: 'flag' | 'string' | 'number';
}

export interface DiagramEngine {
  /** Stable engine id, used in logs, metrics and /api/engines (`graphviz`, `plantuml`). */
  readonly id: string;
  /** Diagram type names it serves; the first is canonical, the rest aliases (`dot`). */
  readonly types: readonly string[];
  /** Formats it produces, in the order error messages list them. */
  readonly formats: readonly OutputFormat[];
  readonly runtime: RuntimeKind;
  /** `plantuml`: GET sources may also use PlantUML's own encodings (~1, ~h, deflate). */
  readonly sourceEncoding?: 'kroki' | 'plantuml';
  /** Leading whitespace is meaningful (ditaa, svgbob...): the decoder must not trim. */
  readonly keepWhitespace?: boolean;
  /** Options it understands, published by /api/engines. */
  readonly options?: readonly EngineOptionSpec[];
  /** Per-engine concurrency cap (renders running at once); the registry queues the rest. */
  readonly concurrency?: number;

  state(): EngineState;
  /** Version read from the library/jar/runtime at start, never a hard-coded literal. */
  version(): string;
  /** Whether this engine can work on this machine at all (e.g. no Chromium => false). */
  available(): { ok: true } | { ok: false; reason: string };
  /** Make it warm (load WASM, start the JVM, launch the browser). Idempotent, memoised. */
  start(): Promise<void>;
  render(input: RenderInput): Promise<Buffer>;
  /** Release processes and memory; a later start() must work again. */
  stop(): Promise<void>;
  /** Resolves when the background warm-up started by start() has ended (at once if none). */
  whenWarm?(): Promise<void>;
}

/** What an engine factory receives: configuration and the shared warm runtimes. */
export interface EngineContext {
  config: StudioConfig;
  logger: Logger;
  /** One headless Chromium shared by browser engines and browser-based conversions. */
  browser: BrowserPool;
  /** SVG -> PNG/JPEG/PDF conversions shared by engines whose library only draws SVG. */
  converter: SvgConverter;
  /** Counts a process/runtime restart for the metrics endpoint. */
  onRestart(engineId: string): void;
  /** Real renders in flight, so background warm-ups can give way (see runtimes/activity.ts). */
  activity: RenderActivity;
}

export type EngineFactory = (ctx: EngineContext) => DiagramEngine;
