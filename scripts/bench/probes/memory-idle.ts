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
} finally {
  client.close();
  await server.stop();
}

function existsBuild(): boolean {
  try {
    readFileSync(path.join(REPO_ROOT, 'dist/server/cli.js'));
    return true;
  } catch {
    return false;
  }
}
