/**
 * Studio against what a user would run instead (issue 12), in the same run on the same
 * diagrams, interleaved in blocks so that the machine's drift hits both sides alike:
 *   - Graphviz: `dot -Tsvg` per diagram and the WASM engine called in this process;
 *   - PlantUML: a cold `java -jar` per diagram and PlantUML's own warm server
 *     (`java -jar plantuml.jar -picoweb`, same jar, JVM defaults), warmed with the same
 *     renders Studio's JVM warms itself with;
 *   - Mermaid: `mmdc` per diagram, and the throughput of one warm Chromium page;
 *   - cached answers: a bare Fastify route sending the same bytes, under autocannon.
 * Only ratios mean something on a shared machine; every answer is checked to be a picture.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { plantumlWarmUpSample } from '../../server/engines/plantuml/jvm.js';
import { dotTool, mmdcTool, plantumlJarTool, type ColdTool } from './cold-tools.js';
import type { BenchDiagram } from './diagrams.js';
import { graphvizEngine, openMermaidPage } from './engine-alone.js';
import { BenchClient, checkPicture } from './http-client.js';
import { summarise, type Summary } from './stats.js';

/** One side of a comparison: a checked render, timed in ms. */
export interface Side {
  name: string;
  once(): Promise<number>;
  /** Timed renders per block (cheap sides do more per block than a process per diagram). */
  perBlock: number;
}

const timedSync = (fn: () => void) => async () => {
  const started = performance.now();
  fn();
  return performance.now() - started;
};

/**
 * `warmup` untimed renders of each side, then `blocks` rounds in which every side does its
 * `perBlock` renders, the order rotating from block to block. Returns each side's summary.
 */
export async function interleave(sides: readonly Side[], blocks: number, warmup: number): Promise<Record<string, Summary>> {
  for (const side of sides) for (let i = 0; i < Math.min(warmup, side.perBlock * 3); i++) await side.once();
  const samples: Record<string, number[]> = Object.fromEntries(sides.map((s) => [s.name, []]));
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(b + k) % sides.length]!;
      for (let i = 0; i < side.perBlock; i++) samples[side.name]!.push(await side.once());
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarise(v)]));
}

/** `clients` loops of `once` for `ms` milliseconds; renders completed per second. */
async function throughputBlock(once: () => Promise<unknown>, clients: number, ms: number): Promise<{ done: number; seconds: number }> {
  const started = performance.now();
  let done = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() - started < ms) {
        await once();
        done++;
      }
    }),
  );
  return { done, seconds: (performance.now() - started) / 1000 };
}

/** Blocks of throughput on each side in turn; renders per second summed over the blocks. */
export async function interleaveThroughput(
  sides: readonly { name: string; once: () => Promise<unknown>; clients: number }[],
  blocks: number,
  blockMs: number,
): Promise<Record<string, number>> {
  const totals: Record<string, { done: number; seconds: number }> = Object.fromEntries(sides.map((s) => [s.name, { done: 0, seconds: 0 }]));
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(b + k) % sides.length]!;
      const r = await throughputBlock(side.once, side.clients, blockMs);
      totals[side.name]!.done += r.done;
      totals[side.name]!.seconds += r.seconds;
    }
  }
  return Object.fromEntries(Object.entries(totals).map(([k, t]) => [k, t.done / t.seconds]));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const peerAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * POST a body over a keep-alive connection, as the Studio side does; a request that meets a
 * kept-alive socket the server has just closed is sent again once on a new one, as browsers do.
 */
