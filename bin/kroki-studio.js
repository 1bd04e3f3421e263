#!/usr/bin/env node
// Runs the compiled server (npm run build). During development use `npm run dev`.
// server/cli.ts does nothing on import; runAsProcess owns signals and the exit code.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('kroki-studio: not built yet. Run `npm run build` (or `make run`, which sets everything up).\n');
  process.exit(1);
}
const { runAsProcess } = await import(cli.href);
runAsProcess(process.argv.slice(2));
