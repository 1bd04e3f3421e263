/**
 * Worker thread: Vega (and Vega-Lite, compiled to Vega, loaded on first use).
 * Secure mode is enforced here; see vega-safety.ts.
 */
import * as vega from 'vega';
import { BadRequestError, DiagramSyntaxError } from '../../errors.js';
import { parseJsonSource } from '../_support/json-source.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';
import { findUrl, quietLogger, refusal, secureLoader, UnsafeUrlError } from './safety.js';

export interface VegaRenderRequest {
  source: string;
  lite: boolean;
  /** True only when the server's safe mode is `unsafe`. */
  unsafe: boolean;
}

type VegaLite = typeof import('vega-lite');
let vegaLite: Promise<VegaLite> | null = null;

async function render({ source, lite, unsafe }: VegaRenderRequest): Promise<string> {
  const what = lite ? 'Vega-Lite' : 'Vega';
  const spec = parseJsonSource(source, what);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new DiagramSyntaxError(`A ${what} spec must be a JSON object.`);
  if (!unsafe) {
    const where = findUrl(spec);
    if (where)
      throw new UnsafeUrlError(`${where} is not allowed: in secure mode a ${what} spec may not read files or fetch URLs. Use inline "values" instead.`);
  }

  let runtime: vega.Runtime;
  try {
    let vegaSpec = spec as vega.Spec;
    if (lite) {
      vegaLite ??= import('vega-lite');
      const vl = await vegaLite;
      vegaSpec = vl.compile(spec as Parameters<VegaLite['compile']>[0]).spec;
    }
    runtime = vega.parse(vegaSpec);
  } catch (err) {
    throw new DiagramSyntaxError(`Invalid ${what} spec: ${err instanceof Error ? err.message : String(err)}`);
  }

  const blocked: string[] = [];
  const errors: string[] = [];
  const view = new vega.View(runtime, {
    renderer: 'none',
    loader: unsafe ? vega.loader() : secureLoader(blocked),
    logger: quietLogger(errors),
    logLevel: vega.Error,
  });
  try {
    const svg = await view.toSVG();
    if (blocked.length > 0) throw refusal(blocked[0]!);
    return svg;
  } catch (err) {
    if (blocked.length > 0) throw refusal(blocked[0]!);
    if (err instanceof BadRequestError) throw err;
    throw new DiagramSyntaxError(`${what} could not render this spec: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    view.finalize();
  }
}

serveWorker(() => ({
  info: { version: vega.version },
  handlers: { render },
  warmUp: () =>
    render({
      source:
        '{"width":40,"height":20,"data":[{"name":"t","values":[{"x":1}]}],"marks":[{"type":"rect","from":{"data":"t"},"encode":{"enter":{"x":{"value":0},"width":{"value":10},"y":{"value":0},"height":{"value":10}}}}]}',
      lite: false,
      unsafe: false,
    }),
}));
