/**
 * What the worker-backed engines (graphviz, nomnoml, vega, vegalite, wavedrom, bytefield)
 * share: the DiagramEngine lifecycle around a WorkerHost, SVG -> other format conversion,
 * package versions, and JSON error lines.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import JSON5 from 'json5';
import type { EngineState, OutputFormat } from '../api/types.js';
import { DiagramSyntaxError } from '../errors.js';
import { resolveEntry, WorkerHost, type WorkerHostOptions } from '../runtimes/worker-host.js';
import type { DiagramEngine, EngineContext, EngineOptionSpec, RenderInput } from './engine.js';

export interface WorkerEngineSpec {
  id: string;
  types: readonly string[];
  formats: readonly OutputFormat[];
  /** Compiled worker entry, `new URL('../runtimes/workers/x.worker.js', import.meta.url)`. */
  worker: URL;
  options?: readonly EngineOptionSpec[];
  /** Workers for this engine = renders at once (the registry queues the rest). Default 1. */
  workers?: number;
  host?: Partial<Pick<WorkerHostOptions, 'resourceLimits' | 'recycleAfter' | 'recycleAboveRssGrowth'>>;
  /** Version from what the worker reported (`info`), or read without starting it. */
  version(info: Record<string, string> | null): string;
  render(host: WorkerHost, input: RenderInput): Promise<Buffer>;
}

export type WorkerEngine = DiagramEngine & { readonly host: WorkerHost };

export function workerEngine(ctx: EngineContext, spec: WorkerEngineSpec): WorkerEngine {
  const workers = spec.workers ?? 1;
  const host = new WorkerHost({
    id: spec.id,
    entry: spec.worker,
    logger: ctx.logger.child({ engine: spec.id }),
    onRestart: ctx.onRestart,
    size: workers,
    startTimeoutMs: Math.max(30_000, ctx.config.renderTimeoutMs),
    ...spec.host,
  });
  const engine: WorkerEngine = {
    id: spec.id,
    types: spec.types,
    formats: spec.formats,
    runtime: 'in-process',
    concurrency: workers,
    host,
    ...(spec.options ? { options: spec.options } : {}),
    state: (): EngineState => host.state(),
    version: () => spec.version(host.info()),
    available() {
      try {
        resolveEntry(spec.worker);
        return { ok: true };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    },
    start: async () => {
      await host.start();
    },
    render: (input) => spec.render(host, input),
    stop: () => host.stop(),
  };
  return engine;
}

/** An engine's SVG in the requested format: PNG/JPEG through the rasteriser, PDF through the browser. */
export async function svgAs(
  ctx: EngineContext,
  svg: string,
  format: OutputFormat,
  opts: { signal: AbortSignal; scale?: number },
): Promise<Buffer> {
  const convertOpts = { signal: opts.signal, ...(opts.scale !== undefined ? { scale: opts.scale } : {}) };
  switch (format) {
    case 'svg':
      return Buffer.from(svg, 'utf8');
    case 'png':
      return ctx.converter.toPng(svg, convertOpts);
    case 'jpeg':
      return ctx.converter.toJpeg(svg, convertOpts);
    case 'pdf':
      return ctx.converter.toPdf(svg, convertOpts);
    default:
      // The route layer validates formats against `formats`; this is a programming error.
      throw new Error(`svgAs cannot produce ${format}`);
  }
}

const require = createRequire(import.meta.url);

/** The installed version of an npm package, read from its package.json (never a literal). */
export function packageVersion(name: string): string {
  try {
    let dir = path.dirname(require.resolve(name));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level
      }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'unknown';
  }
}

/**
 * Parse a JSON diagram (Vega, Vega-Lite). Node's JSON.parse often omits the position, so
 * on failure JSON5 (a superset) re-parses to find the line and column of the mistake.
 */
export function parseJsonSource(source: string, what: string): unknown {
  try {
    return JSON.parse(source);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    try {
      JSON5.parse(source);
    } catch (err5) {
      const e5 = err5 as { lineNumber?: number; columnNumber?: number; message?: string };
      if (typeof e5.lineNumber === 'number') {
        const detail = (e5.message ?? '').replace(/^JSON5:\s*/, '').replace(/\s+at \d+:\d+$/, '');
        throw new DiagramSyntaxError(`Invalid ${what} JSON at line ${e5.lineNumber}, column ${e5.columnNumber ?? 0}: ${detail}`, {
          line: e5.lineNumber,
        });
      }
    }
    const pos = /at position (\d+)/.exec(message)?.[1];
    const line = pos === undefined ? undefined : lineAt(source, Number(pos));
    throw new DiagramSyntaxError(`Invalid ${what} JSON: ${message}`, line === undefined ? {} : { line });
  }
}

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < Math.min(offset, text.length); i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}
