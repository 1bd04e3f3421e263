/**
 * `kroki-studio render`: the batch renderer on the command line. The render core and its
 * engines start in this process (no HTTP server); a terminal gets a progress bar, a pipe
 * gets one line per output.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { OUTPUT_FORMATS, type OutputFormat } from '../../shared/api.js';
import type { Command } from '../cli.js';
import type { BatchEvent, JobResult } from './batch.js';

export const USAGE = `Usage: kroki-studio render <files, folders or globs>... [options]

Render diagram files with the warm embedded engines (no server needed). The type comes
from each file's extension (.puml, .mmd, .dot, .d2, …) unless --type is given. Markdown
(.md) and AsciiDoc (.adoc) files are searched for diagram blocks (\`\`\`mermaid,
\`\`\`plantuml, \`\`\`kroki-<type>, [plantuml] ----), each written as <doc>-<hash>.<format>.
Folders are searched for diagram files and documents; quote globs ('docs/**/*.puml').

  --format FMT    svg (default), png, pdf, jpeg, txt, utxt, base64: what the type offers.
  --out DIR       Write outputs here, keeping the inputs' folders; default: next to each input.
  --jobs N        Renders in parallel (default: the number of CPUs).
  --type TYPE     Diagram type for every file (for extensions Studio does not know).
  --option K=V    A Kroki diagram option for every render (repeatable), e.g. --option theme=forest.
  --force         Render even where the output is up to date.
  --help          This help.

An output is up to date when it exists and ${'.kroki-studio-render.json'} in its folder records
the same type, format, options, safe mode, source and Studio version. Outputs are written
atomically. The run keeps going past a failing file; the exit code is 1 if any failed,
2 for a usage error. KROKI_URL (an upstream Kroki) covers the types with no local engine;
the other settings are the server's environment variables (docs/configuration.md).`;

function usageError(message: string): number {
  process.stderr.write(`kroki-studio render: ${message}\n\n${USAGE}\n`);
  return 2;
}

function describe(result: JobResult, cwd: string): string {
  const where = (file: string) => path.relative(cwd, file) || file;
  const { job } = result;
  if (result.status === 'failed') {
    const at = job.firstLine > 1 && result.line === undefined ? `:${job.firstLine}` : result.line !== undefined ? `:${result.line}` : '';
    return `FAILED ${where(job.input)}${at}: ${result.message}`;
  }
  return `${result.status === 'rendered' ? 'rendered' : 'unchanged'} ${where(job.output)}  (${where(job.input)}${job.firstLine > 1 ? `:${job.firstLine}` : ''}, ${result.ms.toFixed(0)} ms)`;
}

/** One line redrawn in place on a terminal. */
class ProgressBar {
  private total = 0;
  private done = 0;
  private failed = 0;
  private lastDraw = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  plan(total: number): void {
    this.total = total;
    this.draw(true);
  }
  finish(failed: boolean): void {
    this.done++;
    if (failed) this.failed++;
    this.draw(this.done === this.total);
  }
  /** Writes a line above the bar. */
  line(text: string): void {
    this.out.write(`\r\x1b[2K${text}\n`);
    this.draw(true);
  }
  clear(): void {
    this.out.write('\r\x1b[2K');
  }
  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 80) return;
    this.lastDraw = now;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 40));
    const filled = this.total ? Math.round((this.done / this.total) * width) : 0;
    this.out.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.done}/${this.total}${this.failed ? `, ${this.failed} failed` : ''}`);
  }
}

export const renderCommand: Command = {
  name: 'render',
  summary: 'Render diagram files, folders, globs and Markdown/AsciiDoc blocks to pictures.',
  usage: USAGE,
  async run(argv, { signal }) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          format: { type: 'string', default: 'svg' },
          out: { type: 'string' },
          jobs: { type: 'string' },
          type: { type: 'string' },
          option: { type: 'string', multiple: true },
          force: { type: 'boolean', default: false },
        },
      });
    } catch (err) {
      return usageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (positionals.length === 0) return usageError('name at least one file, folder or glob');
    const format = values.format as OutputFormat;
    if (!OUTPUT_FORMATS.includes(format)) return usageError(`unknown format ${values.format}; one of ${OUTPUT_FORMATS.join(', ')}`);
    const jobs = values.jobs === undefined ? os.availableParallelism() : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) return usageError(`--jobs must be a whole number from 1 to 64, not ${values.jobs}`);
    const options: Record<string, string> = {};
    for (const pair of values.option ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return usageError(`--option wants KEY=VALUE, not ${pair}`);
      options[pair.slice(0, eq)] = pair.slice(eq + 1);
    }

    // Loaded here, not at the top: `--help` stays quick.
    const { findType, canonicalType } = await import('../../shared/diagram-types.js');
    if (values.type !== undefined && !findType(values.type)) return usageError(`unknown diagram type ${values.type}`);
    const { ConfigError, loadConfig } = await import('../config.js');
    const { expandInputs, InputError } = await import('./inputs.js');
    const cwd = process.cwd();
    let files;
    try {
      files = await expandInputs(positionals, cwd);
    } catch (err) {
      if (err instanceof InputError) return usageError(err.message);
      throw err;
    }
    let config;
    try {
      // Every output is written once: the render cache would only hold memory.
      config = loadConfig({ STUDIO_CACHE_BYTES: '0', ...process.env });
    } catch (err) {
      if (err instanceof ConfigError) {
        process.stderr.write(`kroki-studio render: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
    const { default: pino } = await import('pino');
    const { createRenderRuntime } = await import('../render/runtime.js');
    const { runBatch } = await import('./batch.js');
    // Engine warnings (a crash, a recycle) go to stderr; the routine start-up lines do not.
    const logger = pino({ level: process.env.STUDIO_LOG_LEVEL ?? 'warn' }, pino.destination({ dest: 2, sync: true }));
    const runtime = createRenderRuntime(config, logger, undefined, { measureProcess: true });
    const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
    const onEvent = (event: BatchEvent) => {
      if (event.kind === 'planned') bar?.plan(event.total);
      if (event.kind !== 'finished') return;
      const text = describe(event.result, cwd);
      if (bar) {
        if (event.result.status === 'failed') bar.line(text);
        bar.finish(event.result.status === 'failed');
      } else {
        (event.result.status === 'failed' ? process.stderr : process.stdout).write(`${text}\n`);
      }
    };
    try {
      const summary = await runBatch(
        runtime.core,
        files,
        {
          format,
          outDir: values.out ? path.resolve(cwd, values.out) : null,
          jobs,
          type: values.type ? canonicalType(values.type) : null,
          force: values.force,
          options,
          safeMode: config.safeMode,
          signal,
        },
        onEvent,
      );
      bar?.clear();
      const total = summary.results.length;
      process.stdout.write(
        total === 0
          ? 'no diagram files or blocks found\n'
          : `${summary.rendered} rendered, ${summary.unchanged} unchanged, ${summary.failed} failed (${total} diagram${total === 1 ? '' : 's'})\n`,
      );
      return summary.failed > 0 ? 1 : 0;
    } catch (err) {
      bar?.clear();
      if (signal?.aborted) {
        process.stderr.write('kroki-studio render: stopped\n');
        return 130;
      }
      throw err;
    } finally {
      await runtime.close();
    }
  },
};
