/**
 * A tiny engine for pinning down HTTP behaviour (options precedence, negotiation, limits)
 * that real engines would blur. It draws an SVG whose text is the source and options it
 * received, so tests read back exactly what reached the engine. Real engines have their
 * own integration tests.
 */
import { defineEngine, type InlineRuntime } from '../../server/engines/spec.js';
import { DiagramSyntaxError } from '../../server/errors.js';

export interface EchoControl {
  renders: number;
  /** Resolve to release renders held by `hold` in the source. */
  release: () => void;
}

export function echoEngine(control: EchoControl = { renders: 0, release: () => {} }, types: readonly string[] = ['echo', 'echo-alias']) {
  let gate: Promise<void> = Promise.resolve();
  return defineEngine<InlineRuntime>({
    id: 'echo',
    types,
    formats: ['svg', 'png', 'txt'],
    options: { named: { mode: { kind: 'enum', values: ['plain', 'fancy'], description: 'A test option with allowed values.' } } },
    runtime: { kind: 'inline' },
    version: () => '1.0.0',
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
