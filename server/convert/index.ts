// PLACEHOLDER — replaced by the converter implementation (in-process engines helper).
import type { Logger } from 'pino';
import type { BrowserPool } from '../runtimes/browser-pool.js';
import type { SvgConverter } from './svg-converter.js';

export function createSvgConverter(_opts: { browser: BrowserPool; logger: Logger }): SvgConverter {
  const no = async (): Promise<Buffer> => {
    throw new Error('not implemented');
  };
  return { toPng: no, toJpeg: no, toPdf: no, stop: async () => {} };
}
