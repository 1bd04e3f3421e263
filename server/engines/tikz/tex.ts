/**
 * The TeX installation: which programs and files the engine needs, their versions, the
 * environment every TeX run gets, and the two preloaded formats built when the runtime
 * starts.
 *
 * A format is LaTeX's memory dumped after `\documentclass[tikz,<driver>]{standalone}` has
 * loaded the class and TikZ (mylatexformat does the dump), so a render reads it instead of
 * loading TikZ's many files again. One per output mode: DVI for SVG (dvisvgm's driver),
 * PDF for pdf, png and jpeg. They are built from this fixed text only, never from a
 * diagram, and live in the runtime's private folder until it stops.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SafeMode } from '../../../shared/api.js';
import { EngineUnavailableError } from '../../errors.js';
import { scrubbedEnv } from '../../runtimes/command-runner.js';
import type { PrepareContext } from '../../runtimes/command-runs.js';
import { texError } from './log.js';

export type TexMode = 'dvi' | 'pdf';

export const PROGRAMS = {
  pdftex: 'texlive-binaries',
  dvisvgm: 'dvisvgm',
  pdftocairo: 'poppler-utils',
  pdfinfo: 'poppler-utils',
  kpsewhich: 'texlive-binaries',
} as const;
// TeX files the formats load, with the Debian package that ships each.
const TEX_FILES = {
  'latex.ltx': 'texlive-latex-base',
  'tikz.sty': 'texlive-pictures',
  'standalone.cls': 'texlive-latex-extra',
  'mylatexformat.ltx': 'texlive-latex-extra',
  'pgf.revision.tex': 'texlive-pictures',
} as const;
export const DEBIAN_PACKAGES = 'texlive-latex-base texlive-pictures texlive-latex-extra texlive-fonts-recommended dvisvgm poppler-utils';

const CLASS_LINE: Record<TexMode, string> = {
  dvi: '\\documentclass[tikz,dvisvgm]{standalone}',
  pdf: '\\documentclass[tikz]{standalone}',
};

/** The preloaded format of a mode, as `-fmt=` takes it (no extension). */
export function formatPath(dir: string, mode: TexMode): string {
  return path.join(dir, `tikz-${mode}`);
}

/**
 * What every TeX run (and dvisvgm, which reads files through the same library) sees
 * besides the scrubbed environment. In secure mode kpathsea's paranoid setting allows
 * reads and writes only below the working folder (no absolute paths, no `..`, no dot
 * files) besides TeX's own tree, as Kroki does; shell escape is off in every mode.
 */
export function texEnv(safeMode: SafeMode): Record<string, string> {
  return {
    shell_escape: 'f',
    // Whole messages on one line each, so the log can be read back.
    max_print_line: '1000',
    error_line: '250',
    half_error_line: '200',
    ...(safeMode === 'secure' ? { openin_any: 'p', openout_any: 'p' } : {}),
  };
}

// ---- what is installed (synchronous, once: availability is asked synchronously) ----

export interface TexProbe {
  ok: boolean;
  /** Why the engine cannot run, naming what to install. */
  reason: string;
  versions: { texlive: string; pdftex: string; pgf: string; dvisvgm: string };
}

const probes = new Map<string, TexProbe>();

