#!/usr/bin/env node
// Runs every test tier in order and prints one summary line at the end:
//   "tests: N passed, N failed, N skipped"
// Tiers: typecheck + lint, unit, integration, e2e, electron (vitest), docker (scripts/test-docker.sh).
// A tier that cannot run is reported as skipped with the reason, never as passed.
// Tests must not change tracked files: a file whose state differs from before the tiers
// counts as a failure ("tracked files modified by tests: …"); local edits made before the
// run are not blamed unless the tests change them further.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
mkdirSync('test-results', { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8', env: { ...process.env, ...opts.env } });
  if (opts.capture && r.stdout) process.stdout.write(r.stdout);
  return r;
}

function check(name, cmd, args) {
  const r = sh(cmd, args);
  const ok = r.status === 0;
  totals[ok ? 'passed' : 'failed']++;
  lines.push(`${name}: ${ok ? 'ok' : `FAILED (exit ${r.status})`}`);
}

function vitestTier(project) {
  const out = path.join('test-results', `${project}.json`);
  const r = sh('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!existsSync(out)) {
    totals.failed++;
    lines.push(`${project}: FAILED to run (exit ${r.status})`);
    return;
  }
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const skipped = (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0);
  totals.passed += j.numPassedTests;
  totals.failed += j.numFailedTests;
  totals.skipped += skipped;
  // A suite that failed to load counts as a failure even when no test inside it ran.
  const brokenSuites = (j.testResults ?? []).filter((s) => s.status === 'failed' && (s.assertionResults ?? []).every((a) => a.status !== 'failed')).length;
  totals.failed += brokenSuites;
  lines.push(`${project}: ${j.numPassedTests} passed, ${j.numFailedTests + brokenSuites} failed, ${skipped} skipped`);
  if (r.status !== 0 && j.numFailedTests + brokenSuites === 0) {
    totals.failed++;
    lines.push(`${project}: vitest exited ${r.status}`);
  }
}

function dockerTier() {
  if (process.env.STUDIO_SKIP_DOCKER === '1') {
    totals.skipped++;
    lines.push('docker: skipped (STUDIO_SKIP_DOCKER=1)');
    return;
  }
  if (!existsSync('scripts/test-docker.sh')) {
    totals.skipped++;
    lines.push('docker: skipped (scripts/test-docker.sh missing)');
    return;
  }
  const r = sh('bash', ['scripts/test-docker.sh'], { capture: true });
  const m = [...(r.stdout ?? '').matchAll(/^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/gm)].pop();
  if (!m) {
    totals.failed++;
    lines.push(`docker: FAILED (exit ${r.status}, no summary line)`);
    return;
  }
  const [p, f, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  totals.passed += p;
  totals.failed += f + (r.status !== 0 && f === 0 ? 1 : 0);
  totals.skipped += s;
  lines.push(`docker: ${p} passed, ${f} failed, ${s} skipped${r.status !== 0 ? ` (exit ${r.status})` : ''}`);
}

/**
 * Tracked files that differ from HEAD or the index, each with the hash of its working copy
 * ('deleted' when gone); null when this is not a git checkout or git cannot run.
 */
function trackedChanges() {
  if (!existsSync('.git')) return null;
  const git = (args) => spawnSync('git', ['--no-optional-locks', ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const status = git(['status', '--porcelain', '--untracked-files=no', '-z']);
  if (status.error || status.status !== 0) return null;
  // -z entries: "XY path", and for renames and copies "XY new" followed by the old path.
  const fields = status.stdout.split('\0').filter(Boolean);
  const paths = [];
  for (let i = 0; i < fields.length; i++) {
    const xy = fields[i].slice(0, 2);
    paths.push(fields[i].slice(3));
    if (/[RC]/.test(xy)) paths.push(fields[++i]);
  }
  const changes = new Map();
  const files = [];
  // A directory is a submodule: listed like a file, but its content is not compared.
  for (const p of new Set(paths)) {
    if (!existsSync(p)) changes.set(p, 'deleted');
    else if (statSync(p).isDirectory()) changes.set(p, 'directory');
    else files.push(p);
  }
  if (files.length > 0) {
    const hashed = git(['hash-object', '--', ...files]);
    if (hashed.error || hashed.status !== 0) return null;
    const hashes = hashed.stdout.trim().split('\n');
    files.forEach((p, i) => changes.set(p, hashes[i]));
  }
  return changes;
}

/** Compares the tracked files' state after the tiers with the one before them. */
function trackedFilesGuard(before) {
  const after = before && trackedChanges();
  if (!before || !after) {
    lines.push('tracked files: not checked (not a git checkout, or git unavailable)');
    return;
  }
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
  if (changed.length === 0) {
    lines.push('tracked files: unchanged by the tests');
    return;
  }
  totals.failed++;
  lines.push(`tracked files modified by tests: ${changed.join(', ')}`);
}

const trackedBefore = trackedChanges();
const only = process.argv.slice(2);
const want = (t) => only.length === 0 || only.includes(t);
if (want('static')) {
  check('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  for (const [name, tool, project] of [
    ['typecheck (ui)', 'vue-tsc', 'src-renderer/tsconfig.json'],
    ['typecheck (ui tests)', 'vue-tsc', 'tests/unit/renderer/tsconfig.json'],
    ['typecheck (e2e)', 'tsc', 'tests/e2e/tsconfig.json'],
    ['typecheck (desktop, Electron types)', 'tsc', 'src-main/tsconfig.json'],
  ])
    if (existsSync(project)) check(name, 'npx', [tool, '-p', project, '--noEmit']);
  check('lint', 'npx', ['eslint', '.']);
  check('format', 'npx', ['prettier', '--check', '.']);
}
for (const t of ['unit', 'integration', 'e2e', 'electron']) if (want(t)) vitestTier(t);
if (want('docker')) dockerTier();
trackedFilesGuard(trackedBefore);

console.log('\n── test summary ──');
for (const l of lines) console.log(`  ${l}`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
