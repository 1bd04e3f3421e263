/** The installed version of an npm package, read from its package.json (never a literal). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

export function packageVersion(name: string): string {
  try {
    let dir = path.dirname(packageEntry(name));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // no package.json at this level
      }
      const up = path.dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'unknown';
  }
}

/**
 * A file of the package to start the search from: its entry, or its package.json for a
 * package with no entry Node can resolve (svgbob-wasm names only a bundler's `module`).
 */
function packageEntry(name: string): string {
  try {
    return require.resolve(name);
  } catch {
    return require.resolve(`${name}/package.json`);
  }
}
