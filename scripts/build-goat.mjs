#!/usr/bin/env node
/**
 * Builds the goat engine's WASM program (server/engines/goat/wasm/main.go) into dist/goat/:
 * goat.wasm, and wasm_exec.js from the same Go toolchain (a module and its JavaScript
 * support must come from one Go version). Part of `npm run build:server`.
 *
 * Offline: the library is Debian's golang-github-bep-goat-dev (bep/goat, in
 * /usr/share/gocode, no dependencies besides Go's standard library) and Go builds in
 * GOPATH mode, so no module proxy is asked. `GOAT_GOPATH` names another GOPATH holding
 * src/github.com/bep/goat, and `GOAT_VERSION` its version where no Debian package tells it.
 * Without Go or the library this warns and exits 0: the server then reports goat as
 * unavailable with the reason (and a configured upstream Kroki draws it).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'server', 'engines', 'goat', 'wasm', 'main.go');
const outDir = path.join(root, 'dist', 'goat');
const DEBIAN_PACKAGE = 'golang-github-bep-goat-dev';
const gopath = process.env.GOAT_GOPATH ?? '/usr/share/gocode';
const go = process.env.GO ?? 'go';

function skip(reason) {
  console.warn(`build-goat: ${reason}; skipping goat (the engine reports itself unavailable). On Debian/Ubuntu: apt-get install golang-go ${DEBIAN_PACKAGE}`);
  process.exit(0);
}

/** The upstream version of the Debian package (0.5.0 for 0.5.0-2), or GOAT_VERSION. */
function goatVersion() {
  if (process.env.GOAT_VERSION) return process.env.GOAT_VERSION;
  const q = spawnSync('dpkg-query', ['-W', '-f=${Version}', DEBIAN_PACKAGE], { encoding: 'utf8' });
  if (q.status !== 0 || !q.stdout) return 'unknown';
  return q.stdout
    .replace(/^\d+:/, '')
    .replace(/-[^-]*$/, '')
    .replace(/[+~].*$/, '');
}

const probe = spawnSync(go, ['env', 'GOROOT', 'GOVERSION'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) skip(`"${go}" not found`);
const [goroot, goversion] = probe.stdout.trim().split('\n');
if (!existsSync(path.join(gopath, 'src', 'github.com', 'bep', 'goat', 'svg.go'))) skip(`no bep/goat sources in ${gopath}/src/github.com/bep/goat`);
// Go 1.24 moved it from misc/wasm to lib/wasm.
const wasmExec = ['lib', 'misc'].map((d) => path.join(goroot, d, 'wasm', 'wasm_exec.js')).find((f) => existsSync(f));
if (!wasmExec) skip(`no wasm_exec.js in ${goroot}`);

const version = goatVersion();
if (!/^[0-9A-Za-z.+-]+$/.test(version)) {
  console.error(`build-goat: unusable goat version "${version}"`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
const tmp = path.join(outDir, 'goat.wasm.tmp');
const started = Date.now();
const result = spawnSync(go, ['build', '-trimpath', '-ldflags', `-s -w -X main.version=${version}`, '-o', tmp, main], {
  stdio: 'inherit',
  env: {
    ...process.env,
    GOOS: 'js',
    GOARCH: 'wasm',
    CGO_ENABLED: '0',
    GO111MODULE: 'off',
    GOPATH: gopath,
    GOFLAGS: '',
    GOPROXY: 'off',
    GOTOOLCHAIN: 'local',
    GOCACHE: process.env.GOCACHE ?? path.join(os.tmpdir(), 'kroki-studio-go-build'),
  },
});
if (result.status !== 0) {
  rmSync(tmp, { force: true });
  console.error(`build-goat: go build failed (exit ${result.status ?? result.signal}).`);
  process.exit(1);
}
renameSync(tmp, path.join(outDir, 'goat.wasm'));
copyFileSync(wasmExec, path.join(outDir, 'wasm_exec.js'));
console.log(`build-goat: built bep/goat ${version} with ${goversion} into ${path.relative(root, outDir)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