function postOnce(port: number, pathname: string, body: string, contentType: string, retry = true): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: 'POST',
        agent: peerAgent,
        headers: { 'content-type': contentType, 'content-length': payload.length },
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout: POST ${pathname}`)));
    req.on('error', (err) => {
      if (retry && req.reusedSocket && ['ECONNRESET', 'EPIPE'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        postOnce(port, pathname, body, contentType, false).then(resolve, reject);
      } else reject(err);
    });
    req.end(payload);
  });
}

// ------------------------------------------------------------------ PlantUML picoweb

export interface Picoweb {
  port: number;
  /** A checked SVG render through POST /render; ms. */
  render(diagram: BenchDiagram): Promise<number>;
  stop(): Promise<void>;
}

/** `java -jar plantuml.jar -picoweb:PORT:127.0.0.1`, as PlantUML documents it: JVM defaults, no flags of Studio's. */
export async function startPicoweb(jar: string, warmupRenders: number): Promise<Picoweb> {
  const port = await freePort();
  const child: ChildProcess = spawn('java', ['-jar', jar, `-picoweb:${port}:127.0.0.1`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-2000)));
  const request = (source: string, format: string) => postOnce(port, '/render', JSON.stringify({ source, options: [`-t${format}`] }), 'application/json');
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await request('@startuml\nA -> B\n@enduml', 'svg')).status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`picoweb did not answer: ${stderr.trim().slice(0, 300)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  // The warm-up Studio's JVM runs in the background (STUDIO_JVM_WARMUP samples), two at a time like its two render threads.
  // Like Studio's warm-up, a sample picoweb refuses (or answers by closing the connection) still warmed the code; only many failures end it.
  let next = 0;
  let failures = 0;
  try {
    await Promise.all(
      [0, 1].map(async () => {
        while (next < warmupRenders) {
          const sample = plantumlWarmUpSample(next++);
          try {
            await request(sample.source, sample.format);
          } catch (err) {
            if (++failures > warmupRenders / 10) throw err;
          }
        }
      }),
    );
  } catch (err) {
    // No JVM may outlive a failed start.
    child.kill('SIGKILL');
    throw err;
  }
  return {
    port,
    async render(diagram) {
      const started = performance.now();
      const r = await request(diagram.source, 'svg');
      const ms = performance.now() - started;
      const text = r.body.toString('utf8');
      const missing = diagram.expect.filter((l) => !text.includes(l));
      if (r.status !== 200 || !text.includes('<svg') || missing.length)
        throw new Error(`picoweb: HTTP ${r.status}${missing.length ? `, SVG lacks ${missing.join(', ')}` : ''}: ${text.slice(0, 200)}`);
      return ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        peerAgent.destroy();
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

// ------------------------------------------------------------------ cached answers

function kroki64(source: string): string {
  return deflateSync(Buffer.from(source, 'utf8'), { level: 9 }).toString('base64url');
}

export interface CachedResult {
  studioRps: number;
  bareRps: number;
  bytes: number;
  connections: number;
  blockSeconds: number;
  blocks: number;
}

/**
 * A bare Fastify route in its own process, sending `bytes` with the same content type,
 * for any GET: the floor of what a Node HTTP server can answer on this machine.
 */
export async function startBareFastify(bytesFile: string, contentType: string, repoRoot: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/bench/bare-fastify.mjs'), bytesFile, contentType], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`bare Fastify exited ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * autocannon in its own process, for both sides alike: in the bench's process it would share
 * an event loop with the draining of Studio's access log (one line per answer, ~4 MB/s at
 * these rates), which slows the load generator for Studio alone.
 */
async function cannon(url: string, connections: number, seconds: number): Promise<{ requests: number; seconds: number }> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const child = spawn(process.execPath, [cli, '--json', '-c', String(connections), '-d', String(seconds), '-p', '1', url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-2000)));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`autocannon ${url} exited with ${code}: ${err}`);
  const r = JSON.parse(out) as { errors: number; non2xx: number; timeouts: number; requests: { total: number }; duration: number };
  if (r.errors || r.non2xx || r.timeouts) throw new Error(`autocannon ${url}: ${r.errors} errors, ${r.non2xx} non-2xx, ${r.timeouts} timeouts`);
  return { requests: r.requests.total, seconds: r.duration };
}

/** The same GET on Studio (a cache hit after the first) and on the bare route, autocannon blocks alternating. */
export async function cachedComparison(
  studioBaseUrl: string,
  diagram: BenchDiagram,
  repoRoot: string,
  opts: { connections: number; blockSeconds: number; blocks: number },
): Promise<CachedResult> {
  const studioUrl = `${studioBaseUrl}/${diagram.type}/svg/${kroki64(diagram.source)}`;
  const first = await getOnce(studioUrl);
  const second = await getOnce(studioUrl);
  if (second.headers['x-studio-cache'] !== 'hit')
    throw new Error(`the second GET was not a cache hit (x-studio-cache: ${String(second.headers['x-studio-cache'])})`);
  // checkPicture refuses cache hits (the render benchmarks need misses): check the first answer, send the second's bytes.
  checkPicture(diagram, 'svg', { ...first, ms: 0 });
  const bytes = second.body;
  const file = path.join(os.tmpdir(), `studio-bench-cached-${process.pid}.svg`);
  writeFileSync(file, bytes);
  const bare = await startBareFastify(file, 'image/svg+xml', repoRoot);
  try {
    const totals = { studio: { requests: 0, seconds: 0 }, bare: { requests: 0, seconds: 0 } };
    await cannon(studioUrl, opts.connections, 1);
    await cannon(bare.url, opts.connections, 1);
    for (let b = 0; b < opts.blocks; b++) {
      for (const side of b % 2 ? (['bare', 'studio'] as const) : (['studio', 'bare'] as const)) {
        const r = await cannon(side === 'studio' ? studioUrl : bare.url, opts.connections, opts.blockSeconds);
        totals[side].requests += r.requests;
        totals[side].seconds += r.seconds;
      }
    }
    return {
      studioRps: totals.studio.requests / totals.studio.seconds,
      bareRps: totals.bare.requests / totals.bare.seconds,
      bytes: bytes.length,
      ...opts,
    };
  } finally {
    bare.stop();
  }
}

