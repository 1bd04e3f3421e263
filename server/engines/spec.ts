/**
 * The one shape every embedded engine has (like Kroki's DiagramService, but declarative):
 * names, formats, conversions as data, an options schema the render core validates, the
 * runtime it needs, warm-up samples and `render(input, host)`. An engine folder exports
 * one of these; server/engines/index.ts lists them. Lifecycle (start, warm-up, idle stop,
 * crash recovery, memory budget) is the runtime manager's, never the engine's.
 */
import type { Logger } from 'pino';
import type { OutputFormat, RuntimeKind, SafeMode } from '../../shared/api.js';
import type { StudioConfig } from '../config.js';
import type { SvgConverter } from '../convert/svg-converter.js';
import type { BrowserPool, PageKind } from '../runtimes/browser-pool.js';
import type { CommandWorkerOptions } from '../runtimes/command-runner.js';
import type { CommandRunsOptions } from '../runtimes/command-runs.js';
import type { JvmHostOptions } from '../runtimes/jvm-host.js';
import type { WorkerHostOptions } from '../runtimes/worker-host.js';

// ---- options ----------------------------------------------------------------------

interface OptionBase {
  description: string;
}
/** Enabled by presence, like Kroki's flags (`no-metadata`). */
export interface FlagOption extends OptionBase {
  kind: 'flag';
}
export interface EnumOption extends OptionBase {
  kind: 'enum';
  values: readonly string[];
}
export interface NumberOption extends OptionBase {
  kind: 'number';
  /** Exclusive lower bound (a scale must be > 0). */
  above?: number;
  max?: number;
  integer?: boolean;
}
export interface StringOption extends OptionBase {
  kind: 'string';
  pattern?: RegExp;
  /** Said when the pattern does not match ("letters, digits, - and _ only"). */
  hint?: string;
}
export type OptionSpec = FlagOption | EnumOption | NumberOption | StringOption;

export interface OptionsSchema {
  /** Options by exact (lower-case) name. */
  named?: Readonly<Record<string, OptionSpec>>;
  /**
   * Families of options by prefix (`node-attribute-` + a name): the suffix must match
   * `suffix`, the value `value`.
   */
  prefixed?: Readonly<Record<string, { suffix: RegExp; suffixHint: string; value: OptionSpec }>>;
  /** Every other key is passed to the engine as it is (Mermaid's config keys). */
  passthrough?: { name: string; description: string };
}

/** What an option value became after validation. */
export type OptionValue = string | number | boolean;

// ---- settings ---------------------------------------------------------------------

/**
 * An engine's settings come from environment variables like every other setting; they
 * are declared here and validated with the rest of the configuration at start.
 */
export type SettingSpec =
  | { env: string; kind: 'int'; default: number; min: number; max?: number; description: string }
  | { env: string; kind: 'string'; default: string; pattern?: RegExp; hint?: string; description: string }
  /** A file that must exist when the variable is set. */
  | { env: string; kind: 'file'; default: () => string; description: string }
  /** The variable's file if it exists, else the first default that exists, else null. */
  | { env: string; kind: 'optional-file'; default: () => readonly string[]; description: string }
  /** Words separated by white space. */
  | { env: string; kind: 'words'; default: readonly string[]; description: string };
export type SettingsSchema = Readonly<Record<string, SettingSpec>>;
export type SettingValue = string | number | readonly string[] | null;

// ---- conversions ------------------------------------------------------------------

/** A format made from another by the shared converters: `{ png: 'svg' }`. */
export type Conversions = Partial<Readonly<Record<OutputFormat, 'svg'>>>;

// ---- runtimes ---------------------------------------------------------------------

/** A worker thread pool of the engine's own (`worker.ts` in its folder). */
export interface WorkerRuntime {
  kind: 'worker';
  settings?: SettingsSchema;
  entry: URL;
  /**
   * Engines whose runtimes name the same key share one pool of workers (one library loaded
   * once, one unit for the runtime manager), as JVM engines share a JVM. Default: the
   * engine's own pool.
   */
  key?: string;
  /** Workers = renders at once. Default 1. */
  size?: number;
  host?: Partial<Pick<WorkerHostOptions, 'resourceLimits' | 'recycleAfter' | 'recycleAboveRssGrowth'>>;
}
/** Pages of the shared browser, of a kind the engine defines (its page folder). */
export interface BrowserRuntime {
  kind: 'browser';
  settings?: SettingsSchema;
  page(env: EngineEnv): PageKind;
  pages(env: EngineEnv): number;
}
/**
 * A long-lived JVM. Engines naming the same `key` share one process (PlantUML, C4 and
 * ditaa run on one JVM).
 */
export interface JvmRuntime {
  kind: 'jvm';
  key: string;
  settings?: SettingsSchema;
  host(env: EngineEnv): Omit<JvmHostOptions, 'logger' | 'onRestart'>;
  /** Renders in flight at once (the JVM pipelines them onto its threads). */
  concurrency: number;
}
/** A persistent child process speaking the command runner's frame protocol. */
export interface CommandRuntime {
  kind: 'command';
  key: string;
  settings?: SettingsSchema;
  worker(env: EngineEnv): Omit<CommandWorkerOptions, 'logger' | 'onRestart'>;
  concurrency: number;
}
/**
 * A program started once per render (a typesetter ends with its document, so no worker
 * can serve the next one), with what every run shares prepared when the runtime starts.
 */
