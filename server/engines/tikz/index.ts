/**
 * TikZ: Kroki's pipeline (tikz2svg) on the Debian TeX Live — pdfTeX in DVI mode and
 * dvisvgm for SVG; pdfTeX in PDF mode for PDF, and pdftocairo for PNG and JPEG — with a
 * program run per render in a private folder removed afterwards (the command runner:
 * argv only, scrubbed environment, time limit, output cap, process-group kill).
 * The class and TikZ come preloaded from formats built when the runtime starts (tex.ts),
 * so no render loads them again.
 * Kroki parity: formats jpeg, pdf, png, svg; no options; the user's `\documentclass` is
 * replaced by `standalone` with the `tikz` option; `-no-shell-escape` and
 * `dvisvgm --no-specials=ps` always, kpathsea's paranoid file access in secure mode.
 * Deviations: a bare tikzpicture (no `\begin{document}`) is wrapped instead of refused;
 * TeX's error comes back as a 400 with its message and the user's line; a file TeX writes
 * is capped in size.
 */
import { accessSync, constants } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError, StudioError } from '../../errors.js';
import type { CommandResult } from '../../runtimes/command-runner.js';
import type { CommandRuns } from '../../runtimes/command-runs.js';
import { defineEngine, type ProgramRuntime, type RenderInput } from '../spec.js';
import { texDocument, type TexDocument } from './document.js';
import { texError } from './log.js';
import { buildFormats, formatPath, probeTex, texEnv, versionText, type TexMode } from './tex.js';

const JOB = 'diagram';
// Any file a run writes (log, DVI, PDF, a \openout) stays below this: a loop of \write
// cannot fill the disk before the time limit.
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const MAX_LOG_BYTES = 256 * 1024;
// pdftocairo's default resolution (Kroki's PNG and JPEG), and the shared rasteriser's pixel limit.
const RASTER_DPI = 150;
const MAX_PIXELS = 40_000_000;

/** `prlimit` (util-linux) caps file sizes where it exists; elsewhere the time limit alone bounds them. */
const FILE_CAP: readonly string[] = (() => {
  if (os.platform() !== 'linux') return [];
  for (const dir of (process.env.PATH || '/usr/bin:/bin').split(path.delimiter).filter(Boolean)) {
    const prlimit = path.join(dir, 'prlimit');
    try {
      accessSync(prlimit, constants.X_OK);
      return [prlimit, `--fsize=${MAX_FILE_BYTES}`, '--'];
    } catch {
      /* next */
    }
  }
  return [];
})();

export const TIKZ_RUNTIME: ProgramRuntime = {
  kind: 'program',
  // pdfTeX and dvisvgm are single-threaded: one run per core.
  concurrency: () => Math.max(1, Math.min(4, os.availableParallelism())),
  runs(env) {
    const timeoutMs = Math.max(30_000, env.config.renderTimeoutMs);
    return { id: 'tikz', startTimeoutMs: timeoutMs, prepare: (ctx) => buildFormats(ctx, timeoutMs) };
  },
};

interface Run {
  host: CommandRuns;
  input: RenderInput;
  /** The render's own folder. */
  dir: string;
  /** The runtime's folder, with the formats. */
  shared: string;
  timeoutMs: number;
}

/** Runs a program of the pipeline in the render's folder; a kill from outside is a crash, not the diagram's fault. */
async function step(run: Run, argv: readonly string[], what: string): Promise<CommandResult> {
  const result = await run.host.run({
    argv: [...FILE_CAP, ...argv],
    cwd: run.dir,
    env: texEnv(run.input.safeMode),
    timeoutMs: run.timeoutMs,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    signal: run.input.signal,
  });
  if (result.signal === 'SIGXFSZ') throw new DiagramSyntaxError(`${what} wrote a file larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; it was stopped.`);
  if (result.signal) throw new EngineCrashedError(`${what} was ended by ${result.signal}. Please retry.`);
  return result;
}

async function readLog(dir: string): Promise<string> {
  try {
    const log = await readFile(path.join(dir, `${JOB}.log`));
    // The first error is near the start of the trouble; a huge log is cut, not read whole.
    return log.subarray(0, MAX_LOG_BYTES).toString('utf8');
  } catch {
    return '';
  }
}