function getOnce(url: string): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      })
      .on('error', reject);
  });
}

// ------------------------------------------------------------------ the whole peer phase

export interface PeerPlan {
  quick: boolean;
  jar: string;
  mmdc: string;
  chromium: string;
  repoRoot: string;
  jvmWarmup: number;
  graphviz: BenchDiagram;
  plantumlSmall: BenchDiagram;
  plantumlLarge: BenchDiagram;
  mermaidSmall: BenchDiagram;
  mermaidLarge: BenchDiagram;
  log(line: string): void;
}

export interface PeerComparison {
  /** What the target names: `a / b`. */
  name: string;
  sides: Record<string, Summary | number>;
  /** The ratio the target is about (bigger is better unless `atMost`). */
  ratio?: number;
  detail?: string;
  error?: string;
}

export interface PeerResults {
  comparisons: Record<string, PeerComparison>;
}

export async function guarded(out: PeerResults, key: string, name: string, log: (l: string) => void, run: () => Promise<Omit<PeerComparison, 'name'>>) {
  try {
    out.comparisons[key] = { name, ...(await run()) };
    const c = out.comparisons[key];
    log(`peers ${key}: ${c.ratio !== undefined ? c.ratio.toFixed(2) : '—'} ${c.detail ?? ''}`);
  } catch (err) {
    const error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);
    out.comparisons[key] = { name, sides: {}, error };
    log(`peers ${key}: ERROR ${error}`);
  }
}

const coldSide = (tool: ColdTool): Side => ({ name: tool.name, once: () => tool.runOnce(), perBlock: 1 });

/** Every render comparison against a Studio server with its cache off, at `client`. */
export async function runPeers(client: BenchClient, plan: PeerPlan): Promise<PeerResults> {
  const { quick, log } = plan;
  const out: PeerResults = { comparisons: {} };
  const studio = (diagram: BenchDiagram, perBlock: number): Side => ({
    name: 'studio',
    perBlock,
    async once() {
      const r = await client.post(diagram.type, 'svg', diagram.source);
      checkPicture(diagram, 'svg', r);
      return r.ms;
    },
  });
  const blocks = quick ? 4 : 12;

  await guarded(out, 'graphvizAlone', 'Graphviz small: Studio over HTTP / the WASM engine in-process', log, async () => {
    const { alone, dot } = await graphvizPeers(studio(plan.graphviz, 20), client, plan, blocks);
    out.comparisons.dot = dot;
    return alone;
  });

  let picoweb: Picoweb | undefined;
  try {
    log(`peers: starting picoweb and warming it with ${plan.jvmWarmup} renders (Studio's STUDIO_JVM_WARMUP)`);
    picoweb = await startPicoweb(plan.jar, plan.jvmWarmup);
  } catch (err) {
    log(`peers: picoweb: ERROR ${err instanceof Error ? err.message : String(err)}`);
  }
  const pico = (diagram: BenchDiagram, perBlock: number): Side => ({ name: 'picoweb', perBlock, once: () => picoweb!.render(diagram) });
  try {
    for (const [key, diagram, perBlock] of [
      ['plantumlSmall', plan.plantumlSmall, 15],
      ['plantumlLarge', plan.plantumlLarge, 5],
    ] as const) {
      await guarded(out, key, `PlantUML ${diagram.label}: picoweb / Studio, latency`, log, async () => {
        if (!picoweb) throw new Error('picoweb did not start');
        const s = await interleave([studio(diagram, perBlock), pico(diagram, perBlock)], blocks, 40);
        return { sides: s, ratio: s.picoweb!.median / s.studio!.median };
      });
    }
    await guarded(out, 'plantumlLargeThroughput', `PlantUML ${plan.plantumlLarge.label}: Studio / picoweb, 2-client throughput`, log, async () => {
      if (!picoweb) throw new Error('picoweb did not start');
      const r = await interleaveThroughput(
        [
          { name: 'studio', clients: 2, once: () => studio(plan.plantumlLarge, 1).once() },
          { name: 'picoweb', clients: 2, once: () => picoweb!.render(plan.plantumlLarge) },
        ],
        quick ? 2 : 4,
        quick ? 1500 : 3000,
      );
      return { sides: r, ratio: r.studio! / r.picoweb!, detail: `(${r.studio!.toFixed(1)} vs ${r.picoweb!.toFixed(1)} per s)` };
    });
  } finally {
    await picoweb?.stop();
  }

  await guarded(out, 'plantumlJar', 'PlantUML small: cold `java -jar` per diagram / Studio', log, async () => {
    const tool = plantumlJarTool(plan.plantumlSmall, plan.jar);
    const s = await interleave([studio(plan.plantumlSmall, 5), coldSide(tool)], quick ? 2 : 6, 5);
    return { sides: s, ratio: s[tool.name]!.median / s.studio!.median };
  });

  const mmdc = mmdcTool(plan.mermaidSmall, plan.mmdc, plan.chromium);
  try {
    await guarded(out, 'mmdc', 'Mermaid small: `mmdc` per diagram / Studio', log, async () => {
      const s = await interleave([studio(plan.mermaidSmall, 5), coldSide(mmdc)], quick ? 2 : 6, 5);
      return { sides: s, ratio: s[mmdc.name]!.median / s.studio!.median };
    });
  } finally {
    mmdc.cleanup();
  }

  await guarded(out, 'mermaidThroughput', `Mermaid ${plan.mermaidLarge.label}: Studio throughput, 2–6 clients / one warm page`, log, async () => {
    const page = await openMermaidPage(plan.chromium);
    try {
      const onePage = async () => {
        const svg = await page.render(plan.mermaidLarge.source);
        if (!svg.includes(plan.mermaidLarge.expect[0]!)) throw new Error('Mermaid alone: SVG lacks its labels');
      };
      for (let i = 0; i < 5; i++) await onePage();
      const sides = [
        { name: 'one page', clients: 1, once: onePage },
        ...[2, 4, 6].map((clients) => ({ name: `studio ×${clients}`, clients, once: () => studio(plan.mermaidLarge, 1).once() })),
      ];
      for (let i = 0; i < 6; i++) await sides[3]!.once();
      const r = await interleaveThroughput(sides, quick ? 1 : 3, quick ? 2000 : 3000);
      const worst = Math.min(r['studio ×2']!, r['studio ×4']!, r['studio ×6']!);
      return {
        sides: r,
        ratio: worst / r['one page']!,
        detail: `(one page ${r['one page']!.toFixed(1)}/s; Studio ${[2, 4, 6].map((c) => `${c} clients ${r[`studio ×${c}`]!.toFixed(1)}`).join(', ')}/s; the ratio is the slowest of the three)`,
      };
    } finally {
      await page.close();
    }
  });

  return out;
}