function onPath(program: string, pathVar: string): boolean {
  for (const dir of pathVar.split(path.delimiter).filter(Boolean)) {
    try {
      accessSync(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

function firstLine(program: string, args: string[], pathVar: string): string {
  const run = spawnSync(program, args, { env: { ...scrubbedEnv({ argv: [program] }), PATH: pathVar }, encoding: 'utf8', timeout: 3_000 });
  return run.status === 0 ? (run.stdout.split('\n')[0] ?? '') : '';
}

/** What is installed, looked up once per PATH (`pathVar` is for tests). */
export function probeTex(pathVar = process.env.PATH || '/usr/local/bin:/usr/bin:/bin'): TexProbe {
  const known = probes.get(pathVar);
  if (known) return known;
  const probed = probeOnce(pathVar);
  probes.set(pathVar, probed);
  return probed;
}

function probeOnce(pathVar: string): TexProbe {
  const versions = { texlive: 'unknown', pdftex: 'unknown', pgf: 'unknown', dvisvgm: 'unknown' };
  const missing = (Object.keys(PROGRAMS) as Array<keyof typeof PROGRAMS>).filter((p) => !onPath(p, pathVar));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((p) => PROGRAMS[p]))].join(' ');
    return {
      ok: false,
      reason: `TikZ needs the program${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, not found on PATH: install the Debian packages ${packages} (all of TikZ's: ${DEBIAN_PACKAGES})`,
      versions,
    };
  }
  const names = Object.keys(TEX_FILES) as Array<keyof typeof TEX_FILES>;
  const run = spawnSync('kpsewhich', names, { env: { ...scrubbedEnv({ argv: ['kpsewhich'] }), PATH: pathVar }, encoding: 'utf8', timeout: 3_000 });
  const found = (run.stdout ?? '').split('\n').filter(Boolean);
  const lacking = names.filter((n) => !found.some((f) => path.basename(f) === n));
  if (lacking.length > 0) {
    const packages = [...new Set(lacking.map((n) => TEX_FILES[n]))].join(' ');
    return {
      ok: false,
      reason: `TeX cannot find ${lacking.join(', ')}: install the Debian packages ${packages} (all of TikZ's: ${DEBIAN_PACKAGES})`,
      versions,
    };
  }
  // "pdfTeX 3.141592653-2.6-1.40.24 (TeX Live 2022/Debian)"
  const pdftex = firstLine('pdftex', ['--version'], pathVar);
  versions.pdftex = /-(\d+\.\d+\.\d+)/.exec(pdftex)?.[1] ?? 'unknown';
  versions.texlive = /TeX Live (\d{4})/.exec(pdftex)?.[1] ?? 'unknown';
  versions.dvisvgm = /(\d+\.\d+(?:\.\d+)?)/.exec(firstLine('dvisvgm', ['--version'], pathVar))?.[1] ?? 'unknown';
  const revision = found.find((f) => path.basename(f) === 'pgf.revision.tex');
  try {
    versions.pgf = /\\def\\pgfversion\{([^}]+)\}/.exec(readFileSync(revision!, 'utf8'))?.[1] ?? 'unknown';
  } catch {
    /* stays unknown */
  }
  return { ok: true, reason: '', versions };
}

/** "TikZ 3.1.10 (TeX Live 2022, pdfTeX 1.40.24, dvisvgm 3.0.3)" */
export function versionText(v: TexProbe['versions']): string {
  return `TikZ ${v.pgf} (TeX Live ${v.texlive}, pdfTeX ${v.pdftex}, dvisvgm ${v.dvisvgm})`;
}

// ---- the runtime's start: both formats, in parallel ----

export async function buildFormats(ctx: PrepareContext, timeoutMs: number): Promise<Record<string, string>> {
  const probe = probeTex();
  if (!probe.ok) throw new EngineUnavailableError(probe.reason);
  await Promise.all((['dvi', 'pdf'] as const).map((mode) => buildFormat(ctx, mode, timeoutMs)));
  return { ...probe.versions };
}

async function buildFormat(ctx: PrepareContext, mode: TexMode, timeoutMs: number): Promise<void> {
  const name = `tikz-${mode}`;
  await writeFile(path.join(ctx.dir, `${name}.tex`), `${CLASS_LINE[mode]}\n\\begin{document}\n\\end{document}\n`);
  const result = await ctx.run({
    argv: [
      'pdftex',
      '-ini',
      '-interaction=batchmode',
      '-halt-on-error',
      '-no-shell-escape',
      `-output-format=${mode}`,
      `-jobname=${name}`,
      mode === 'dvi' ? '&latex' : '&pdflatex',
      'mylatexformat.ltx',
      `${name}.tex`,
    ],
    cwd: ctx.dir,
    env: texEnv('secure'),
    timeoutMs,
    maxOutputBytes: 1024 * 1024,
    signal: ctx.signal,
  });
  if (result.code === 0) return;
  let log = '';
  try {
    log = readFileSync(path.join(ctx.dir, `${name}.log`), 'utf8');
  } catch {
    /* no log: the message says so */
  }
  const why = texError(log, `${name}.tex`, (n) => n)?.message ?? (log ? log.trim().split('\n').slice(-5).join('\n') : `exit code ${result.code}, no log`);
  throw new EngineUnavailableError(`TeX could not preload TikZ (${name}.fmt): ${why}\nCheck the TeX installation (${DEBIAN_PACKAGES}).`);
}