async function typeset(run: Run, doc: TexDocument, mode: TexMode): Promise<string> {
  await writeFile(path.join(run.dir, `${JOB}.tex`), doc.text);
  const result = await step(
    run,
    [
      'pdftex',
      `-fmt=${formatPath(run.shared, mode)}`,
      `-output-format=${mode}`,
      '-no-shell-escape',
      // nonstopmode that also keeps the terminal quiet: the log has it all, and nothing waits on stdin.
      '-interaction=batchmode',
      '-halt-on-error',
      '-file-line-error',
      `-jobname=${JOB}`,
      `${JOB}.tex`,
    ],
    'TeX',
  );
  const log = await readLog(run.dir);
  const output = path.join(run.dir, `${JOB}.${mode}`);
  if (result.code !== 0) {
    const error = texError(log, `./${JOB}.tex`, doc.userLine, result.stderr.toString('utf8'));
    if (error) {
      const line = error.line === undefined ? undefined : missingFileLine(run.input.source, error.message, error.line);
      throw new DiagramSyntaxError(error.message, line === undefined ? {} : { line });
    }
    throw new DiagramSyntaxError(`TeX stopped (exit code ${result.code}) without an error message.`);
  }
  const made = await stat(output).catch(() => null);
  if (!made || made.size === 0)
    throw new DiagramSyntaxError('TeX wrote no page: the document has no picture (put a tikzpicture between \\begin{document} and \\end{document}).');
  return output;
}

/**
 * pdftocairo allocates the whole page at once, and TeX pages go up to 5.75 m a side: the
 * page is measured first (pdfinfo reads only its dictionary) and a picture above the shared rasteriser's
 * pixel limit is refused before any memory is taken.
 */
async function checkPixels(run: Run, pdf: string): Promise<void> {
  const info = await step(run, ['pdfinfo', '-f', '1', '-l', '1', path.basename(pdf)], 'pdfinfo');
  const size = /Page\s+1 size:\s+([\d.]+) x ([\d.]+) pts/.exec(info.stdout.toString('utf8'));
  if (info.code !== 0 || !size) throw failure('pdfinfo', info);
  const width = Math.ceil((Number(size[1]) * RASTER_DPI) / 72);
  const height = Math.ceil((Number(size[2]) * RASTER_DPI) / 72);
  if (width * height > MAX_PIXELS)
    throw new BadRequestError(`The image would be ${width}×${height} pixels, more than the limit of ${MAX_PIXELS} pixels. Draw a smaller picture.`);
}

/**
 * LaTeX notices a missing package or file only after reading ahead, so TeX stops on a later
 * line; the line that names the file is the one to mark.
 */
function missingFileLine(source: string, message: string, line: number): number {
  const file = /File `([^']+)' not found/.exec(message)?.[1];
  if (!file) return line;
  const stem = path.basename(file).replace(/\.\w+$/, '');
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0 && i >= line - 5; i--) if (lines[i]!.includes(stem)) return i + 1;
  return line;
}

function failure(what: string, result: CommandResult): StudioError {
  const text = result.stderr.toString('utf8').trim().split('\n').slice(-3).join('\n');
  return new DiagramSyntaxError(`${what} could not convert the page (exit code ${result.code})${text ? `: ${text}` : '.'}`);
}

export const tikz = defineEngine({
  id: 'tikz',
  types: ['tikz'],
  formats: ['svg', 'png', 'jpeg', 'pdf'],
  formatOrder: ['jpeg', 'pdf', 'png', 'svg'],
  runtime: TIKZ_RUNTIME,
  errorSample: {
    source:
      '\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\begin{tikzpicture}\n  \\drawx (0,0) -- (1,1);\n\\end{tikzpicture}\n\\end{document}\n',
    line: 5,
  },
  version(info) {
    if (info?.pgf)
      return versionText({ texlive: info.texlive ?? 'unknown', pdftex: info.pdftex ?? 'unknown', pgf: info.pgf, dvisvgm: info.dvisvgm ?? 'unknown' });
    return versionText(probeTex().versions);
  },
  unavailable() {
    const probe = probeTex();
    return probe.ok ? null : probe.reason;
  },
  render(input, host, env) {
    const timeoutMs = env.config.renderTimeoutMs;
    const doc = texDocument(input.source);
    return host.folder(async (dir, shared) => {
      const run: Run = { host, input, dir, shared, timeoutMs };
      if (input.format === 'svg') {
        const dvi = await typeset(run, doc, 'dvi');
        const svg = await step(run, ['dvisvgm', '--stdout', '--font-format=woff', '--no-specials=ps', path.basename(dvi)], 'dvisvgm');
        if (svg.code !== 0 || svg.stdout.length === 0) throw failure('dvisvgm', svg);
        return svg.stdout;
      }
      const pdf = await typeset(run, doc, 'pdf');
      if (input.format === 'pdf') return readFile(pdf);
      await checkPixels(run, pdf);
      const picture = await step(run, ['pdftocairo', '-singlefile', input.format === 'png' ? '-png' : '-jpeg', path.basename(pdf), '-'], 'pdftocairo');
      if (picture.code !== 0 || picture.stdout.length === 0) throw failure('pdftocairo', picture);
      return picture.stdout;
    });
  },
});
