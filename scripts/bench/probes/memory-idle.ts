/**
 * One probe for the idle-memory target alone: a server with every engine preloaded and the
 * given environment (NAME=value arguments), every small and gallery diagram drawn once,
 * then left alone past the idle stop. Prints the tree's PSS and the node process's
 * anonymous memory after the renders and once idle.
 *
 *   npx tsx scripts/bench/probes/memory-idle.ts [MALLOC_ARENA_MAX=2 ...]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_SMALL, DITAA_SMALL, GALLERY_TYPES, galleryDiagram } from '../diagrams.js';
import { BenchClient } from '../http-client.js';
import { sampleTree, waitTreeIdle } from '../proc-tree.js';
import { startServer } from '../server-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const extra = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
const launch = existsBuild() ? 'built' : 'tsx';
const server = await startServer(REPO_ROOT, launch, {
  KROKI_URL: '',
  STUDIO_ENGINE_POLICY: 'local',
  STUDIO_SECRET: '',
  STUDIO_CACHE_BYTES: '0',
  STUDIO_PRELOAD: 'all',
  STUDIO_IDLE_STOP_S: '8',
  ...extra,
});
const client = new BenchClient(server.baseUrl);
const anon = () => /^RssAnon:\s+(\d+)/m.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1];
/** The main thread's V8 heap and external memory, from the server's own /metrics. */
const heap = async () => {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1e6;
  return `main heap used ${value('studio_nodejs_heap_size_used_bytes').toFixed(0)} MB of ${value('studio_nodejs_heap_size_total_bytes').toFixed(0)}, external ${value('studio_nodejs_external_memory_bytes').toFixed(0)} MB`;
};
const line = async (what: string) => {
  const t = sampleTree(server.pid, true);
  console.log(
    `${JSON.stringify(extra)} ${launch} ${what}: tree PSS ${((t.pssBytes ?? 0) / 1e6).toFixed(0)} MB in ${t.processes} processes; node RssAnon ${(Number(anon()) / 1024).toFixed(0)} MB; ${await heap()}`,
  );
};
try {
  await new Promise((r) => setTimeout(r, 4000));
  for (const d of [...ALL_SMALL, ...GALLERY_TYPES.map(galleryDiagram)]) await client.post(d.type, 'svg', d.source).catch(() => undefined);
  await client.post('ditaa', 'png', DITAA_SMALL.source).catch(() => undefined);
  await line('after the renders');
  await waitTreeIdle(server.pid, 30_000);
  await new Promise((r) => setTimeout(r, 20_000));
  await line('idle');
  console.log(`node's resident memory by mapping once idle (/proc/PID/smaps): ${smapsSummary(server.pid)}`);
} finally {
  client.close();
  await server.stop();
}

/** Resident memory by kind of mapping: glibc's brk heap, anonymous mappings by size (malloc arenas and V8/WASM reservations are MB-sized, V8's pages smaller), files. */
function smapsSummary(pid: number): string {
  const buckets = new Map<string, number>();
  let current = '';
  for (const l of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(l);
    if (m) {
      const kb = (parseInt(m[2]!, 16) - parseInt(m[1]!, 16)) / 1024;
      const name = m[3] || '[anon]';
      current = name.startsWith('/') ? 'files' : name === '[anon]' ? `anonymous ${kb >= 1024 ? '≥ 1 MB' : '< 1 MB'}` : name;
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(l);
    if (rss) buckets.set(current, (buckets.get(current) ?? 0) + Number(rss[1]));
  }
  return [...buckets]
    .sort((a, b) => b[1] - a[1])
    .filter(([, kb]) => kb >= 1024)
    .map(([k, kb]) => `${k} ${(kb / 1024).toFixed(0)} MB`)
    .join(', ');
}

function existsBuild(): boolean {
  try {
    readFileSync(path.join(REPO_ROOT, 'dist/server/cli.js'));
    return true;
  } catch {
    return false;
  }
}
