/**
 * PNG of an SVG an engine's page left on its stage, drawn by the same browser that laid it
 * out (embedded web fonts, measured text), with a transparent background.
 */
import type { Page } from 'playwright-core';
import { MAX_AREA_PX, MAX_SIDE_PX } from '../../convert/browser-convert.js';
import { BadRequestError } from '../../errors.js';

export async function screenshotSvg(page: Page, selector: string): Promise<Buffer> {
  const target = page.locator(selector);
  // A scene's coordinates are the diagram's to choose: a huge picture is refused before
  // Chromium tries to allocate it (which can take the page down).
  const box = await target.boundingBox();
  if (!box) throw new Error(`no picture at ${selector} to capture`);
  const width = Math.ceil(box.width);
  const height = Math.ceil(box.height);
  if (width > MAX_SIDE_PX || height > MAX_SIDE_PX || width * height > MAX_AREA_PX)
    throw new BadRequestError(`The picture is too large for PNG (${width}×${height} px; at most ${MAX_SIDE_PX} px a side); ask for SVG instead.`);
  return target.screenshot({ type: 'png', omitBackground: true, animations: 'disabled' });
}