export interface ProgramRuntime {
  kind: 'program';
  settings?: SettingsSchema;
  runs(env: EngineEnv): Omit<CommandRunsOptions, 'logger'>;
  concurrency(env: EngineEnv): number;
}
/**
 * On the server's own thread, no process: only for work that is tiny and bounded by
 * itself (a translation to another engine's input, a test engine). Anything a diagram can
 * make slow belongs in a worker, where the time limit can stop it.
 */
export interface InlineRuntime {
  kind: 'inline';
  settings?: SettingsSchema;
}
export type RuntimeSpec = WorkerRuntime | BrowserRuntime | JvmRuntime | CommandRuntime | ProgramRuntime | InlineRuntime;

// ---- rendering --------------------------------------------------------------------

export interface RenderInput {
  /** The type named in the request (an engine may serve several: plantuml, c4plantuml). */
  type: string;
  /** Decoded diagram source. */
  source: string;
  /** A format the engine makes natively (conversions are the core's). */
  format: OutputFormat;
  /** Merged Kroki options, validated against the schema: keys lower-cased, values strings. */
  options: Readonly<Record<string, string>>;
  /** Typed values of the schema's named options that were given. */
  values: Readonly<Record<string, OptionValue>>;
  /** Effective safe mode (forced server-side, never taken from client options). */
  safeMode: SafeMode;
  /**
   * Aborted when the time limit passes or the client goes away. An engine must stop
   * waiting and reject promptly; the runtime recycles a process that may be stuck.
   */
  signal: AbortSignal;
}

/** What an engine's render may use besides its runtime host. */
export interface EngineEnv {
  config: StudioConfig;
  logger: Logger;
  converter: SvgConverter;
  browser: BrowserPool;
  /** This schema's values, validated at start (see config.ts). */
  settings<S extends SettingsSchema>(schema: S): { readonly [K in keyof S]: SettingValue };
}

/** The host a runtime hands to `render`: the engine's own view of its process. */
export type HostFor<R extends RuntimeSpec> = R extends WorkerRuntime
  ? import('../runtimes/worker-host.js').WorkerHost
  : R extends BrowserRuntime
    ? { pool: BrowserPool; kind: PageKind }
    : R extends JvmRuntime
      ? import('../runtimes/jvm-host.js').JvmHost
      : R extends CommandRuntime
        ? import('../runtimes/command-runner.js').CommandWorker
        : R extends ProgramRuntime
          ? import('../runtimes/command-runs.js').CommandRuns
          : null;

/** An engine's answer: bytes in the asked format, or SVG for the core to convert, with converter options. */
export type RenderOutput = Buffer | { svg: string; scale?: number };

export interface EngineSpec<R extends RuntimeSpec = RuntimeSpec> {
  /** Stable id used in logs, metrics and /api/engines (`graphviz`). */
  id: string;
  /** Type names it serves; the first is canonical. Aliases come from the catalogue. */
  types: readonly string[];
  /** Formats it makes itself, in the order error messages list them. */
  formats: readonly OutputFormat[];
  /** Formats made from its SVG by the shared converters. */
  conversions?: Conversions;
  /** Formats in the order /api/engines and error messages list them (default: native, then converted). */
  formatOrder?: readonly OutputFormat[];
  options?: OptionsSchema;
  runtime: R;
  /** Version of the library, read at run time, never a literal; `info` is what the runtime reported. */
  version(info: Readonly<Record<string, string>> | null, env: EngineEnv): string;
  /** Longest source accepted, in characters, checked before the runtime is started or used. */
  maxSourceLength?(env: EngineEnv): number;
  /** Whether it can run on this machine (a missing jar, no Java): a reason, or null. */
  unavailable?(env: EngineEnv): string | null;
  /**
   * Diagrams drawn in the background after a start, while nobody renders: V8 and the JIT
   * speed a library up only after it has run a while. The first `beforeReady` are drawn
   * before the engine reports ready, so no user pays for the slowest first render.
   */
  warmUp?: { sample(i: number): { source: string; format: OutputFormat }; renders(env: EngineEnv): number; beforeReady?: number };
  /** A source the engine must refuse, and the line its error names (the conformance suite renders it). */
  errorSample?: { source: string; line?: number };
  /** Settings of the engine itself (its runtime may declare more). */
  settings?: SettingsSchema;
  render(input: RenderInput, host: HostFor<R>, env: EngineEnv): Promise<RenderOutput>;
}

/** Helper for typing an engine's spec with its runtime's host type. */
export function defineEngine<R extends RuntimeSpec>(spec: EngineSpec<R>): EngineSpec<R> {
  return spec;
}

export type AnyEngineSpec =
  | EngineSpec<WorkerRuntime>
  | EngineSpec<BrowserRuntime>
  | EngineSpec<JvmRuntime>
  | EngineSpec<CommandRuntime>
  | EngineSpec<ProgramRuntime>
  | EngineSpec<InlineRuntime>;

/** The runtime kind shown in /api/engines and /health. */
export function runtimeKind(spec: AnyEngineSpec): RuntimeKind {
  switch (spec.runtime.kind) {
    case 'worker':
    case 'inline':
      return 'in-process';
    case 'browser':
      return 'browser';
    case 'jvm':
      return 'jvm';
    case 'command':
    case 'program':
      return 'command';
  }
}
