/**
 * The web UI in a real Chromium against a real server with real engines.
 * One server and one browser for the file; each test gets a fresh browser context
 * (fresh localStorage), except where a test checks what survives a reload.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ROOT,
  editorText,
  launchChromium,
  newStudioPage,
  pageErrors,
  placements,
  previewSvg,
  screenshot,
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
const opened: Page[] = [];

beforeAll(async () => {
  studio = await startStudio();
  where = await placements(studio.url);
  const local = ['graphviz', 'plantuml', 'mermaid'].filter((t) => where[t] === 'local');
  // Engines start before the browser does; a failing engine fails its own tests below.
  await warmUp(studio.url, local);
  browser = await launchChromium();
});

/** A test that needs an engine fails (never skips) when the server cannot render it locally. */
function requireLocal(...types: string[]): void {
  for (const type of types) expect(where[type], `${type} must render locally on this server`).toBe('local');
}

afterAll(async () => {
  await browser?.close();
  await studio?.stop();
});

async function open(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const { page } = await newStudioPage(browser, studio.url, options);
  opened.push(page);
  return page;
}

async function closeAll(): Promise<void> {
  for (const page of opened.splice(0)) {
    expect(pageErrors(page), 'uncaught errors in the page').toEqual([]);
    await page.context().close();
  }
}

const activeTabName = (page: Page) => page.locator('[role="tab"][aria-selected="true"] .name').textContent();
const pickerValue = (page: Page) => page.locator('[data-testid="type-picker"]').inputValue();

describe('live preview', () => {
  it('renders a Graphviz diagram as it is typed, and the picture follows the edits', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph G {\n  Editor -> Server;\n  Server -> Engine;\n}');
    const first = await waitForPreview(page, (svg) => svg.includes('Engine'));
    expect(first).toMatch(/^<\?xml|<svg/);
    expect(first).toContain('Editor');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.type('\n  Engine -> Cache;', { delay: 10 });
    const second = await waitForPreview(page, (svg) => svg.includes('Cache'));
    expect(second).toContain('Engine');
    // The text alternative names the type and the graph's title.
    expect(await page.locator('[data-testid="preview-image"]').getAttribute('alt')).toBe('Graphviz diagram: G');
    await screenshot(page, 'graphviz-preview');
    await closeAll();
  });

  it('renders PlantUML, marks the error line, and keeps the last good picture', async () => {
    const page = await open();
    requireLocal('plantuml');
    await selectType(page, 'plantuml');
    await typeDiagram(page, '@startuml\nAlice -> Bob: hello\n@enduml');
    await waitForPreview(page, (svg) => svg.includes('Alice') && svg.includes('hello'));

    // Line 3 becomes nonsense: the server reports line 3, the editor marks it.
    await typeDiagram(page, '@startuml\nAlice -> Bob: hello\nthis is not plantuml ((\n@enduml');
    const marked = page.locator('.cm-error-line');
    await marked.waitFor({ timeout: 20_000 });
    expect(await marked.getAttribute('data-error-line')).toBe('3');
    expect(await marked.textContent()).toContain('this is not plantuml');
    await expect.poll(() => page.locator('[data-testid="preview-error"]').textContent()).toMatch(/line 3/i);
    // The previous picture is still shown next to the error.
    expect(await previewSvg(page)).toContain('hello');
    await screenshot(page, 'plantuml-error-line');

    // Fixing the line clears the mark and the error.
    await typeDiagram(page, '@startuml\nAlice -> Bob: fixed\n@enduml');
    await waitForPreview(page, (svg) => svg.includes('fixed'));
    await expect.poll(() => page.locator('.cm-error-line').count()).toBe(0);
    expect(await page.locator('[data-testid="preview-error"]').count()).toBe(0);
    await closeAll();
  });

  it('renders a Mermaid diagram with its labels', async () => {
    const page = await open();
    requireLocal('mermaid');
    await selectType(page, 'mermaid');
    await typeDiagram(page, 'graph LR\n  Draft --> Review\n  Review --> Published');
    const svg = await waitForPreview(page, (s) => s.includes('Published'));
    expect(svg).toContain('Draft');
    expect(svg).toContain('Review');
    await screenshot(page, 'mermaid-preview');
    await closeAll();
  });

  it('switches type with the picker and loads a working example into an empty editor', async () => {
    const page = await open();
    requireLocal('plantuml');
    const options = await page
      .locator('[data-testid="type-picker"] option')
      .evaluateAll((els) => els.map((e) => ({ value: (e as HTMLOptionElement).value, placement: e.getAttribute('data-placement') })));
    // Every Kroki type is listed, with its placement from /api/engines.
    expect(options.length).toBeGreaterThanOrEqual(30);
    expect(options.find((o) => o.value === 'graphviz')?.placement).toBe('local');
    expect(options.find((o) => o.value === 'plantuml')?.placement).toBe('local');
    expect(options.map((o) => o.placement)).not.toContain('unknown');

    await typeDiagram(page, '');
    await page.keyboard.press('Backspace');
    await selectType(page, 'plantuml');
    await expect.poll(() => editorText(page)).toContain('@startuml');
    const svg = await waitForPreview(page, (s) => s.includes('Studio') && s.includes('Engine'));
    expect(svg).toContain('User');
    expect(await activeTabName(page)).toBe('untitled.puml');
    await closeAll();
  });

  it('shows each example in the gallery as its rendered picture, and says why where no engine draws the type', async () => {
    const page = await open();
    requireLocal('graphviz');
    await page.locator('[data-testid="action-examples"]').click();
    await page.locator('[data-testid="examples-filter"]').fill('graphviz');
    const card = page.locator('[data-testid="example-graphviz"]').first();
    const thumb = card.locator('[data-testid="example-thumbnail"]');
    await expect.poll(() => thumb.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    // The picture really decoded: an <img> with a size, from a blob: URL of the SVG the server drew
    // (the page's CSP keeps blob: out of fetch, so the size is the proof).
    const img = await thumb.locator('img').evaluate((el) => {
      const image = el as HTMLImageElement;
      return { complete: image.complete, width: image.naturalWidth, src: image.src };
    });
    expect(img.complete).toBe(true);
    expect(img.width).toBeGreaterThan(10);
    expect(img.src).toMatch(/^blob:/);
    await screenshot(page, 'examples-gallery');

    const undrawable = Object.entries(where).find(([, placement]) => placement === 'unavailable')?.[0];
    if (undrawable) {
      await page.locator('[data-testid="examples-filter"]').fill(undrawable);
      const other = page.locator(`[data-testid="example-${undrawable}"] [data-testid="example-thumbnail"]`).first();
      expect(await other.getAttribute('data-state')).toBe('undrawable');
      expect(await other.locator('.note').textContent()).toBeTruthy();
    }
    await closeAll();
  });
});

