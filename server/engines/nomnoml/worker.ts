/** Worker thread: nomnoml. */
import nomnoml from 'nomnoml';
import { DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

serveWorker(() => ({
  info: { version: nomnoml.version },
  warmUp: () => nomnoml.renderSvg('[a]->[b]'),
  handlers: {
    render({ source }: { source: string }): string {
      try {
        return nomnoml.renderSvg(source);
      } catch (err) {
        const e = err as Error & { line?: unknown };
        const line = typeof e.line === 'number' ? e.line : undefined;
        throw new DiagramSyntaxError(e.message || String(err), line === undefined ? {} : { line });
      }
    },
  },
}));
