/**
 * The process entry when running from TypeScript sources: `tsx server/main.ts serve`
 * (`npm run dev`, the CLI tests). The build's entry is bin/kroki-studio.js; both only call
 * runAsProcess (server/cli.ts), which owns signals and the exit code.
 */
import { runAsProcess } from './cli.js';

runAsProcess(process.argv.slice(2));