describe('export', () => {
  it('downloads the SVG and a PNG at the chosen scale', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph Export {\n  Alpha -> Beta;\n}');
    const svgShown = await waitForPreview(page, (s) => s.includes('Beta'));
    await page.locator('[data-testid="action-export"]').click();

    const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-svg"]').click()]);
    expect(svgDownload.suggestedFilename()).toBe('untitled.svg');
    const svgText = readFileSync((await svgDownload.path())!, 'utf8');
    expect(svgText).toBe(svgShown);
    expect(svgText).toContain('Alpha');

    await page.locator('[data-testid="png-scale"]').selectOption('2');
    const [pngDownload] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="export-png"]').click()]);
    expect(pngDownload.suggestedFilename()).toBe('untitled.png');
    const png = readFileSync((await pngDownload.path())!);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    const svgWidth = Number.parseFloat(/width="([\d.]+)pt"/.exec(svgText)?.[1] ?? '0');
    expect(svgWidth).toBeGreaterThan(10);
    expect(Math.abs(width - svgWidth * 2)).toBeLessThanOrEqual(2);
    expect(height).toBeGreaterThan(20);

    // Links: the edit link reopens the same diagram.
    const editLink = await page.locator('[data-testid="edit-link"]').inputValue();
    expect(editLink).toMatch(new RegExp(`^${studio.url}#/graphviz/[A-Za-z0-9_=-]+$`));
    const imageUrl = await page.locator('[data-testid="image-url"]').inputValue();
    const served = await fetch(imageUrl);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('Alpha');
    // Clipboard copies: the edit link and the SVG text.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: studio.url });
    await page.locator('[data-testid="copy-edit-link"]').click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(editLink);
    await page.getByRole('button', { name: 'Copy SVG' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(svgShown);
    await screenshot(page, 'export-dialog');
    await closeAll();
  });

  it('warns when the GET URL passes the server URI limit', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    // Random labels do not compress: the encoded URL grows past 4096.
    const labels = Array.from({ length: 400 }, (_, i) => `n${i} [label="${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}"];`);
    await typeDiagram(page, `digraph Big {\n${labels.join('\n')}\n}`);
    await page.locator('[data-testid="action-export"]').click();
    await page.locator('[data-testid="uri-warning"]').waitFor();
    expect(await page.locator('[data-testid="uri-warning"]').textContent()).toContain('curl -X POST');
    await closeAll();
  });
});

