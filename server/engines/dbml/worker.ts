/**
 * Worker thread: dbml-renderer. Its first render loads the bundled viz.js (~2 MB of
 * JavaScript, ~0.2 s), so the warm-up sample pays for it.
 */
import { run } from '@softwaretechnik/dbml-renderer';
import { DiagramSyntaxError, EngineCrashedError } from '../../errors.js';
import { serveWorker } from '../../runtimes/worker-protocol.js';

const SAMPLE = 'Table a {\n  id integer [pk]\n}\nTable b {\n  id integer [pk]\n  a_id integer [ref: > a.id]\n}\n';

function render({ source }: { source: string }): string {
  try {
    return run(source, 'svg');
  } catch (err) {
    if (err instanceof WebAssembly.RuntimeError) {
      // viz.js aborted (it is Emscripten output): its state cannot be trusted any more, so
      // this worker ends right after the reply and the host starts a fresh one.
      setImmediate(() => process.exit(1));
      throw new EngineCrashedError(`Graphviz (viz.js) aborted while drawing this diagram (${err.message}); the dbml engine is being restarted.`);
    }
    const message = (err instanceof Error ? err.message : String(err)).trim();
    // Parse errors: "Could not parse input at line 3:7. Expected …". Errors of the schema
    // ("Table b does not exist") and of Graphviz (lines of the generated DOT) name no line
    // of the source.
    const line = err instanceof Error && err.name === 'SyntaxError' ? /^Could not parse input at line (\d+):\d+/.exec(message)?.[1] : undefined;
    throw new DiagramSyntaxError(message, line ? { line: Number(line) } : {});
  }
}

serveWorker(() => ({
  info: {},
  warmUp: () => render({ source: SAMPLE }),
  handlers: { render },
}));
