/** Worker thread: Graphviz (hpcc-js WASM), loaded once per worker. */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

export interface GraphvizRenderRequest {
  source: string;
  /** Already validated against the layout engines Graphviz knows. */
  layout: string;
}

serveWorker(async () => {
  const graphviz = await Graphviz.load();
  return {
    info: { version: graphviz.version() },
    warmUp: () => graphviz.layout('digraph { a -> b -> c; a -> c }', 'svg', 'dot'),
    handlers: {
      render({ source, layout }: GraphvizRenderRequest): string {
        let svg: string;
        try {
          // hpcc-js unloads its module memo after an error, but this instance stays
          // usable, so the WASM is still loaded once per worker.
          svg = graphviz.layout(source, 'svg', layout as 'dot');
        } catch (err) {
          const message = (err instanceof Error ? err.message : String(err)).trim();
          const line = /\bline (\d+)\b/.exec(message)?.[1];
          throw new DiagramSyntaxError(`Error: ${message}`, line ? { line: Number(line) } : {});
        }
        if (!svg) throw new DiagramSyntaxError('Graphviz produced no output for this source.');
        return svg;
      },
    },
  };
});