describe('documents', () => {
  it('opens a file dropped on the window, with the type from its extension', async () => {
    const page = await open();
    requireLocal('graphviz');
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['digraph Dropped {\n  Dragged -> Dropped;\n}\n'], 'flow.gv', { type: 'text/plain' }));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        window.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
      }
    });
    await expect.poll(() => activeTabName(page)).toBe('flow.gv');
    expect(await pickerValue(page)).toBe('graphviz');
    await waitForPreview(page, (s) => s.includes('Dragged'));
    await closeAll();
  });

  it('keeps drafts across a reload, tabs included', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    const marker = `Draft${Date.now()}`;
    await typeDiagram(page, `digraph { ${marker} -> Saved }`);
    await page.locator('[data-testid="action-new"]').click();
    await expect.poll(() => page.locator('[role="tab"]').count()).toBe(2);
    await page.waitForTimeout(500); // the draft is written 300 ms after the last change
    await page.reload();
    await page.locator('.cm-content').waitFor();
    expect(await page.locator('[role="tab"]').count()).toBe(2);
    await page.locator('[role="tab"]').first().click();
    await expect.poll(() => editorText(page)).toContain(marker);
    await waitForPreview(page, (s) => s.includes(marker));
    await closeAll();
  });

  it('has tabs with their own text and their own undo history', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { First -> One }');
    await page.locator('[data-testid="action-new"]').click();
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { Second -> Two }');
    await waitForPreview(page, (s) => s.includes('Second'));

    await page.locator('[role="tab"]').first().click();
    await expect.poll(() => editorText(page)).toBe('digraph { First -> One }');
    await waitForPreview(page, (s) => s.includes('First'));
    // Undo in tab 1 undoes tab 1's typing, not tab 2's.
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+z');
    const undone = await editorText(page);
    expect(undone).not.toBe('digraph { First -> One }');
    expect(undone).not.toContain('Second');
    await page.keyboard.press('Control+Shift+z');
    expect(await editorText(page)).toBe('digraph { First -> One }');
    // Tab 2 kept its own history: undo there reverts tab 2's typing.
    await page.locator('[role="tab"]').nth(1).click();
    await expect.poll(() => editorText(page)).toBe('digraph { Second -> Two }');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+z');
    const undone2 = await editorText(page);
    expect(undone2).not.toBe('digraph { Second -> Two }');
    expect(undone2).not.toContain('First');
    await closeAll();
  });

  it('saves with Ctrl+S as a download when native dialogs are off, and lists it in recent documents', async () => {
    const page = await open();
    requireLocal('graphviz');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph Saved { Kept -> Safe }');
    await expect.poll(() => page.locator('[role="tab"][aria-selected="true"] .dirty').count()).toBe(1);
    await page.locator('[data-testid="action-settings"]').click();
    await page.getByLabel("Use the browser's file dialogs").uncheck();
    await page.keyboard.press('Escape');
    await page.locator('.cm-content').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Control+KeyS')]);
    expect(download.suggestedFilename()).toBe('untitled.dot');
    expect(readFileSync((await download.path())!, 'utf8')).toBe('digraph Saved { Kept -> Safe }');
    await expect.poll(() => page.locator('[role="tab"][aria-selected="true"] .dirty').count()).toBe(0);
    await page.getByRole('button', { name: 'Recent' }).click();
    await page
      .getByRole('dialog')
      .getByRole('button', { name: /untitled\.dot/ })
      .click();
    await expect.poll(() => page.locator('[role="tab"]').count()).toBe(2);
    await expect.poll(() => editorText(page)).toBe('digraph Saved { Kept -> Safe }');
    await closeAll();
  });

  it('opens an edit link /#/<type>/<encoded> in a new tab', async () => {
    const page = await open();
    requireLocal('graphviz');
    const encoded = await page.evaluate(async () => {
      const bytes = new TextEncoder().encode('digraph { Linked -> Opened }');
      const deflated = new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'))).arrayBuffer());
      return btoa(String.fromCharCode(...deflated))
        .replace(/\+/g, '-')
        .replace(/\//g, '_');
    });
    await page.goto(`${studio.url}#/graphviz/${encoded}`);
    await page.locator('.cm-content').waitFor();
    await expect.poll(() => editorText(page)).toBe('digraph { Linked -> Opened }');
    expect(await pickerValue(page)).toBe('graphviz');
    await waitForPreview(page, (s) => s.includes('Linked'));
    expect(page.url()).not.toContain('#/');
    await closeAll();
  });
});

