/**
 * `npx tsx scripts/bench/tikz.ts [--runs=N]`: TikZ through Studio's engine (warm: its
 * formats built, a program run per render) against Kroki's way (latex + dvisvgm spawned per
 * diagram, tikz2svg's flags), on the same small diagram in one run, the two interleaved so
 * that load from other jobs falls on both. Every answer is checked for the diagram's labels.
 * Prints the medians and their ratio; writes nothing.
 */
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { tikz } from '../../server/engines/tikz/index.js';
import { createRenderContext } from '../../server/render/context.js';
import { createLiveEngine } from '../../server/render/engines.js';
import { tikzKrokiTool } from './cold-tools.js';
import { TIKZ_SMALL } from './diagrams.js';
import os from 'node:os';
import { loadAverage, loadText } from './machine.js';
import { ms, summarise } from './stats.js';

const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 40);
const WARMUP = 5;

const config = loadConfig({ ...process.env, STUDIO_PRELOAD: 'none', KROKI_URL: '' });
const ctx = createRenderContext(config, pino({ level: 'silent' }), () => undefined);
const engine = createLiveEngine(tikz, ctx);
const kroki = tikzKrokiTool(TIKZ_SMALL);

async function viaEngine(): Promise<number> {
  const started = performance.now();
  const svg = await engine.render({
    type: 'tikz',
    source: TIKZ_SMALL.source,
    format: 'svg',
    options: {},
    safeMode: 'secure',
    signal: new AbortController().signal,
  });
  const took = performance.now() - started;
  const text = svg.toString('utf8').replace(/<[^>]*>/g, '');
  for (const label of TIKZ_SMALL.expect) if (!text.includes(label)) throw new Error(`the engine's SVG lacks ${label}`);
  return took;
}

try {
  const startedAt = performance.now();
  await engine.start();
  const startMs = performance.now() - startedAt;
  for (let i = 0; i < WARMUP; i++) {
    await viaEngine();
    await kroki.runOnce();
  }
  const mine: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Alternating which goes first keeps a burst of outside load from landing on one side.
    if (i % 2 === 0) {
      mine.push(await viaEngine());
      theirs.push(await kroki.runOnce());
    } else {
      theirs.push(await kroki.runOnce());
      mine.push(await viaEngine());
    }
  }
  const a = summarise(mine);
  const b = summarise(theirs);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, load average ${loadText(loadAverage())}`);
  console.log(`engine: ${engine.version()}; start (both formats built): ${ms(startMs)} ms`);
  console.log(`diagram: ${TIKZ_SMALL.label}, SVG, ${runs} runs each after ${WARMUP} warm-up, interleaved`);
  console.log(`Studio engine        median ${ms(a.median)} ms  p95 ${ms(a.p95)} ms  min ${ms(a.min)} ms`);
  console.log(`${kroki.name.padEnd(20)} median ${ms(b.median)} ms  p95 ${ms(b.p95)} ms  min ${ms(b.min)} ms  (${kroki.command})`);
  console.log(`ratio (per-diagram / engine, medians): ${(b.median / a.median).toFixed(2)}×`);
} finally {
  kroki.cleanup();
  await engine.stop();
  await ctx.close();
}
