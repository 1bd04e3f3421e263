/** Builds the shared runtimes every engine factory receives. */
import type { Logger } from 'pino';
import type { StudioConfig } from '../config.js';
import { createSvgConverter } from '../convert/index.js';
import type { EngineContext } from '../engines/engine.js';
import { RenderActivity } from './activity.js';
import { BrowserPool } from './browser-pool.js';

export function createEngineContext(
  config: StudioConfig,
  logger: Logger,
  onRestart: (engineId: string) => void = () => {},
): EngineContext & { close(): Promise<void> } {
  const browser = new BrowserPool({ config, logger: logger.child({ runtime: 'browser' }), onRestart });
  const converter = createSvgConverter({ browser, logger: logger.child({ runtime: 'converter' }) });
  return {
    config,
    logger,
    browser,
    converter,
    onRestart,
    activity: new RenderActivity(),
    async close() {
      await converter.stop();
      await browser.stop();
    },
  };
}