describe('keyboard, theme, layout', () => {
  it('runs the keyboard shortcuts and shows their help', async () => {
    const page = await open();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Alt+KeyN');
    await expect.poll(() => page.locator('[role="tab"]').count()).toBe(2);
    const second = await activeTabName(page);
    await page.keyboard.press('Alt+PageUp');
    await expect.poll(() => activeTabName(page)).not.toBe(second);
    await page.keyboard.press('Alt+PageDown');
    await expect.poll(() => activeTabName(page)).toBe(second);

    await page.keyboard.press('Alt+Digit0');
    await expect.poll(() => page.locator('[data-testid="zoom-level"]').textContent()).toBe('100%');
    await page.keyboard.press('Alt+Equal');
    await expect.poll(() => page.locator('[data-testid="zoom-level"]').textContent()).toBe('125%');

    const before = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.keyboard.press('Alt+KeyT');
    await expect.poll(() => page.evaluate(() => document.documentElement.dataset.theme)).not.toBe(before);

    await page.keyboard.press('F1');
    await page.locator('[data-testid="shortcuts-table"]').waitFor();
    expect(await page.locator('[data-testid="shortcuts-table"]').textContent()).toContain('Ctrl+Shift+E');
    await screenshot(page, 'shortcuts-help');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="shortcuts-table"]').count()).toBe(0);
    await page.keyboard.press('Control+Slash');
    await page.locator('[data-testid="shortcuts-table"]').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="shortcuts-table"]').count()).toBe(0);

    // The new tab holds its example's text, so closing it asks first.
    await page.keyboard.press('Alt+KeyW');
    await page.locator('[data-testid="unsaved-discard"]').click();
    await expect.poll(() => page.locator('[role="tab"]').count()).toBe(1);
    await closeAll();
  });

  it('follows a dark system theme, switches theme, and offers a dark preview background', async () => {
    const page = await open({ colorScheme: 'dark' });
    requireLocal('graphviz');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(22, 25, 29)');
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph Dark {\n  Night -> Day;\n}');
    await waitForPreview(page, (s) => s.includes('Night'));
    await page.locator('[data-testid="dark-preview"]').check();
    const previewBg = await page.locator('[data-testid="preview-viewport"]').evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(previewBg).toBe('rgb(30, 34, 40)');
    await screenshot(page, 'dark-theme');

    await page.locator('[data-testid="theme-toggle"]').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(255, 255, 255)');
    // The choice is remembered.
    await page.reload();
    await page.locator('.cm-content').waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await closeAll();
  });

  it('resizes the split with the divider and remembers it', async () => {
    const page = await open();
    const divider = page.locator('[data-testid="split-divider"]');
    const box = (await divider.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(900, box.y + 200, { steps: 5 });
    await page.mouse.up();
    const after = Number(await divider.getAttribute('aria-valuenow'));
    expect(after).toBeGreaterThan(65);
    await page.reload();
    await page.locator('.cm-content').waitFor();
    expect(Number(await divider.getAttribute('aria-valuenow'))).toBe(after);
    await closeAll();
  });

  it('is reachable by keyboard: the editor, the tabs and the preview tools take focus in order', async () => {
    const page = await open();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el ? el.getAttribute('aria-label') || el.getAttribute('data-testid') || el.textContent?.trim() || el.tagName : '';
      });
    const labels: string[] = [];
    for (let i = 0; i < 30; i++) {
      // Tab indents inside the editor; Escape then Tab leaves it (CodeMirror's convention).
      if (labels.at(-1) === 'Diagram source') await page.keyboard.press('Escape');
      await page.keyboard.press('Tab');
      labels.push(await focused());
    }
    const index = (label: string) => labels.findIndex((l) => l.includes(label));
    expect(index('New')).toBeGreaterThanOrEqual(0);
    expect(index('Diagram source')).toBeGreaterThan(index('New'));
    expect(index('Zoom in')).toBeGreaterThan(index('Diagram source'));
    await closeAll();
  });
});

