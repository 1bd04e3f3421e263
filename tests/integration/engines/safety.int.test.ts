/**
 * Secure mode, across engines: diagrams that try each engine's ways to reach out (image
 * and icon URLs, includes, imports, data URLs, file reads) render or are refused, and
 * nothing reaches a marker server on 127.0.0.1 nor does a secret file's text come back.
 * The engines with richer rules have their own tests too (plantuml, mermaid, vega,
 * blockdiag, bpmn, excalidraw, d2); this file holds every engine to the same two facts.
 * Each type's probes are its engine's (`probes` in server/engines/<id>/testing.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../../shared/api.js';
import { ENGINES } from '../../../server/engines/index.js';
import type { AnyEngineSpec } from '../../../server/engines/spec.js';
import { TESTING, type Probes } from '../../../server/engines/testing.js';
import { StudioError } from '../../../server/errors.js';
import type { LiveEngine } from '../../../server/render/engines.js';
import { testContext, type TestContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { renderInput } from '../../helpers/picture-checks.js';

// Letters and digits only: TeX would turn dashes into other glyphs.
const SECRET = `SECRET${process.pid}X${Date.now()}`;
let dir: string;
let secretFile: string;
let marker: MarkerServer;
let ctx: TestContext;
const engines = new Map<AnyEngineSpec, LiveEngine>();

/** The types that have ways to reach out, with their probes. */
const PROBES: ReadonlyArray<readonly [string, Probes]> = [...TESTING].flatMap(([type, { probes }]) =>
  typeof probes === 'function' ? [[type, probes] as const] : [],
);

beforeAll(async () => {
  marker = await startMarkerServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'studio-safety-'));
  secretFile = path.join(dir, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  ctx = testContext({ STUDIO_JVM_WARMUP: '0', STUDIO_SAFE_MODE: 'secure' });
  // The marker really counts: a control request must show up, then the list starts empty.
  await fetch(`${marker.url}/control`);
  expect(marker.hits).toEqual(['/control']);
  marker.hits.length = 0;
});

afterAll(async () => {
  for (const engine of engines.values()) await engine.stop();
  await ctx?.close();
  await marker?.close();
  rmSync(dir, { recursive: true, force: true });
});

function engineFor(type: string): LiveEngine | null {
  const spec = ENGINES.find((s) => s.types.includes(type));
  if (!spec) return null;
  let engine = engines.get(spec);
  if (!engine) {
    engine = ctx.engine(spec);
    engines.set(spec, engine);
  }
  return engine;
}

describe('secure mode keeps every engine to itself', () => {
  it('has a probe for every type a local engine renders', () => {
    // A type with no way of its own to reach out says why (`probes: { none }`), so none is left out by omission.
    const missing = ENGINES.flatMap((s) => s.types).filter((t) => !TESTING.has(t));
    expect(missing, 'types without a probe (add their ways to reach out to server/engines/<id>/testing.ts)').toEqual([]);
  });

  for (const [type, probes] of PROBES) {
    it(`${type}: no request leaves and no file is read`, async () => {
      const engine = engineFor(type);
      expect(engine, `a local engine for ${type}`).not.toBeNull();
      const formats: OutputFormat[] = ['svg', ...(engine!.formats.includes('png') ? (['png'] as const) : [])];
      for (const source of probes(marker.url, secretFile)) {
        for (const format of formats) {
          const out = await engine!.render(renderInput(type, source, format, { safeMode: 'secure' })).catch((err: unknown) => err);
          if (out instanceof Error) {
            // Refusing the diagram is fine; failing the server is not.
            expect(out, `${type}/${format}: ${out.message}`).toBeInstanceOf(StudioError);
            expect((out as StudioError).status, out.message).toBeLessThan(500);
            expect(out.message).not.toContain(SECRET);
          } else {
            const raw = Buffer.from(out as Buffer).toString('utf8');
            // Also the text alone: an engine may split a word into spans where a kern falls (dvisvgm).
            expect(raw, `${type}/${format} shows the secret file`).not.toContain(SECRET);
            expect(raw.replace(/<[^>]*>/g, ''), `${type}/${format} shows the secret file`).not.toContain(SECRET);
          }
        }
      }
      // Let a late fetch (an <img> a page loads after the answer) arrive before counting.
      await new Promise((r) => setTimeout(r, 300));
      expect(marker.hits, `requests from ${type}`).toEqual([]);
    });
  }
});
