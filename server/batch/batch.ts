/**
 * Batch rendering through the render core, with no HTTP server: every diagram file and
 * every diagram block of a Markdown or AsciiDoc document becomes one job; jobs run in
 * parallel (the core's limits still bound each engine), a failing job is reported with its
 * line and the others go on, outputs are written atomically, and an output whose inputs
 * (type, format, options, safe mode, source, Studio version) are unchanged is skipped.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { OutputFormat } from '../../shared/api.js';
import { DIAGRAM_TYPES, canonicalType, findType, typeFromFileName } from '../../shared/diagram-types.js';
import { StudioError } from '../errors.js';
import type { RenderCore } from '../render/core.js';
import { STUDIO_VERSION } from '../version.js';
import { writeFileAtomic } from './atomic-write.js';
import { documentKind, extractBlocks } from './blocks.js';
import type { InputFile } from './inputs.js';

export interface BatchOptions {
  format: OutputFormat;
  /** Outputs go here (keeping the inputs' folders below their root), or next to each input when null. */
  outDir: string | null;
  jobs: number;
  /** Type for every diagram file, instead of the one its extension names. */
  type: string | null;
  force: boolean;
  /** Kroki diagram options for every render. */
  options: Record<string, string>;
  safeMode: string;
  signal?: AbortSignal;
}

export interface BatchJob {
  /** The input file. */
  input: string;
  /** Where the job is in its input: the file, or the document and the block's line. */
  label: string;
  type: string | null;
  source: string;
  /** Input line of the source's first line, to map an engine's line number back. */
  firstLine: number;
  output: string;
}

export type JobStatus = 'rendered' | 'unchanged' | 'failed';

export interface JobResult {
  job: BatchJob;
  status: JobStatus;
  ms: number;
  message?: string;
  /** Line in the input file the engine blamed. */
  line?: number;
}

export type BatchEvent = { kind: 'planned'; total: number } | { kind: 'started'; job: BatchJob } | { kind: 'finished'; result: JobResult };

export interface BatchSummary {
  results: JobResult[];
  rendered: number;
  unchanged: number;
  failed: number;
}

/** The outputs of one folder and the hash of what each was drawn from; kept in the folder. */
export const MANIFEST = '.kroki-studio-render.json';

interface Manifest {
  version: 1;
  outputs: Record<string, string>;
  /** Not written back unless something was drawn. */
  changed?: boolean;
}

function stripDiagramExtension(fileName: string): string {
  const lower = fileName.toLowerCase();
  let best = 0;
  for (const meta of DIAGRAM_TYPES) for (const ext of meta.extensions) if (lower.endsWith(ext) && ext.length > best) best = ext.length;
  return best ? fileName.slice(0, -best) : fileName.slice(0, fileName.length - path.extname(fileName).length) || fileName;
}

function outputFolder(file: InputFile, opts: BatchOptions): string {
  return opts.outDir ? path.join(opts.outDir, path.dirname(file.rel)) : path.dirname(file.path);
}

function contentHash(type: string, source: string, opts: BatchOptions): string {
  const options = Object.keys(opts.options)
    .sort()
    .map((k) => [k, opts.options[k]]);
  return createHash('sha256')
    .update(JSON.stringify([STUDIO_VERSION, canonicalType(type), opts.format, options, opts.safeMode, source]))
    .digest('hex');
}

/** Reads every input and turns it into jobs; an unreadable input is a failed job of its own. */
export async function planJobs(files: readonly InputFile[], opts: BatchOptions): Promise<{ jobs: BatchJob[]; failures: JobResult[] }> {
  const jobs: BatchJob[] = [];
  const failures: JobResult[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file.path, 'utf8');
    } catch (err) {
      failures.push({
        job: { input: file.path, label: file.path, type: null, source: '', firstLine: 1, output: '' },
        status: 'failed',
        ms: 0,
        message: (err as Error).message,
      });
      continue;
    }
    const kind = opts.type ? null : documentKind(file.path);
    if (kind) {
      const base = path.basename(file.path).replace(/\.[^.]+$/, '');
      for (const block of extractBlocks(kind, text)) {
        const hash = contentHash(block.type, block.source, opts).slice(0, 12);
        jobs.push({
          input: file.path,
          label: `${file.path}:${block.line} (${block.type} block)`,
          type: block.type,
          source: block.source,
          firstLine: block.line,
          output: path.join(outputFolder(file, opts), `${base}-${hash}.${opts.format}`),
        });
      }
      continue;
    }
    const type = opts.type ?? typeFromFileName(file.path);
    if (!type && !file.explicit) continue;
    jobs.push({
      input: file.path,
      label: file.path,
      type,
      source: text,
      firstLine: 1,
      output: path.join(outputFolder(file, opts), `${stripDiagramExtension(path.basename(file.path))}.${opts.format}`),
    });
  }
  // Two inputs that would write one output (a.puml and a.dot): each keeps its whole file name.
  const byOutput = new Map<string, BatchJob[]>();
  for (const job of jobs) byOutput.set(job.output, [...(byOutput.get(job.output) ?? []), job]);
  for (const group of byOutput.values()) {
    const distinctInputs = new Set(group.map((j) => j.input));
    if (distinctInputs.size > 1) for (const job of group) job.output = path.join(path.dirname(job.output), `${path.basename(job.input)}.${opts.format}`);
  }
  return { jobs, failures };
}

