/**
 * Worker thread: WaveDrom. Sources are JavaScript object literals; WaveDrom's own tools
 * `eval` them, here JSON5 parses them, so a diagram can never run code.
 */
import { createRequire } from 'node:module';
import { DiagramSyntaxError } from '../../errors.js';
import { parseJson5Source } from '../_support/json-source.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

const require = createRequire(import.meta.url);

/** The part of wavedrom's (untyped) API used here. */
interface WaveDrom {
  version: string;
  renderAny(index: number, source: unknown, skins: Record<string, unknown>): unknown;
  onml: { stringify(tree: unknown): string };
}
const wavedrom = require('wavedrom') as WaveDrom;

/** WaveDrom skins by name (`config: { skin: 'narrow' }` in a source picks one). */
function loadSkins(): Record<string, unknown> {
  const skins: Record<string, unknown> = {};
  for (const name of ['default', 'narrow', 'narrower', 'narrowerer', 'lowkey', 'dark']) {
    try {
      Object.assign(skins, require(`wavedrom/skins/${name}.js`) as Record<string, unknown>);
    } catch {
      // a skin missing from this wavedrom version is simply not offered
    }
  }
  return skins;
}

serveWorker(() => {
  const skins = loadSkins();
  return {
    info: { version: wavedrom.version },
    handlers: {
      render({ source }: { source: string }): string {
        const diagram = parseJson5Source(source, 'WaveDrom');
        if (typeof diagram !== 'object' || diagram === null || Array.isArray(diagram))
          throw new DiagramSyntaxError('A WaveDrom source must be an object, e.g. { signal: [...] }.');
        const d = diagram as Record<string, unknown>;
        if (!('signal' in d) && !('assign' in d) && !('reg' in d)) throw new DiagramSyntaxError('A WaveDrom source needs a signal, assign or reg property.');
        try {
          return wavedrom.onml.stringify(wavedrom.renderAny(0, d, skins));
        } catch (err) {
          throw new DiagramSyntaxError(`WaveDrom could not draw this source: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    },
  };
});
