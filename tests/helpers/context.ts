/** A real render context for tests: real config from a given env, silent logs, and live engines from specs. */
import { pino } from 'pino';
import { loadConfig, type StudioConfig } from '../../server/config.js';
import type { AnyEngineSpec } from '../../server/engines/spec.js';
import { createRenderContext, type RenderContext } from '../../server/render/context.js';
import { createLiveEngine, type LiveEngine } from '../../server/render/engines.js';

export type TestContext = RenderContext & { restarts: string[]; engine(spec: AnyEngineSpec): LiveEngine };

export function testContext(env: Record<string, string> = {}, overrides: Partial<StudioConfig> = {}): TestContext {
  // A shorter JVM warm-up than the server's default (800): tests run side by side, and a
  // test that needs a warm JVM asks for its own warm-up.
  const config = loadConfig({ STUDIO_PRELOAD: 'none', STUDIO_JVM_WARMUP: '100', ...env }, overrides);
  const restarts: string[] = [];
  const ctx = createRenderContext(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), (id) => restarts.push(id));
  return Object.assign(ctx, { restarts, engine: (spec: AnyEngineSpec) => createLiveEngine(spec, ctx) });
}
