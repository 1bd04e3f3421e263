/**
 * The engine alone on this machine, in the same run: the library called directly in the
 * bench process (Graphviz's WASM) or in one warm Chromium page (Mermaid, timed from Node,
 * CDP round trip included), with no server around it. engine-baselines.md measured these
 * on another machine; measuring them here shows what the machine costs and what the
 * server adds (HTTP, routing, worker hop, logging).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadMermaidBundle } from '../../server/engines/mermaid/bundle.js';
import type { BenchDiagram } from './diagrams.js';
import { summarise, type Summary } from './stats.js';

const require = createRequire(import.meta.url);

async function timed(warmup: number, runs: number, once: () => unknown, idleGapMs = 0): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  const gate = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < runs; i++) {
    // Sleeping (not spinning) lets the CPU go idle between renders, as it does between requests.
    if (idleGapMs > 0) Atomics.wait(gate, 0, 0, idleGapMs);
    const started = performance.now();
    await once();
    samples.push(performance.now() - started);
  }
  return summarise(samples);
}

/**
 * hpcc-js WASM Graphviz, in this process, after `warmup` renders; back to back, or with
 * `idleGapMs` of sleep before each timed render. On a virtual machine whose CPU is handed
 * to other guests while ours is idle, the gap shows what waking up costs the same code.
 */
/** hpcc-js WASM Graphviz loaded in this process: one SVG layout per call. */
export async function graphvizEngine(): Promise<(source: string) => string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return (source) => graphviz.layout(source, 'svg', 'dot');
}

export async function graphvizAlone(diagram: BenchDiagram, warmup: number, runs: number, idleGapMs = 0): Promise<Summary> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return timed(
    warmup,
    runs,
    () => {
      if (!graphviz.layout(diagram.source, 'svg', 'dot').includes('<svg')) throw new Error('Graphviz drew no SVG');
    },
    idleGapMs,
  );
}

/** One warm page of system Chromium with the bundle the server serves, `mermaid.render` called from Node (CDP round trip included). */
export interface MermaidPage {
  render(source: string): Promise<string>;
  close(): Promise<void>;
}

export async function openMermaidPage(chromiumPath: string): Promise<MermaidPage> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><body></body>');
    const bundle = loadMermaidBundle(path.join(path.dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js'));
    await page.addScriptTag({ content: bundle.body.toString('utf8') });
    type M = { initialize(c: unknown): void; render(id: string, s: string): Promise<{ svg: string }> };
    await page.evaluate(() => (window as unknown as { mermaid: M }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
    return {
      async render(source) {
        const svg = await page.evaluate((src) => (window as unknown as { mermaid: M }).mermaid.render('bench', src).then((r) => r.svg), source);
        if (!svg.includes('<svg')) throw new Error('Mermaid drew no SVG');
        return svg;
      },
      close: () => browser.close(),
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** `mermaid.render` in one page of system Chromium, with the bundle the server serves. */
export async function mermaidAlone(diagram: BenchDiagram, chromiumPath: string, warmup: number, runs: number): Promise<Summary> {
  const page = await openMermaidPage(chromiumPath);
  try {
    return await timed(warmup, runs, () => page.render(diagram.source));
  } finally {
    await page.close();
  }
}
