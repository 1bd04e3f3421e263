/**
 * One probe for the cached target alone: a Studio server with the given environment
 * (NAME=value arguments), its cache on, against the bare Fastify route, autocannon blocks
 * alternating (peers.ts). Prints the answers per second of each and their ratio.
 *
 *   npx tsx scripts/bench/probes/cached.ts [STUDIO_LOG_LEVEL=warn ...]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRAPHVIZ_SMALL } from '../diagrams.js';
import { cachedComparison } from '../peers.js';
import { waitTreeIdle } from '../proc-tree.js';
import { startServer } from '../server-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const extra = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
const server = await startServer(REPO_ROOT, 'tsx', { KROKI_URL: '', STUDIO_ENGINE_POLICY: 'local', STUDIO_SECRET: '', STUDIO_PRELOAD: 'in-process', ...extra });
try {
  await waitTreeIdle(server.pid, 60_000);
  const r = await cachedComparison(server.baseUrl, GRAPHVIZ_SMALL, REPO_ROOT, { connections: 50, blockSeconds: 3, blocks: 3 });
  console.log(
    `${JSON.stringify(extra)} studio ${r.studioRps.toFixed(0)}/s, bare Fastify ${r.bareRps.toFixed(0)}/s, ratio ${(r.studioRps / r.bareRps).toFixed(3)}`,
  );
} finally {
  await server.stop();
}
