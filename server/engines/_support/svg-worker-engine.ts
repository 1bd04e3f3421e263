/**
 * The spec of an engine whose library draws SVG from the source alone, with no options,
 * in a worker of its own folder (nomnoml, WaveDrom, bytefield, Pikchr, DBML): everything
 * else about such an engine is its worker.ts.
 */
import { defineEngine, type Conversions, type EngineSpec, type WorkerRuntime } from '../spec.js';
import { packageVersion } from './package-version.js';

export function svgWorkerEngine(opts: {
  id: string;
  /** The npm package whose version /api/engines shows. */
  pkg: string;
  /** `new URL('./worker.js', import.meta.url)` in the engine's folder. */
  entry: URL;
  /** Default: PNG from the SVG, which every type offers. */
  conversions?: Conversions;
  errorSample?: { source: string; line?: number };
  maxSourceLength?: number;
}): EngineSpec<WorkerRuntime> {
  const version = packageVersion(opts.pkg);
  const limit = opts.maxSourceLength;
  return defineEngine<WorkerRuntime>({
    id: opts.id,
    types: [opts.id],
    formats: ['svg'],
    conversions: opts.conversions ?? { png: 'svg' },
    runtime: { kind: 'worker', entry: opts.entry },
    version: () => version,
    ...(opts.errorSample ? { errorSample: opts.errorSample } : {}),
    ...(limit !== undefined ? { maxSourceLength: () => limit } : {}),
    async render(input, host) {
      return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
    },
  });
}
