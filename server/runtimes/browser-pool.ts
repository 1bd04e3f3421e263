// PLACEHOLDER — replaced by the browser-pool implementation (Mermaid helper).
import type { Logger } from 'pino';
import type { EngineState } from '../api/types.js';
import type { StudioConfig } from '../config.js';

export interface BrowserPoolOptions {
  config: StudioConfig;
  logger: Logger;
  onRestart(id: string): void;
}

export class BrowserPool {
  constructor(readonly opts: BrowserPoolOptions) {}
  state(): EngineState {
    return 'idle';
  }
  async start(): Promise<void> {
    throw new Error('not implemented');
  }
  async stop(): Promise<void> {}
}
