/**
 * What the worker-backed engines (graphviz, nomnoml, vega, vegalite, wavedrom, bytefield)
 * share: the DiagramEngine lifecycle around a WorkerHost, SVG -> other format conversion
 * and package versions.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { EngineState, OutputFormat } from '../api/types.js';
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
  /**
   * Background renders after the first start, each only while the server has no real
   * render running (see runtimes/activity.ts): V8 optimises a library's hot code (and
   * tiers WASM up) only after it has run a few hundred times.
   */
  warmUp?: { source: string; renders: number };
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
  let warming: Promise<void> | null = null;
  const warmUp = async ({ source, renders }: { source: string; renders: number }) => {
    const input: RenderInput = {
      type: spec.types[0]!,
      source,
      format: 'svg',
      options: {},
      safeMode: ctx.config.safeMode,
      signal: new AbortController().signal,
    };
    for (let i = 0; i < renders; i++) {
      if (!(await ctx.activity.waitQuiet(() => host.state() === 'ready'))) return;
      try {
        await spec.render(host, input);
      } catch {
        return; // stopping, or a crash the next real render reports
      }
    }
  };
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
      if (spec.warmUp && !warming) warming = warmUp(spec.warmUp);
    },
    render: (input) => spec.render(host, input),
    stop: () => host.stop(),
    whenWarm: () => warming ?? Promise.resolve(),
  };
  return engine;
}

/** An engine's SVG in the requested format: PNG/JPEG through the rasteriser, PDF through the browser. */
export async function svgAs(ctx: EngineContext, svg: string, format: OutputFormat, opts: { signal: AbortSignal; scale?: number }): Promise<Buffer> {
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

/** Vega and Vega-Lite: one worker entry, the same formats; Vega-Lite is compiled to Vega first. */
export function vegaFamilyEngine(ctx: EngineContext, lite: boolean): WorkerEngine {
  const pkg = lite ? 'vega-lite' : 'vega';
  const version = packageVersion(pkg);
  return workerEngine(ctx, {
    id: lite ? 'vegalite' : 'vega',
    types: [lite ? 'vegalite' : 'vega'],
    formats: ['svg', 'png', 'pdf'],
    worker: new URL('../runtimes/workers/vega.worker.js', import.meta.url),
    version: () => version,
    async render(host, input) {
      const svg = await host.call<string>('render', { source: input.source, lite, unsafe: input.safeMode === 'unsafe' }, { signal: input.signal });
      return svgAs(ctx, svg, input.format, { signal: input.signal });
    },
  });
}

/** Engines whose library draws SVG only and takes no options (nomnoml, wavedrom, bytefield). */
export function svgOnlyEngine(ctx: EngineContext, spec: { id: string; worker: URL; pkg: string }): WorkerEngine {
  const version = packageVersion(spec.pkg);
  return workerEngine(ctx, {
    id: spec.id,
    types: [spec.id],
    formats: ['svg'],
    worker: spec.worker,
    version: () => version,
    async render(host, input) {
      const svg = await host.call<string>('render', { source: input.source }, { signal: input.signal });
      return Buffer.from(svg, 'utf8');
    },
  });
}