async function readManifest(dir: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    if (parsed.version === 1 && parsed.outputs && typeof parsed.outputs === 'object') return { version: 1, outputs: { ...parsed.outputs } };
  } catch {
    // missing or unreadable: nothing is known to be up to date
  }
  return { version: 1, outputs: {} };
}

async function fileExists(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

export async function runBatch(
  core: RenderCore,
  files: readonly InputFile[],
  opts: BatchOptions,
  onEvent: (e: BatchEvent) => void = () => {},
): Promise<BatchSummary> {
  const { jobs, failures } = await planJobs(files, opts);
  const results: JobResult[] = [...failures];
  onEvent({ kind: 'planned', total: jobs.length + failures.length });
  for (const failure of failures) onEvent({ kind: 'finished', result: failure });

  const manifests = new Map<string, Manifest>();
  for (const dir of new Set(jobs.map((j) => path.dirname(j.output)))) manifests.set(dir, await readManifest(dir));
  const placements = new Map(core.describe().map((info) => [info.type, info]));

  const runOne = async (job: BatchJob): Promise<JobResult> => {
    const started = performance.now();
    const failed = (message: string, line?: number): JobResult => ({ job, status: 'failed', ms: performance.now() - started, message, line });
    if (!job.type) return failed(`cannot tell the diagram type from the file name; pass --type (known types: see kroki-studio render --help)`);
    if (!findType(job.type) && !placements.has(job.type)) return failed(`unknown diagram type ${job.type}`);
    if (path.resolve(job.output) === path.resolve(job.input)) return failed(`the output would overwrite the input (${job.output})`);
    const hash = contentHash(job.type, job.source, opts);
    const manifest = manifests.get(path.dirname(job.output))!;
    const name = path.basename(job.output);
    if (!opts.force && manifest.outputs[name] === hash && (await fileExists(job.output))) return { job, status: 'unchanged', ms: performance.now() - started };
    const info = placements.get(canonicalType(job.type));
    if (info?.placement === 'unavailable') return failed(info.message ?? `no engine renders ${job.type} here`);
    try {
      const plan = core.plan(job.type, opts.format, opts.options, job.source);
      const result = await core.render(plan, opts.signal ?? new AbortController().signal);
      await writeFileAtomic(job.output, result.body);
      manifest.outputs[name] = hash;
      manifest.changed = true;
      return { job, status: 'rendered', ms: performance.now() - started };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const line = err instanceof StudioError && err.line !== undefined ? job.firstLine + err.line - 1 : undefined;
      return failed((err as Error).message, line);
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < jobs.length && !opts.signal?.aborted) {
      const job = jobs[next++]!;
      onEvent({ kind: 'started', job });
      const result = await runOne(job);
      results.push(result);
      onEvent({ kind: 'finished', result });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, jobs.length)) }, worker));
  } finally {
    // What was drawn stays known, also after a failure or an abort.
    for (const [dir, manifest] of manifests) {
      if (!manifest.changed) continue;
      const body: Manifest = { version: 1, outputs: manifest.outputs };
      await writeFileAtomic(path.join(dir, MANIFEST), `${JSON.stringify(body, null, 2)}\n`).catch(() => undefined);
    }
  }
  const count = (status: JobStatus) => results.filter((r) => r.status === status).length;
  return { results, rendered: count('rendered'), unchanged: count('unchanged'), failed: count('failed') };
}
