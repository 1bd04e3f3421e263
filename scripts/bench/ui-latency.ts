/**
 * UI latency benchmark (headless system Chromium against the real server):
 *  - last keystroke -> new preview painted, median over >= 20 edits, for small Graphviz,
 *    PlantUML and Mermaid diagrams (the time includes the render delay, reported apart);
 *  - first paint / editor ready of the app from a warm server;
 *  - production bundle size per chunk (gzip).
 * Prints a Markdown report; `--write` also puts it in docs/benchmarks.md, between the
 * `ui-bench` markers (the server benchmark owns its own marked section).
 *
 *   npx tsx scripts/bench/ui-latency.ts [--edits 25] [--write]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { writeSection } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI_DIR = path.join(ROOT, 'dist', 'ui');
const args = process.argv.slice(2);
const EDITS = Math.max(20, Number(args[args.indexOf('--edits') + 1]) || 25);
const WRITE = args.includes('--write');

const CASES: { type: string; label: string; source: string; marker: string; editLine: number; budgetOverDebounceMs: number }[] = [
  {
    type: 'graphviz',
    label: 'Graphviz',
    source: 'digraph G {\n  Editor -> Server;\n  Server -> Engine;\n  Engine -> N\n}',
    marker: 'Editor',
    editLine: 4,
    budgetOverDebounceMs: 40,
  },
  {
    type: 'plantuml',
    label: 'PlantUML',
    source: '@startuml\nAlice -> Bob: hello\nBob --> Alice: N\n@enduml',
    marker: 'hello',
    editLine: 3,
    budgetOverDebounceMs: 40,
  },
  { type: 'mermaid', label: 'Mermaid', source: 'graph TD\n  A[Editor] --> B[Server]\n  B --> N', marker: 'Editor', editLine: 3, budgetOverDebounceMs: 120 },
];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const ms = (n: number): string => `${Math.round(n)} ms`;

function ensureBuilt(): void {
  if (existsSync(path.join(UI_DIR, 'index.html'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
}

function bundleRows(): string[] {
  const assets = path.join(UI_DIR, 'assets');
  const index = readFileSync(path.join(UI_DIR, 'index.html'), 'utf8');
  const rows = readdirSync(assets)
    .map((name) => {
      const bytes = readFileSync(path.join(assets, name));
      return { name, raw: statSync(path.join(assets, name)).size, gzip: gzipSync(bytes, { level: 9 }).length, initial: index.includes(name) };
    })
    .sort((a, b) => b.gzip - a.gzip);
  const initial = rows.filter((r) => r.initial).reduce((sum, r) => sum + r.gzip, 0);
  const total = rows.reduce((sum, r) => sum + r.gzip, 0);
  return [
    '| chunk | loaded | raw | gzip |',
    '|---|---|---:|---:|',
    ...rows.map(
      (r) =>
        `| \`${r.name.replace(/-[A-Za-z0-9_-]{8}(?=\.)/, '')}\` | ${r.initial ? 'at start' : 'lazily'} | ${(r.raw / 1024).toFixed(1)} KiB | ${(r.gzip / 1024).toFixed(1)} KiB |`,
    ),
    `| **total loaded at start** | | | **${(initial / 1024).toFixed(1)} KiB** |`,
    `| **total** | | | **${(total / 1024).toFixed(1)} KiB** |`,
  ];
}

async function warm(url: string, type: string, source: string): Promise<string | null> {
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${url}${type}/svg`, { method: 'POST', body: source, headers: { accept: 'application/json' } });
    const text = await r.text();
    if (r.ok) return null;
    if (i === 2) return `${r.status} ${text.slice(0, 120)}`;
  }
  return null;
}

async function firstPaint(browser: Browser, url: string, runs: number): Promise<{ fcp: number[]; ready: number[] }> {
  const fcp: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < runs + 1; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('.cm-content').waitFor();
    const timing = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
      ready: performance.now(),
    }));
    // The first load warms the server's static files and the browser; it is not counted.
    if (i > 0) {
      fcp.push(timing.fcp);
      ready.push(timing.ready);
    }
    await context.close();
  }
  return { fcp, ready };
}

/**
 * Types one character at the end of `editLine` per edit, timing keydown -> the first
 * animation frame after the new picture loaded. The first WARM_EDITS edits are not
 * counted: they let the adaptive delay settle on this engine's render time.
 */
const WARM_EDITS = 5;

