/**
 * What the tests of an engine drawing in the shared browser's pages share: its live
 * engine, started and warm before the file's tests; a marker server that counts the
 * requests a diagram must not make; and the engine's pooled page, to look at what a render
 * left in it.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { AnyEngineSpec } from '../../server/engines/spec.js';
import type { LiveEngine } from '../../server/render/engines.js';
import type { PageKind } from '../../server/runtimes/browser-pool.js';
import { testContext } from './context.js';
import { startMarkerServer, type MarkerServer } from './marker-server.js';

export interface PageEngineTest {
  engine: LiveEngine;
  /** Started in the file's beforeAll, so read it in a test, not when the file loads. */
  readonly marker: MarkerServer;
  /** The page the last render used (one page: the same one), for looking at its stage and globals. */
  onPage<T>(work: (page: Page) => Promise<T>): Promise<T>;
}

/** Call at the top of the test file: it registers the file's beforeAll and afterAll. */
export function pageEngineTest(spec: AnyEngineSpec, kind: PageKind): PageEngineTest {
  const ctx = testContext();
  const engine = ctx.engine(spec);
  let marker: MarkerServer | undefined;

  beforeAll(async () => {
    marker = await startMarkerServer();
    await engine.start();
    // Checks of the page look at the one the last render used: no warm-up render in between.
    await engine.whenWarm();
  });

  afterAll(async () => {
    await ctx.close();
    await marker?.close();
  });

  return {
    engine,
    get marker(): MarkerServer {
      if (!marker) throw new Error('the marker server is started in beforeAll');
      return marker;
    },
    // The kind's id names the engine's page in the pool, which keeps the kind it registered first.
    onPage: (work) => ctx.browser.withPage(kind, { signal: AbortSignal.timeout(10_000) }, work),
  };
}