describe('contrast', () => {
  /** WCAG contrast of every visible text element against its effective background. */
  const lowContrast = (page: Page) =>
    page.evaluate(() => {
      const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r, g, b]: number[]): number => {
        const lin = (v: number) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!);
      };
      const background = (el: Element | null): number[] => {
        for (let e = el; e; e = e.parentElement) {
          const c = parse(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3]! > 0.9)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const failures: string[] = [];
      let checked = 0;
      const selector = 'button, select, label, [role="tab"] .name, .statusbar span, .badge, .zoom, .brand, .cm-line, .cm-gutterElement';
      for (const el of document.querySelectorAll<HTMLElement>(selector)) {
        if (!el.offsetParent || !el.textContent?.trim() || el.closest('dialog:not([open])')) continue;
        const style = getComputedStyle(el);
        const fg = parse(style.color);
        const bg = background(el);
        const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
        const ratio = (l1! + 0.05) / (l2! + 0.05);
        checked += 1;
        // Disabled controls are exempt (WCAG 1.4.3).
        if (ratio < 4.5 && !(el as HTMLButtonElement).disabled)
          failures.push(`${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 20)}": ${ratio.toFixed(2)}`);
      }
      return { failures, checked };
    });

  it('keeps text at 4.5:1 or better in the light and the dark theme', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const page = await open({ colorScheme: scheme });
      requireLocal('graphviz');
      await selectType(page, 'graphviz');
      await typeDiagram(page, 'digraph { A -> B }');
      await waitForPreview(page, (s) => s.includes('A'));
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(scheme);
      const { failures, checked } = await lowContrast(page);
      expect(checked, 'text elements checked').toBeGreaterThan(20);
      expect(failures, `${scheme} theme`).toEqual([]);
      await closeAll();
    }
  });
});

describe('safe display', () => {
  const flagSet = (page: Page) => page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss ?? null);

  it('never runs script smuggled into diagram labels (real engines)', async () => {
    const page = await open();
    requireLocal('graphviz', 'mermaid', 'plantuml');
    const payloads: [string, string][] = [
      ['mermaid', 'graph TD\n  A["<img src=x onerror=window.__xss=1>"] --> B["<svg onload=window.__xss=2>"]\n  click A "javascript:window.__xss=3"'],
      [
        'graphviz',
        'digraph { a [label="<img src=x onerror=window.__xss=4>"]; b [URL="javascript:window.__xss=5", label="<svg onload=window.__xss=6>"]; a -> b }',
      ],
      ['plantuml', '@startuml\nAlice -> Bob: <img src=x onerror=window.__xss=7>\nnote over Bob: [[javascript:window.__xss=8 click]]\n@enduml'],
    ];
    for (const [type, source] of payloads) {
      await selectType(page, type);
      await typeDiagram(page, source);
      const svg = await waitForPreview(page, (s) => /onerror|onload|javascript|img src/.test(s) || s.includes('xss'));
      expect(svg.length).toBeGreaterThan(100);
      await page.waitForTimeout(300);
      expect(await flagSet(page)).toBeNull();
    }
    await closeAll();
  });

  it('shows even an SVG with <script> and event handlers without running them', async () => {
    const page = await open();
    // The server does escape labels; this proves the display itself is safe by answering
    // the render request with the most hostile SVG we can write.
    const hostile =
      '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="80" onload="window.top.__xss=\'onload\'">' +
      '<script>window.top.__xss="script"</script>' +
      '<image href="x" onerror="window.top.__xss=\'onerror\'" width="10" height="10"/>' +
      '<foreignObject width="200" height="40"><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="window.top.__xss=\'html\'"/></div></foreignObject>' +
      '<text x="10" y="70">Hostile</text></svg>';
    await page.route('**/graphviz/svg', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: hostile }));
    await selectType(page, 'graphviz');
    await typeDiagram(page, 'digraph { hostile }');
    const svg = await waitForPreview(page, (s) => s.includes('Hostile'));
    expect(svg).toContain('<script>');
    await page.waitForTimeout(500);
    expect(await flagSet(page)).toBeNull();
    expect(await page.locator('[data-testid="preview-image"]').evaluate((el) => el.tagName)).toBe('IMG');
    await closeAll();
  });
});

describe('studio screenshot', () => {
  // Writes test-results/screenshots/studio.png; only STUDIO_UPDATE_SCREENSHOT=1 also updates the tracked docs/screenshot.png.
  it('captures the studio for the README', async () => {
    const page = await open();
    requireLocal('graphviz', 'plantuml');
    await selectType(page, 'plantuml');
    await typeDiagram(page, '');
    await page.locator('[data-testid="action-examples"]').click();
    await page.locator('[data-testid="example-plantuml"]').first().click();
    await waitForPreview(page, (s) => s.includes('Engine'));
    await page.locator('[data-testid="action-new"]').click();
    await selectType(page, 'graphviz');
    await page.locator('[role="tab"]').first().click();
    await waitForPreview(page, (s) => s.includes('Engine'));
    const file = await screenshot(page, 'studio');
    if (process.env.STUDIO_UPDATE_SCREENSHOT === '1') copyFileSync(file, path.join(ROOT, 'docs', 'screenshot.png'));
    await closeAll();
  });
});
