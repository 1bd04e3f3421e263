#!/usr/bin/env node
// Builds the Electron main process and the preload into dist/desktop/ with esbuild (the
// server and the UI are built by `npm run build`). The preload is one CommonJS file: a
// sandboxed preload can load no module but Electron's. The main process is one ES module
// with Electron left external; the server child runs from dist/server/desktop-main.js.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'desktop');
const common = { bundle: true, platform: 'node', target: 'node22', external: ['electron'], sourcemap: true, logLevel: 'warning', absWorkingDir: root };

await build({ ...common, entryPoints: ['src-main/main.ts'], outfile: path.join(out, 'main.js'), format: 'esm' });
await build({ ...common, entryPoints: ['src-main/preload.ts'], outfile: path.join(out, 'preload.cjs'), format: 'cjs' });
console.log(`desktop: built ${path.relative(root, out)}/main.js and preload.cjs`);
