/**
 * Worker thread: erd sources parsed (parser.ts), turned into DOT (dot.ts) and laid out by
 * Graphviz (hpcc-js WASM, loaded once per worker). Parsing runs here too, so a huge
 * source costs this thread, never the server's event loop, and the time limit stops both.
 */
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { serveWorker } from '../../runtimes/worker-protocol.js';
import { erdToDot } from './dot.js';
import { parseErd } from './parser.js';

const SAMPLE = '[Person]\n*name\n+birth_place_id\n\n[`Birth Place`]\n*id\ncity {label: "varchar"}\n\nPerson *--1 `Birth Place`\n';

serveWorker(async () => {
  const graphviz = await Graphviz.load();
  const render = ({ source }: { source: string }): string => {
    const dot = erdToDot(parseErd(source));
    // The DOT is Studio's own, so a Graphviz failure here is a bug, not the diagram's: a 500.
    const svg = graphviz.layout(dot, 'svg', 'dot');
    if (!svg) throw new Error('Graphviz produced no output for the erd diagram.');
    return svg;
  };
  return {
    info: { version: graphviz.version() },
    warmUp: () => render({ source: SAMPLE }),
    handlers: { render },
  };
});
