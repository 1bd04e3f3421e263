/**
 * What the render core shares between engines: the browser, the converters, the
 * runtime manager and the server-wide render activity. Built once per server (or test).
 */
import type { Logger } from 'pino';
import { readSetting, type StudioConfig } from '../config.js';
import { createSvgConverter } from '../convert/index.js';
import type { SvgConverter } from '../convert/svg-converter.js';
import type { EngineEnv, SettingsSchema, SettingValue } from '../engines/spec.js';
import { RenderActivity } from '../runtimes/activity.js';
import { BrowserPool } from '../runtimes/browser-pool.js';
import { RuntimeManager } from '../runtimes/manager.js';
import { serverTreeBytes } from '../runtimes/process-memory.js';

export interface RenderContext extends EngineEnv {
  activity: RenderActivity;
  manager: RuntimeManager;
  /** Counts a process or runtime restart for the metrics endpoint. */
  onRestart(id: string): void;
  close(): Promise<void>;
}

/** `measureProcess`: the server owns its process (the CLI, the desktop child), so the budget weighs the whole of it. */
export function createRenderContext(
  config: StudioConfig,
  logger: Logger,
  onRestart: (id: string) => void = () => {},
  opts: { measureProcess?: boolean } = {},
): RenderContext {
  const browser = new BrowserPool({ config, logger: logger.child({ runtime: 'browser' }), onRestart });
  const converter: SvgConverter = createSvgConverter({ browser, logger: logger.child({ runtime: 'converter' }) });
  const activity = new RenderActivity();
  const manager = new RuntimeManager({
    logger: logger.child({ runtime: 'manager' }),
    activity,
    idleStopMs: config.idleStopMs,
    memoryBudgetBytes: config.memoryBudgetBytes,
    // Embedded in another process (a test runner, a host app), the process's memory is not
    // the server's: the budget then weighs the runtimes' own figures.
    ...(opts.measureProcess && { measureTotal: serverTreeBytes }),
  });
  return {
    config,
    logger,
    browser,
    converter,
    activity,
    manager,
    onRestart,
    settings<S extends SettingsSchema>(schema: S) {
      const out: Record<string, SettingValue> = {};
      // A setting read at start (config.ts), or its default for an engine added later (tests).
      for (const [key, spec] of Object.entries(schema)) out[key] = spec.env in config.settings ? config.settings[spec.env]! : readSetting(spec, {});
      return out as { readonly [K in keyof S]: SettingValue };
    },
    async close() {
      await manager.close();
      await converter.stop();
      await browser.stop();
    },
  };
}
