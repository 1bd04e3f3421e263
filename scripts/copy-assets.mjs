#!/usr/bin/env node
// Part of `npm run build:server`: every file under server/ that tsc does not compile (an
// engine's page, its Java source) goes beside the compiled modules in dist/server/, so
// code finds its assets next to itself in every layout (server/paths.ts).
import { cpSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let copied = 0;
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    else if (!file.endsWith('.ts')) {
      // Timestamps kept: a compiled class is fresh when it is newer than its source (jvm-host.ts).
      cpSync(file, path.join(root, 'dist', path.relative(root, file)), { preserveTimestamps: true });
      copied++;
    }
  }
}
walk(path.join(root, 'server'));
console.log(`copy-assets: ${copied} files beside the compiled server`);
