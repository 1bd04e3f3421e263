/**
 * Issue 12's batch benchmark: a folder of mixed diagram files (Graphviz, PlantUML, Mermaid)
 * drawn by one `kroki-studio render` run against the tool a user would otherwise run per
 * file (`dot -Tsvg`, a cold `java -jar plantuml.jar`, `mmdc`), in the same run. Studio runs
 * before and after the tools and its mean is used, so drift over the run hits both sides.
 * Every output is checked for its diagram's labels.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dotTool, mmdcTool, plantumlJarTool, type ColdTool } from './cold-tools.js';
import type { BenchDiagram } from './diagrams.js';
import { cliArgs, type Launch } from './server-process.js';

export interface BatchResult {
  files: number;
  byType: Record<string, number>;
  studioMs: number[];
  toolsMs: number;
  toolMsByType: Record<string, number>;
  ratio: number;
  command: string;
}

const EXT: Record<string, string> = { graphviz: 'dot', plantuml: 'puml', mermaid: 'mmd' };

/** The i-th file's diagram: distinct labels per file so no two outputs are the same picture. */
function fileDiagram(base: BenchDiagram, i: number): BenchDiagram {
  const tag = `File${i}x`;
  switch (base.type) {
    case 'graphviz':
      return { ...base, source: base.source.replace('"Node 0"', `"Node 0 ${tag}"`), expect: [...base.expect, tag] };
    case 'plantuml':
      return { ...base, source: base.source.replace('place order', `place order ${tag}`), expect: [...base.expect, tag] };
    default:
      return { ...base, source: base.source.replace('[Start]', `[Start ${tag}]`), expect: [...base.expect, tag] };
  }
}

function run(argv: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-3000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`render exited ${code}: ${err.trim().slice(-500)}`))));
  });
}

export async function batchBenchmark(opts: {
  repoRoot: string;
  launch: Launch;
  env: Record<string, string>;
  counts: Record<'graphviz' | 'plantuml' | 'mermaid', number>;
  diagrams: Record<'graphviz' | 'plantuml' | 'mermaid', BenchDiagram>;
  jar: string;
  mmdc: string;
  chromium: string;
  log(line: string): void;
}): Promise<BatchResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-bench-batch-'));
  try {
    const src = path.join(dir, 'src');
    const out = path.join(dir, 'out');
    mkdirSync(src);
    const files: { name: string; diagram: BenchDiagram }[] = [];
    let n = 0;
    for (const type of ['graphviz', 'plantuml', 'mermaid'] as const) {
      for (let i = 0; i < opts.counts[type]; i++, n++) {
        const diagram = fileDiagram(opts.diagrams[type], n);
        const name = `d${String(n).padStart(3, '0')}.${EXT[type]}`;
        writeFileSync(path.join(src, name), diagram.source);
        files.push({ name, diagram });
      }
    }
    const argv = [process.execPath, ...cliArgs(opts.repoRoot, opts.launch).slice(0, -5), 'render', src, '--out', out, '--force'];
    const studioOnce = async () => {
      rmSync(out, { recursive: true, force: true });
      const ms = await run(argv, opts.repoRoot, opts.env);
      const written = new Set(readdirSync(out));
      for (const f of files) {
        const svgName = f.name.replace(/\.[^.]+$/, '.svg');
        if (!written.has(svgName)) throw new Error(`kroki-studio render wrote no ${svgName}`);
        const svg = readFileSync(path.join(out, svgName), 'utf8');
        const missing = f.diagram.expect.filter((l) => !svg.includes(l));
        if (missing.length) throw new Error(`${svgName} lacks ${missing.join(', ')}`);
      }
      return ms;
    };
    const studioMs = [await studioOnce()];
    opts.log(`batch: kroki-studio render, ${files.length} files: ${studioMs[0]!.toFixed(0)} ms`);

    const toolMsByType: Record<string, number> = {};
    for (const f of files) {
      const tool: ColdTool =
        f.diagram.type === 'graphviz'
          ? dotTool(f.diagram)
          : f.diagram.type === 'plantuml'
            ? plantumlJarTool(f.diagram, opts.jar)
            : mmdcTool(f.diagram, opts.mmdc, opts.chromium);
      try {
        toolMsByType[f.diagram.type] = (toolMsByType[f.diagram.type] ?? 0) + (await tool.runOnce());
      } finally {
        tool.cleanup();
      }
    }
    const toolsMs = Object.values(toolMsByType).reduce((a, b) => a + b, 0);
    opts.log(`batch: a tool per file: ${toolsMs.toFixed(0)} ms`);
    studioMs.push(await studioOnce());
    opts.log(`batch: kroki-studio render again: ${studioMs[1]!.toFixed(0)} ms`);
    const mean = (studioMs[0]! + studioMs[1]!) / 2;
    return {
      files: files.length,
      byType: opts.counts,
      studioMs,
      toolsMs,
      toolMsByType,
      ratio: toolsMs / mean,
      command: `kroki-studio render <folder of ${files.length} files> --out <dir> --force`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
