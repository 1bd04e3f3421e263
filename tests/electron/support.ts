/**
 * Where the Electron binary is, or why there is none. `npm install` with
 * ELECTRON_SKIP_BINARY_DOWNLOAD (and npm's allowScripts keeping electron's install script
 * off) leaves node_modules/electron without path.txt; requiring 'electron' then would try a
 * download, so nothing here requires it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export function electronBinary(): { path: string | null; reason: string | null } {
  const dir = path.join(ROOT, 'node_modules', 'electron');
  const pathTxt = path.join(dir, 'path.txt');
  if (!existsSync(dir)) return { path: null, reason: 'the electron package is not installed' };
  if (!existsSync(pathTxt))
    return {
      path: null,
      reason:
        'no Electron binary: node_modules/electron/path.txt is missing (its download was skipped; run `node node_modules/electron/install.js` where the release host is reachable)',
    };
  const binary = path.join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  if (!existsSync(binary)) return { path: null, reason: `no Electron binary at ${path.relative(ROOT, binary)}` };
  return { path: binary, reason: null };
}

/** Builds what `electron .` loads, when a source is newer than the build (only where the tests run). */
export function buildDesktop(): void {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  if (!existsSync(path.join(ROOT, 'dist', 'server', 'desktop-main.js')) || !existsSync(path.join(ROOT, 'dist', 'ui', 'index.html'))) {
    execFileSync(npm, ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  }
  execFileSync(npm, ['run', 'build:desktop'], { cwd: ROOT, stdio: 'inherit' });
}