/** Graphviz small: Studio, the engine alone, the HTTP floor and `dot` per diagram, interleaved (also scripts/bench/probes/graphviz.ts). */
export async function graphvizPeers(
  studioSide: Side,
  client: BenchClient,
  plan: Pick<PeerPlan, 'graphviz' | 'repoRoot'>,
  blocks: number,
): Promise<{ alone: Omit<PeerComparison, 'name'>; dot: PeerComparison }> {
  const layout = await graphvizEngine();
  const aloneSide: Side = {
    name: 'alone',
    perBlock: 20,
    once: timedSync(() => {
      if (!layout(plan.graphviz.source).includes(plan.graphviz.expect[0]!)) throw new Error('Graphviz alone drew no SVG');
    }),
  };
  const dot = dotTool(plan.graphviz);
  // The HTTP floor: the same POST to a bare Fastify route that answers with the same SVG
  // at once, so the report can tell the cost of any HTTP round trip here from Studio's own.
  const svg = (await client.post(plan.graphviz.type, 'svg', plan.graphviz.source)).body;
  const file = path.join(os.tmpdir(), `studio-bench-floor-${process.pid}.svg`);
  writeFileSync(file, svg);
  const bare = await startBareFastify(file, 'image/svg+xml', plan.repoRoot);
  const bareClient = new BenchClient(bare.url);
  const http: Side = {
    name: 'http',
    perBlock: 20,
    async once() {
      const r = await bareClient.post(plan.graphviz.type, 'svg', plan.graphviz.source);
      if (r.status !== 200 || r.body.length !== svg.length) throw new Error(`bare route answered ${r.status}`);
      return r.ms;
    },
  };
  let s: Record<string, Summary>;
  try {
    s = await interleave([studioSide, aloneSide, http, { ...coldSide(dot), perBlock: 3 }], blocks, 30);
  } finally {
    bareClient.close();
    bare.stop();
  }
  const dotComparison: PeerComparison = {
    name: 'Graphviz small: `dot -Tsvg` per diagram / Studio',
    sides: { dot: s[dot.name]!, studio: s.studio! },
    ratio: s[dot.name]!.median / s.studio!.median,
  };
  const floor = s.http!.median + s.alone!.median;
  const alone = {
    sides: s,
    ratio: s.studio!.median / s.alone!.median,
    detail: `(+${(s.studio!.median - s.alone!.median).toFixed(2)} ms; a bare HTTP round trip here ${s.http!.median.toFixed(2)} ms, so no HTTP server can be under ${(floor / s.alone!.median).toFixed(2)}×)`,
  };
  return { alone, dot: dotComparison };
}
