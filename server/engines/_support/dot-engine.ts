/**
 * Engines that are Studio's own translation of a diagram language into Graphviz DOT
 * (erd, WireViz), laid out by Graphviz compiled to WASM (`@hpcc-js/wasm-graphviz`) in a
 * warm worker of the engine's folder. `serveDotWorker` is that worker's whole body given
 * the translation; `dotEngine` the spec. Translating runs in the worker too, so a huge
 * source costs that thread, never the server's event loop, and the time limit stops both.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';
import { defineEngine, type Conversions, type EngineSpec, type WorkerRuntime } from '../spec.js';

export interface DotTranslation {
  dot: string;
  /** Whether the DOT holds text the diagram wrote as DOT itself (WireViz's `tweak`): then a Graphviz error is the diagram's. */
  fromDiagram?: boolean;
}

export function serveDotWorker(opts: {
  /** The language's name in messages ("erd", "WireViz"). */
  what: string;
  toDot(source: string): DotTranslation;
  /** Drawn once at start (warm-up). */
  sample: string;
}): void {
  serveWorker(async () => {
    const graphviz = await Graphviz.load();
    const render = ({ source }: { source: string }): string => {
      const { dot, fromDiagram } = opts.toDot(source);
      let svg: string;
      try {
        svg = graphviz.layout(dot, 'svg', 'dot');
      } catch (err) {
        // The DOT is Studio's own, so a Graphviz failure is a bug (a 500), unless the diagram wrote some of it.
        if (!fromDiagram) throw err;
        const message = (err instanceof Error ? err.message : String(err)).trim();
        throw new DiagramSyntaxError(`Graphviz cannot draw the ${opts.what} diagram: ${message}`);
      }
      if (!svg) throw new Error(`Graphviz produced no output for the ${opts.what} diagram.`);
      return svg;
    };
    return {
      info: { version: graphviz.version() },
      warmUp: () => render({ source: opts.sample }),
      handlers: { render },
    };
  });
}

export function dotEngine(opts: {
  id: string;
  /** `new URL('./worker.js', import.meta.url)` in the engine's folder. */
  entry: URL;
  /** What /api/engines shows before the Graphviz version: `studio-erd`. */
  name: string;
  conversions: Conversions;
  formatOrder: EngineSpec['formatOrder'];
  errorSample: { source: string; line?: number };
}): EngineSpec<WorkerRuntime> {
  return defineEngine<WorkerRuntime>({
    id: opts.id,
    types: [opts.id],
    formats: ['svg'],
    conversions: opts.conversions,
    formatOrder: opts.formatOrder,
    runtime: { kind: 'worker', entry: opts.entry },
    errorSample: opts.errorSample,
    // The translation is Studio's and has no version of its own: the Graphviz that draws is what varies.
    version: (info) => (info?.version ? `${opts.name} (Graphviz ${info.version})` : 'unknown (not started)'),
    async render(input, host) {
      return { svg: await host.call<string>('render', { source: input.source }, { signal: input.signal }) };
    },
  });
}
