/**
 * The one place that finds Studio's own files and decides where caches go, so the same
 * code works from the source tree (tsx), from `dist/`, in the container and inside a
 * packaged desktop app (an asar archive).
 *
 * - Assets sit next to the module that uses them (`engines/mermaid/page/…`); the build
 *   copies them beside the compiled file, so `assetPath(import.meta.url, …)` is the same
 *   call in every layout.
 * - Files handed to another process (a JVM classpath, a worker script for a child) cannot
 *   be read from inside an asar archive: they come from `app.asar.unpacked`.
 * - Caches go to a per-user cache folder, never into the install folder (read-only in a
 *   package, shared in a container).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The folder with package.json: server/ sits in it, dist/server/ two levels down. */
export const PACKAGE_ROOT =
  [path.resolve(here, '..'), path.resolve(here, '..', '..')].find((p) => existsSync(path.join(p, 'package.json'))) ?? path.resolve(here, '..');

/** Build output that is not a module (compiled Java classes). */
export const BUILD_DIR = path.join(PACKAGE_ROOT, 'dist');

/** Inside an asar archive, the unpacked twin of a path (other processes cannot read the archive). */
export function unpacked(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/**
 * A file that ships next to the calling module (`from` is its `import.meta.url`).
 * `external`: the file is read by another process, so it must be outside any archive.
 */
export function assetPath(from: string, relative: string, opts: { external?: boolean } = {}): string {
  const file = path.join(path.dirname(fileURLToPath(from)), relative);
  return opts.external ? unpacked(file) : file;
}

/**
 * A per-user cache folder for Studio (created by the caller when it writes):
 * STUDIO_CACHE_DIR, else the platform's cache location.
 */
export function userCacheDir(sub: string, env: Record<string, string | undefined> = process.env): string {
  const base = env.STUDIO_CACHE_DIR?.trim()
    ? env.STUDIO_CACHE_DIR.trim()
    : process.platform === 'darwin'
      ? path.join(os.homedir(), 'Library', 'Caches', 'kroki-studio')
      : process.platform === 'win32'
        ? path.join(env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local'), 'kroki-studio', 'Cache')
        : path.join(env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'kroki-studio');
  return path.join(base, sub);
}
