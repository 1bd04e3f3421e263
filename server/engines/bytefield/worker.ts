/** Worker thread: bytefield-svg (a ClojureScript DSL interpreter, ~70 ms to load). */
import { createRequire } from 'node:module';
import { DiagramSyntaxError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

const require = createRequire(import.meta.url);

serveWorker(() => {
  const generate = require('bytefield-svg') as (source: string, opts?: { embedded?: boolean }) => string;
  const { version } = require('bytefield-svg/package.json') as { version: string };
  return {
    info: { version },
    warmUp: () => generate('(draw-column-headers)\n(draw-box "a" {:span 4})'),
    handlers: {
      render({ source }: { source: string }): string {
        try {
          return generate(source);
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          const line = /\[at line (\d+), column \d+\]/.exec(message)?.[1];
          throw new DiagramSyntaxError(message, line ? { line: Number(line) } : {});
        }
      },
    },
  };
});
