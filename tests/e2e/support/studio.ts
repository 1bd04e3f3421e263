/**
 * E2E plumbing: builds the UI when it is missing or older than its sources, starts the
 * real server (real engines) on a free port, and drives the system Chromium.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { buildApp, type BuiltApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const UI_DIR = path.join(ROOT, 'dist', 'ui');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
export const CHROMIUM = process.env.STUDIO_CHROMIUM_PATH ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Runs `vite build` unless dist/ui is newer than every renderer source. */
export function ensureUiBuilt(): void {
  const index = path.join(UI_DIR, 'index.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'src-renderer')), statSync(path.join(ROOT, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}

export interface Studio {
  app: BuiltApp;
  url: string;
  stop(): Promise<void>;
}

export async function startStudio(env: Record<string, string> = {}): Promise<Studio> {
  ensureUiBuilt();
  // No upstream and no secret: the tests talk to this server's own engines, as a browser would.
  const config = loadConfig({ ...process.env, STUDIO_UI_DIR: UI_DIR, KROKI_URL: '', STUDIO_SECRET: '', ...env });
  const app = await buildApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server did not bind a TCP port');
  return { app, url: `http://127.0.0.1:${address.port}/`, stop: () => app.close() };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function newStudioPage(
  browser: Browser,
  url: string,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  uncaught.set(page, errors);
  await page.goto(url);
  await page.locator('.cm-content').waitFor();
  return { context, page };
}

const uncaught = new WeakMap<Page, string[]>();

/** Uncaught exceptions the page threw since it was opened. */
export function pageErrors(page: Page): string[] {
  return uncaught.get(page) ?? [];
}

/** Replaces the editor text: most of it pasted, the last line typed key by key. */
export async function typeDiagram(page: Page, text: string): Promise<void> {
  const lines = text.replace(/\n$/, '').split('\n');
  const last = lines.pop() ?? '';
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (lines.length) await page.keyboard.insertText(lines.join('\n') + '\n');
  await page.keyboard.type(last, { delay: 15 });
}

export async function editorText(page: Page): Promise<string> {
  return page.locator('.cm-content').evaluate((el) => {
    // CodeMirror renders one .cm-line per line.
    return [...el.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n');
  });
}

/**
 * The SVG text the preview holds, but only once its <img> shows that very picture
 * (the page's CSP forbids fetching the blob: URL back, so the store is read).
 */
export async function previewSvg(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="preview-image"]');
    if (!img || !img.complete || img.naturalWidth === 0) return null;
    const studio = (window as unknown as { krokiStudio?: { previewSvg(): string | null } }).krokiStudio;
    return studio?.previewSvg() ?? null;
  });
}

export async function waitForPreview(page: Page, predicate: (svg: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: string | null = null;
  while (Date.now() < deadline) {
    last = await previewSvg(page);
    if (last && predicate(last)) return last;
    await page.waitForTimeout(100);
  }
  const error = await page
    .locator('[data-testid="preview-error"]')
    .textContent()
    .catch(() => null);
  throw new Error(`preview never matched; last SVG: ${last?.slice(0, 200) ?? 'none'}; error shown: ${error ?? 'none'}`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export async function selectType(page: Page, type: string): Promise<void> {
  await page.locator('[data-testid="type-picker"]').selectOption(type);
}

/** Small sources used to start (and warm) each engine before the browser runs. */
export const WARM_UP_SOURCES: Record<string, string> = {
  graphviz: 'digraph { a -> b }',
  plantuml: '@startuml\nA -> B\n@enduml',
  mermaid: 'graph TD\n  A --> B',
};

/**
 * Renders once per type over HTTP so that engine start-up (JVM warm-up, Chromium
 * launch) is not what the UI tests measure or time out on. Retries once: a cold JVM
 * on a busy 2-core machine can miss the first render's time limit.
 */
export async function warmUp(url: string, types: string[]): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const type of types) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await fetch(`${url}${type}/svg`, {
        method: 'POST',
        body: WARM_UP_SOURCES[type] ?? '',
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      });
      statuses[type] = response.status;
      await response.arrayBuffer();
      if (response.ok) break;
    }
  }
  return statuses;
}

/** Placement of each type according to the server's /api/engines. */
export async function placements(url: string): Promise<Record<string, string>> {
  const body = (await (await fetch(`${url}api/engines`)).json()) as { types: { type: string; placement: string }[] };
  return Object.fromEntries(body.types.map((t) => [t.type, t.placement]));
}