async function editLatency(page: Page, editLine: number): Promise<{ samples: number[]; overDebounce: number[]; debounce: number[]; requests: number[] }> {
  await page.evaluate(() => {
    const w = window as unknown as { __bench: { key: number; paint: number } };
    w.__bench = { key: 0, paint: 0 };
    window.addEventListener('keydown', () => (w.__bench.key = performance.now()), { capture: true });
    document.addEventListener(
      'load',
      (e) => {
        if ((e.target as HTMLElement).dataset?.testid === 'preview-image') requestAnimationFrame(() => (w.__bench.paint = performance.now()));
      },
      { capture: true },
    );
  });
  await page
    .locator('.cm-line')
    .nth(editLine - 1)
    .click();
  await page.keyboard.press('End');
  const samples: number[] = [];
  const overDebounce: number[] = [];
  const debounce: number[] = [];
  const requests: number[] = [];
  for (let i = 0; i < EDITS + WARM_EDITS; i++) {
    const delay = await page.evaluate(() => (window as unknown as { krokiStudio: { effectiveDebounceMs(): number } }).krokiStudio.effectiveDebounceMs());
    await page.keyboard.press(`Digit${i % 10}`);
    const handle = await page
      .waitForFunction(
        () => {
          const b = (window as unknown as { __bench: { key: number; paint: number } }).__bench;
          return b.paint > b.key ? b.paint - b.key : 0;
        },
        undefined,
        { timeout: 20_000, polling: 5 },
      )
      .catch(async (error: Error) => {
        await page.screenshot({ path: path.join(ROOT, 'test-results', 'bench-edit-timeout.png') });
        throw new Error(`edit ${i}: no new picture within 20 s (${error.message})`);
      });
    const sample = (await handle.jsonValue()) as number;
    if (i >= WARM_EDITS) {
      requests.push(
        await page.evaluate(() => (window as unknown as { krokiStudio: { lastRequestMs(): number | null } }).krokiStudio.lastRequestMs() ?? Number.NaN),
      );
      samples.push(sample);
      overDebounce.push(sample - delay);
      debounce.push(delay);
    }
    await page.waitForTimeout(150);
  }
  return { samples, overDebounce, debounce, requests };
}

async function main(): Promise<void> {
  ensureBuilt();
  const app = await buildApp(loadConfig({ ...process.env, STUDIO_UI_DIR: UI_DIR, STUDIO_SECRET: '' }), { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  // Measured like a studio that has been open a little while: the preloaded engines started
  // and their background warm-up (the PlantUML JVM's JIT above all) finished.
  const warmStarted = performance.now();
  await app.studio.core.startPreloaded();
  const whenWarm = () => Promise.race([app.studio.core.whenWarm(), new Promise((r) => setTimeout(r, 120_000).unref())]);
  await whenWarm();
  const warmUpSeconds = (performance.now() - warmStarted) / 1000;
  process.stderr.write(`[bench:ui] engines warm after ${warmUpSeconds.toFixed(1)} s\n`);
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  const browser = await chromium.launch({
    executablePath: process.env.STUDIO_CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const lines: string[] = [];
  try {
    const latencyRows: string[] = [];
    for (const c of CASES) {
      const failed = await warm(url, c.type, c.source);
      // An engine started by that render (Mermaid) warms up in the background first.
      await whenWarm();
      if (failed) {
        latencyRows.push(`| ${c.label} | – | – | – | – | – | – | not measured: warm-up render failed (${failed.replace(/\|/g, '/')}) |`);
        continue;
      }
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(url);
      await page.locator('.cm-content').waitFor();
      await page.locator('[data-testid="type-picker"]').selectOption(c.type);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+A');
      await page.keyboard.insertText(c.source);
      await page
        .waitForFunction((m) => (window as unknown as { krokiStudio: { previewSvg(): string | null } }).krokiStudio.previewSvg()?.includes(m), c.marker, {
          timeout: 30_000,
        })
        .catch(async (error: Error) => {
          await page.screenshot({ path: path.join(ROOT, 'test-results', `bench-${c.type}-failed.png`) });
          throw error;
        });
      const { samples, overDebounce, debounce, requests } = await editLatency(page, c.editLine);
      const over = median(overDebounce);
      latencyRows.push(
        `| ${c.label} | ${samples.length} | ${ms(median(debounce))} | ${ms(median(samples))} | ${ms(percentile(samples, 90))} | ${ms(over)} | ${ms(median(requests))} | ${over <= c.budgetOverDebounceMs ? 'yes' : 'no'} (≤ debounce + ${c.budgetOverDebounceMs} ms) |`,
      );
      await context.close();
    }
    const paint = await firstPaint(browser, url, 5);

    lines.push(
      '# Web UI benchmarks',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} CPU cores (${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, headless system Chromium, real server with real engines, warm: the preloaded engines started and their background warm-up finished (${warmUpSeconds.toFixed(0)} s after start), and each engine rendered once before measuring. Load average at the end of the run: ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')} (the machine is shared; higher load means noisier numbers).`,
      '',
      'Command: `npm run bench:ui`',
      '',
      '## Last keystroke → new preview painted',
      '',
      'From the `keydown` of the last key to the first animation frame after the new picture loaded in the preview `<img>`. It includes the render delay (debounce, 250 ms by default, raised to twice the recent render time for slow engines) on purpose; "over debounce" is the per-edit latency minus the delay in force at that keystroke, i.e. what the renderer, the network and the browser add. Five edits per diagram are made first and not counted.',
      '',
      '| diagram | edits | debounce | median | p90 | median over debounce | of which HTTP render request | within issue budget |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
      ...latencyRows,
      '',
      '## First paint of the app (warm server)',
      '',
      `| measure | median | max |`,
      `|---|---:|---:|`,
      `| first contentful paint | ${ms(median(paint.fcp))} | ${ms(Math.max(...paint.fcp))} |`,
      `| editor ready (CodeMirror mounted, lazy chunk loaded) | ${ms(median(paint.ready))} | ${ms(Math.max(...paint.ready))} |`,
      '',
      '## Production bundle (gzip level 9)',
      '',
      ...bundleRows(),
      '',
    );
  } finally {
    await browser.close();
    await app.close();
  }
  const report = lines.join('\n');
  console.log(report);
  // Headings move one level down under the page title.
  if (WRITE) writeSection(path.join(ROOT, 'docs', 'benchmarks.md'), report.replace(/^(#+) /gm, '#$1 '), 'ui-bench');
}

await main();
