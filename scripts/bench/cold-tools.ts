/**
 * The per-diagram tools a user would run without Studio, timed on the same diagrams:
 * a new process (and, for PlantUML and Mermaid, a new JVM or browser) per diagram.
 * Each run's output is checked for the diagram's labels, like the server's answers.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchDiagram } from './diagrams.js';

interface RunOutput {
  ms: number;
  stdout: Buffer;
}

/** Runs argv (no shell) with `input` on stdin; rejects on non-zero exit or timeout. */
function runTimed(argv: readonly string[], input: string | null, timeoutMs: number): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-2000);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${path.basename(argv[0]!)} exited ${code ?? signal}: ${err.trim()}`));
      else resolve({ ms, stdout: Buffer.concat(out) });
    });
    child.stdin.end(input ?? '');
  });
}

function checkSvg(tool: string, diagram: BenchDiagram, svg: string): void {
  const missing = diagram.expect.filter((l) => !svg.includes(l));
  if (!svg.includes('<svg') || missing.length) throw new Error(`${tool}: output lacks ${missing.join(', ') || '<svg'}`);
}

export interface ColdTool {
  name: string;
  /** The command as a user would type it, for the report. */
  command: string;
  diagram: BenchDiagram;
  /** One timed, checked run; returns milliseconds. */
  runOnce(): Promise<number>;
  cleanup(): void;
}

export function dotTool(diagram: BenchDiagram): ColdTool {
  return {
    name: 'dot',
    command: 'dot -Tsvg < diagram.dot',
    diagram,
    async runOnce() {
      const r = await runTimed(['dot', '-Tsvg'], diagram.source, 30_000);
      checkSvg('dot', diagram, r.stdout.toString('utf8'));
      return r.ms;
    },
    cleanup() {},
  };
}

export function plantumlJarTool(diagram: BenchDiagram, jar: string): ColdTool {
  return {
    name: 'plantuml jar',
    command: `java -jar ${path.basename(jar)} -tsvg -pipe < diagram.puml`,
    diagram,
    async runOnce() {
      const r = await runTimed(['java', '-jar', jar, '-tsvg', '-pipe'], diagram.source, 60_000);
      checkSvg('plantuml', diagram, r.stdout.toString('utf8'));
      return r.ms;
    },
    cleanup() {},
  };
}

/** Mermaid CLI pointed at system Chromium through a puppeteer config file. */
export function mmdcTool(diagram: BenchDiagram, mmdcBin: string, chromium: string): ColdTool {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-bench-mmdc-'));
  const input = path.join(dir, 'diagram.mmd');
  const output = path.join(dir, 'diagram.svg');
  const config = path.join(dir, 'puppeteer.json');
  writeFileSync(input, diagram.source);
  writeFileSync(
    config,
    JSON.stringify({
      executablePath: chromium,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    }),
  );
  return {
    name: 'mmdc',
    command: `mmdc -p puppeteer.json -i diagram.mmd -o diagram.svg  (puppeteer.json: {"executablePath":"${chromium}","args":["--no-sandbox",...]})`,
    diagram,
    async runOnce() {
      rmSync(output, { force: true });
      const r = await runTimed([mmdcBin, '-q', '-p', config, '-i', input, '-o', output], null, 60_000);
      checkSvg('mmdc', diagram, readFileSync(output, 'utf8'));
      return r.ms;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** blockdiag's own command (Debian's `blockdiag3`), what Kroki's blockdiag service spawns per diagram. */
export function blockdiagTool(diagram: BenchDiagram): ColdTool {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-bench-blockdiag-'));
  const input = path.join(dir, 'diagram.diag');
  const output = path.join(dir, 'diagram.svg');
  writeFileSync(input, diagram.source);
  return {
    name: 'blockdiag3',
    command: 'blockdiag3 -Tsvg -o diagram.svg diagram.diag',
    diagram,
    async runOnce() {
      rmSync(output, { force: true });
      const r = await runTimed(['blockdiag3', '-Tsvg', '-o', output, input], null, 30_000);
      checkSvg('blockdiag3', diagram, readFileSync(output, 'utf8'));
      return r.ms;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Kroki's TikZ pipeline (tikz2svg) per diagram: its `\\documentclass` line replaced by
 * `\\documentclass[tikz,dvisvgm]{standalone}`, then `latex` to DVI and `dvisvgm` to SVG,
 * with Kroki's flags, in a fresh folder each time as tikz2svg's mktemp gives it.
 */
export function tikzKrokiTool(diagram: BenchDiagram): ColdTool {
  const root = mkdtempSync(path.join(os.tmpdir(), 'studio-bench-tikz-'));
  const document = diagram.source.replace(/\\documentclass.*\}/, '\\documentclass[tikz,dvisvgm]{standalone}');
  let n = 0;
  return {
    name: 'latex + dvisvgm',
    command: 'latex -no-shell-escape -halt-on-error file.tex && dvisvgm --stdout --font-format=woff --no-specials=ps file.dvi',
    diagram,
    async runOnce() {
      const dir = path.join(root, String(n++));
      mkdirSync(dir);
      const started = performance.now();
      writeFileSync(path.join(dir, 'file.tex'), document);
      await runTimed(['latex', '-no-shell-escape', '-halt-on-error', `-output-directory=${dir}`, path.join(dir, 'file.tex')], null, 30_000);
      const r = await runTimed(['dvisvgm', '--stdout', '--font-format=woff', '--no-specials=ps', path.join(dir, 'file.dvi')], null, 30_000);
      const ms = performance.now() - started;
      rmSync(dir, { recursive: true, force: true });
      // dvisvgm splits words where a kern falls (`Ser<tspan x=…>v</tspan>er`): the labels are checked in the text alone.
      const svg = r.stdout.toString('utf8');
      const missing = diagram.expect.filter((l) => !svg.replace(/<[^>]*>/g, '').includes(l));
      if (!svg.includes('<svg') || missing.length) throw new Error(`latex + dvisvgm: output lacks ${missing.join(', ') || '<svg'}`);
      return ms;
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
