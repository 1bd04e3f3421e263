/** A real engine context for tests: real config from a given env, silent logs. */
import { pino } from 'pino';
import { loadConfig, type StudioConfig } from '../../server/config.js';
import { createEngineContext } from '../../server/runtimes/context.js';

export function testContext(env: Record<string, string> = {}, overrides: Partial<StudioConfig> = {}) {
  // A shorter JVM warm-up than the server's default (800): tests run side by side, and a
  // test that needs a warm JVM asks for its own warm-up.
  const config = loadConfig({ STUDIO_PRELOAD: 'none', STUDIO_JVM_WARMUP: '100', ...env }, overrides);
  const restarts: string[] = [];
  const ctx = createEngineContext(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), (id) => restarts.push(id));
  return Object.assign(ctx, { restarts });
}
