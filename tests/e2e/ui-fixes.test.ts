/**
 * What a new user found in the web UI, fixed for both surfaces, in a real Chromium
 * against a real server: a tab with unsaved text asks before it closes and a closed tab
 * comes back; Export says why it exports nothing while the diagram has an error; after a
 * type switch the preview shows the new type's result or its error, never the old
 * engine's picture; the page has a favicon.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  editorText,
  launchChromium,
  newStudioPage,
  pageErrors,
  placements,
  previewSvg,
  selectType,
  startStudio,
  typeDiagram,
  waitForPreview,
  warmUp,
  type Studio,
} from './support/studio.js';

let studio: Studio;
let browser: Browser;
let where: Record<string, string> = {};

beforeAll(async () => {
  studio = await startStudio({ STUDIO_PRELOAD: 'in-process' });
  where = await placements(studio.url);
  await warmUp(studio.url, ['graphviz']);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await studio?.stop();
});

async function open(): Promise<Page> {
  return (await newStudioPage(browser, studio.url)).page;
}
async function done(page: Page): Promise<void> {
  expect(pageErrors(page), 'uncaught errors in the page').toEqual([]);
  await page.context().close();
}
const tabNames = (page: Page) => page.locator('[role="tab"] .name').allTextContents();

describe('web UI fixes', () => {
  it('has a favicon the server serves', async () => {
    const page = await open();
    const href = await page.locator('link[rel="icon"]').evaluate((l) => (l as HTMLLinkElement).href);
    const response = await fetch(href);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await response.text()).toContain('<svg');
    await done(page);
  });

  it('asks before closing a tab with unsaved text, and a closed tab can be reopened', async () => {
    const page = await open();
    expect(where.graphviz).toBe('local');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { Unsaved -> Work }');
    const name = (await tabNames(page))[0]!;
    await page.getByRole('button', { name: `Close ${name}` }).click();
    await expect.poll(() => page.locator('[data-testid="unsaved-message"]').textContent()).toBe(`Save the changes to ${name}?`);
    await page.locator('[data-testid="unsaved-cancel"]').click();
    expect(await tabNames(page)).toEqual([name]);
    expect(await editorText(page)).toBe('digraph { Unsaved -> Work }');

    await page.getByRole('button', { name: `Close ${name}` }).click();
    await page.locator('[data-testid="unsaved-discard"]').click();
    await expect.poll(() => editorText(page)).not.toBe('digraph { Unsaved -> Work }');
    expect(await page.locator('[data-testid="status-message"]').textContent()).toBe(`Closed ${name}. Reopen it with Alt+Shift+T.`);

    // The shortcut (or the status bar's button) brings it back with its text.
    await page.keyboard.press('Alt+Shift+KeyT');
    await expect.poll(() => editorText(page)).toBe('digraph { Unsaved -> Work }');
    expect(await tabNames(page)).toEqual([name]);
    await waitForPreview(page, (svg) => svg.includes('Unsaved'));
    await done(page);
  });

  it('closes a tab without asking when nothing is unsaved', async () => {
    const page = await open();
    await page.getByRole('button', { name: 'New document' }).click();
    expect(await tabNames(page)).toHaveLength(2);
    // An untitled document counts as unsaved while it has text; emptied, it has nothing to lose.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Alt+KeyW');
    await expect.poll(() => tabNames(page)).toHaveLength(1);
    expect(await page.locator('[data-testid="unsaved-message"]').count()).toBe(0);
    await done(page);
  });

  it('Export says the diagram has an error and exports nothing from an older version', async () => {
    const page = await open();
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { Good -> Picture }');
    await waitForPreview(page, (svg) => svg.includes('Picture'));
    await typeDiagram(page, 'digraph { Good -> ');
    await page.locator('[data-testid="preview-error"]').waitFor();
    // The old picture is still on screen...
    expect(await previewSvg(page)).toContain('Picture');
    await page.keyboard.press('Control+Shift+KeyE');
    const blocked = page.locator('[data-testid="export-blocked"]');
    await blocked.waitFor();
    expect(await blocked.textContent()).toMatch(/^The diagram has an error( on line \d+)?: fix it to export\. Nothing is exported from an older version\.$/);
    // ...but Export will not save it under the current name.
    expect(await page.locator('[data-testid="export-svg"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="export-png"]').isDisabled()).toBe(true);
    expect(await page.locator('[data-testid="export-pdf"]').isDisabled()).toBe(true);
    await page.keyboard.press('Escape');

    await typeDiagram(page, 'digraph { Good -> Fixed }');
    await waitForPreview(page, (svg) => svg.includes('Fixed'));
    await page.keyboard.press('Control+Shift+KeyE');
    await page.locator('[data-testid="export-svg"]').waitFor();
    expect(await page.locator('[data-testid="export-blocked"]').count()).toBe(0);
    expect(await page.locator('[data-testid="export-svg"]').isDisabled()).toBe(false);
    const download = page.waitForEvent('download');
    await page.locator('[data-testid="export-svg"]').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/\.svg$/);
    await done(page);
  });

  it("after a type switch shows the new type's error, not the previous engine's picture", async () => {
    const page = await open();
    expect(where.vegalite).toBe('local');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { Graphviz -> Picture }');
    await waitForPreview(page, (svg) => svg.includes('Graphviz'));
    // The same text as Vega-Lite is not JSON: its error shows, and the Graphviz picture goes.
    await selectType(page, 'vegalite');
    await page.locator('[data-testid="preview-error"]').waitFor();
    expect(await page.locator('[data-testid="preview-image"]').count()).toBe(0);
    expect(await page.locator('[data-testid="preview-error"]').textContent()).not.toContain('last good picture');
    expect(await previewSvg(page)).toBeNull();
    // Back to Graphviz: its picture shows again.
    await selectType(page, 'graphviz');
    await waitForPreview(page, (svg) => svg.includes('Graphviz'));
    await done(page);
  });
});
