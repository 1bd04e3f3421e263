/**
 * One probe for the Mermaid throughput target alone: a server (Mermaid only, cache off)
 * with the given environment (NAME=value arguments, e.g. STUDIO_MERMAID_PAGES=2), its
 * throughput on the 100-node flowchart at 2, 4 and 6 clients against one warm page driven
 * from here, blocks interleaved (peers.ts).
 *
 *   npx tsx scripts/bench/probes/mermaid.ts [STUDIO_MERMAID_PAGES=2]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MERMAID_LARGE } from '../diagrams.js';
import { openMermaidPage } from '../engine-alone.js';
import { BenchClient, checkPicture } from '../http-client.js';
import { interleaveThroughput } from '../peers.js';
import { sampleTree } from '../proc-tree.js';
import { startServer } from '../server-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CHROMIUM = process.env.STUDIO_CHROMIUM_PATH ?? '/usr/bin/chromium';
const extra = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=', 2) as [string, string]));
const server = await startServer(REPO_ROOT, 'tsx', {
  KROKI_URL: '',
  STUDIO_ENGINE_POLICY: 'local',
  STUDIO_SECRET: '',
  STUDIO_CACHE_BYTES: '0',
  STUDIO_PRELOAD: 'none',
  STUDIO_CHROMIUM_PATH: CHROMIUM,
  ...extra,
});
const client = new BenchClient(server.baseUrl);
const page = await openMermaidPage(CHROMIUM);
try {
  const studio = async () => checkPicture(MERMAID_LARGE, 'svg', await client.post('mermaid', 'svg', MERMAID_LARGE.source));
  const onePage = async () => {
    if (!(await page.render(MERMAID_LARGE.source)).includes(MERMAID_LARGE.expect[0]!)) throw new Error('one page: SVG lacks its labels');
  };
  await Promise.all(Array.from({ length: 6 }, () => studio()));
  for (let i = 0; i < 5; i++) await onePage();
  const r = await interleaveThroughput(
    [{ name: 'one page', clients: 1, once: onePage }, ...[2, 4, 6].map((clients) => ({ name: `studio ×${clients}`, clients, once: studio }))],
    2,
    3000,
  );
  const chromium = sampleTree(server.pid, true).byKind.chromium;
  console.log(
    `${JSON.stringify(extra)}: ${Object.entries(r)
      .map(([k, v]) => `${k} ${v.toFixed(1)}/s`)
      .join(
        ', ',
      )}; Studio ×2 / one page ${(r['studio ×2']! / r['one page']!).toFixed(2)}; Studio's Chromium ${chromium?.count ?? 0} processes, PSS ${((chromium?.pss ?? 0) / 1e6).toFixed(0)} MB`,
  );
} finally {
  client.close();
  await page.close();
  await server.stop();
}
