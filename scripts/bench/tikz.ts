/**
 * `npx tsx scripts/bench/tikz.ts [--runs=N]`: TikZ through Studio's engine (warm: its
 * formats built, a program run per render) against Kroki's way (latex + dvisvgm spawned per
 * diagram, tikz2svg's flags), on the same small diagram in one run, the two interleaved so
 * that load from other jobs falls on both. Every answer is checked for the diagram's labels.
 * Prints the medians and their ratio, and the CPU time the programs used per render
 * (children's user + system time from /proc, which load from other jobs does not inflate
 * the way it inflates wall time); writes nothing.
 */
import pino from 'pino';
import { loadConfig } from '../../server/config.js';
import { tikz } from '../../server/engines/tikz/index.js';
import { createRenderContext } from '../../server/render/context.js';
import { createLiveEngine } from '../../server/render/engines.js';
import { tikzKrokiTool } from './cold-tools.js';
import { TIKZ_SMALL } from './diagrams.js';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { loadAverage, loadText } from './machine.js';
import { ms, summarise } from './stats.js';

const runs = Number(/^--runs=(\d+)$/.exec(process.argv.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 40);
const WARMUP = 5;

const config = loadConfig({ ...process.env, STUDIO_PRELOAD: 'none', KROKI_URL: '' });
const ctx = createRenderContext(config, pino({ level: 'silent' }), () => undefined);
const engine = createLiveEngine(tikz, ctx);
const kroki = tikzKrokiTool(TIKZ_SMALL);

/** CPU milliseconds of this process's reaped children so far (cutime + cstime), Linux only. */
function childCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    // After the command name: field 16 and 17 of stat(5) are cutime and cstime, in clock ticks (100 a second).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return Number.NaN;
  }
}

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
  const loadBefore = loadText(loadAverage());
  const startedAt = performance.now();
  await engine.start();
  const startMs = performance.now() - startedAt;
  for (let i = 0; i < WARMUP; i++) {
    await viaEngine();
    await kroki.runOnce();
  }
  const mine: number[] = [];
  const theirs: number[] = [];
  const cpu = { mine: 0, theirs: 0 };
  const timedCpu = async (side: 'mine' | 'theirs', once: () => Promise<number>, into: number[]) => {
    const before = childCpuMs();
    into.push(await once());
    cpu[side] += childCpuMs() - before;
  };
  for (let i = 0; i < runs; i++) {
    // Alternating which goes first keeps a burst of outside load from landing on one side.
    if (i % 2 === 0) {
      await timedCpu('mine', viaEngine, mine);
      await timedCpu('theirs', () => kroki.runOnce(), theirs);
    } else {
      await timedCpu('theirs', () => kroki.runOnce(), theirs);
      await timedCpu('mine', viaEngine, mine);
    }
  }
  const a = summarise(mine);
  const b = summarise(theirs);
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, load average before ${loadBefore}, after ${loadText(loadAverage())}`);
  console.log(`engine: ${engine.version()}; start (both formats built): ${ms(startMs)} ms`);
  console.log(`diagram: ${TIKZ_SMALL.label}, SVG, ${runs} runs each after ${WARMUP} warm-up, interleaved`);
  console.log(`Studio engine        median ${ms(a.median)} ms  p95 ${ms(a.p95)} ms  min ${ms(a.min)} ms`);
  console.log(`${kroki.name.padEnd(20)} median ${ms(b.median)} ms  p95 ${ms(b.p95)} ms  min ${ms(b.min)} ms  (${kroki.command})`);
  console.log(`ratio (per-diagram / engine, medians): ${(b.median / a.median).toFixed(2)}×`);
  console.log(
    `CPU per render (the programs'): engine ${ms(cpu.mine / runs)} ms, ${kroki.name} ${ms(cpu.theirs / runs)} ms, ratio ${(cpu.theirs / cpu.mine).toFixed(2)}×`,
  );
} finally {
  kroki.cleanup();
  await engine.stop();
  await ctx.close();
}
