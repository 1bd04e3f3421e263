/**
 * One probe for the Graphviz targets alone: Studio (its in-process engines preloaded, cache
 * off, started as `npm start` does) against the WASM engine called in this process, the same
 * POST to a bare Fastify route (the HTTP floor) and `dot -Tsvg` per diagram, interleaved in
 * blocks as in the full bench (peers.ts). Prints medians and ratios.
 *
 *   npx tsx scripts/bench/probes/graphviz.ts [NAME=value ...]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GRAPHVIZ_SMALL } from '../diagrams.js';
import { BenchClient, checkPicture } from '../http-client.js';
import { graphvizPeers } from '../peers.js';
import { waitTreeIdle } from '../proc-tree.js';
import { startServer } from '../server-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const extra = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
const server = await startServer(REPO_ROOT, 'built', {
  KROKI_URL: '',
  STUDIO_ENGINE_POLICY: 'local',
  STUDIO_SECRET: '',
  STUDIO_CACHE_BYTES: '0',
  STUDIO_PRELOAD: 'in-process',
  ...extra,
});
const client = new BenchClient(server.baseUrl);
try {
  await waitTreeIdle(server.pid, 60_000);
  const studio = {
    name: 'studio',
    perBlock: 20,
    async once() {
      const r = await client.post(GRAPHVIZ_SMALL.type, 'svg', GRAPHVIZ_SMALL.source);
      checkPicture(GRAPHVIZ_SMALL, 'svg', r);
      return r.ms;
    },
  };
  const { alone, dot } = await graphvizPeers(studio, client, { graphviz: GRAPHVIZ_SMALL, repoRoot: REPO_ROOT }, 12);
  const m = (k: string) => {
    const side = alone.sides[k]!;
    return (typeof side === 'number' ? side : side.median).toFixed(2);
  };
  console.log(
    `${JSON.stringify(extra)}: studio ${m('studio')} ms, alone ${m('alone')} ms, bare HTTP ${m('http')} ms; Studio/alone ${alone.ratio!.toFixed(2)}× ${alone.detail ?? ''}; dot/Studio ${dot.ratio!.toFixed(2)}×`,
  );
} finally {
  client.close();
  await server.stop();
}
