/**
 * A tiny engine for pinning down HTTP behaviour (options precedence, negotiation, limits)
 * that real engines would blur. It draws an SVG whose text is the source and options it
 * received, so tests read back exactly what reached the engine. Real engines have their
 * own integration tests.
 */
import type { DiagramEngine, EngineFactory } from '../../server/engines/engine.js';
import { DiagramSyntaxError } from '../../server/errors.js';

export interface EchoControl {
  renders: number;
  /** Resolve to release renders held by `hold` in the source. */
  release: () => void;
}

export function echoEngine(control: EchoControl = { renders: 0, release: () => {} }, types: readonly string[] = ['echo', 'echo-alias']): EngineFactory {
  let gate: Promise<void> = Promise.resolve();
  return (): DiagramEngine => ({
    id: 'echo',
    types,
    formats: ['svg', 'png', 'txt'],
    runtime: 'in-process',
    concurrency: 1,
    state: () => 'ready',
    version: () => '1.0.0',
    available: () => ({ ok: true }),
    start: async () => {},
    stop: async () => {},
    async render({ source, format, options, signal }) {
      control.renders++;
      if (source.includes('hold')) {
        gate = new Promise<void>((r) => (control.release = r));
        await Promise.race([gate, new Promise((_, rej) => signal.addEventListener('abort', () => rej(signal.reason)))]);
      }
      const m = /^error at (\d+)/.exec(source);
      if (m) throw new DiagramSyntaxError(`echo: syntax error`, { line: Number(m[1]) });
      const text = `${source}|${JSON.stringify(options)}`;
      if (format === 'txt') return Buffer.from(text);
      if (format === 'png') return Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      const esc = text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
      return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg"><text>${esc}</text></svg>`);
    },
  });
}
