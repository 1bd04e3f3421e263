/**
 * `kroki-studio render` as a user runs it: the real CLI in a child process, real engines,
 * real files in a temporary folder; a failing file among good ones, exit codes, outputs
 * that are whole or absent, up-to-date outputs skipped, Markdown and AsciiDoc blocks.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSvg, pngSize } from '../helpers/picture-checks.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// The tests run in a temporary folder, where a bare `--import tsx` would not resolve.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function render(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, path.join(ROOT, 'server/main.ts'), 'render', ...args],
      { cwd: dir, env: { ...process.env, KROKI_URL: '', STUDIO_JVM_WARMUP: '0', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function write(rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), text);
}

const read = (rel: string) => readFileSync(path.join(dir, rel), 'utf8');

/** Every file under a folder, relative, sorted. */
function tree(rel: string): string[] {
  return (readdirSync(path.join(dir, rel), { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(path.join(dir, rel), path.join(d.parentPath, d.name)))
    .sort();
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'studio-batch-'));
  write('src/flow.dot', 'digraph { Parser -> Renderer }\n');
  write('src/deep/classes.nomnoml', '[Engine]->[Runtime]\n');
  write('src/broken.dot', 'digraph {\n  a -> b;\n  c -> ;\n}\n');
  write('src/notes.txt', 'not a diagram\n');
  write(
    'src/guide.md',
    [
      '# Guide',
      '',
      '```graphviz',
      'digraph { FromMarkdown -> Picture }',
      '```',
      '',
      '```js',
      'console.log(1)',
      '```',
      '',
      '```kroki-graphviz',
      'digraph {',
      '  x -> ;',
      '}',
      '```',
      '',
    ].join('\n'),
  );
  write('src/manual.adoc', ['= Manual', '', '[nomnoml]', '----', '[FromAsciiDoc]->[Output]', '----', ''].join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kroki-studio render', () => {
  it('renders a folder into --out, keeps going past failures with their lines, and exits 1', async () => {
    const run = await render(['src', '--out', 'out']);
    expect(run.code, run.stderr).toBe(1);
    expect(expectSvg(read('out/flow.svg'))).toContain('Renderer');
    expect(expectSvg(read('out/deep/classes.svg'))).toContain('Runtime');
    // The failing file and the failing Markdown block name their input line.
    expect(run.stderr).toMatch(/FAILED src\/broken\.dot:3: .*syntax error/);
    expect(run.stderr).toMatch(/FAILED src\/guide\.md:13: .*syntax error/);
    const outputs = tree('out');
    // Blocks are named by the document and their content hash; notes.txt is not a diagram.
    const mdOutputs = outputs.filter((f) => f.startsWith('guide-'));
    expect(mdOutputs).toHaveLength(1);
    expect(expectSvg(read(`out/${mdOutputs[0]}`))).toContain('FromMarkdown');
    const adoc = outputs.filter((f) => f.startsWith('manual-'));
    expect(expectSvg(read(`out/${adoc[0]}`))).toContain('FromAsciiDoc');
    expect(outputs.some((f) => f.startsWith('broken'))).toBe(false);
    // No temporary file is left behind.
    expect(outputs.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(run.stdout).toMatch(/4 rendered, 0 unchanged, 2 failed \(6 diagrams\)/);
  });

  it('skips outputs whose inputs did not change, redraws a changed one, and --force redraws all', async () => {
    const before = statSync(path.join(dir, 'out/flow.svg')).mtimeMs;
    const again = await render(['src', '--out', 'out']);
    expect(again.stdout).toMatch(/0 rendered, 4 unchanged, 2 failed/);
    expect(statSync(path.join(dir, 'out/flow.svg')).mtimeMs).toBe(before);

    write('src/flow.dot', 'digraph { Parser -> Checker }\n');
    const changed = await render(['src/flow.dot', '--out', 'out']);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toMatch(/1 rendered, 0 unchanged, 0 failed/);
    expect(read('out/flow.svg')).toContain('Checker');

    const forced = await render(['src/flow.dot', '--out', 'out', '--force']);
    expect(forced.stdout).toMatch(/1 rendered, 0 unchanged/);
  });

  it('leaves an existing output intact when its new render fails', async () => {
    write('keep/diagram.dot', 'digraph { Good -> Picture }\n');
    expect((await render(['keep/diagram.dot'])).code).toBe(0);
    const good = read('keep/diagram.svg');
    write('keep/diagram.dot', 'digraph { Good -> }\n');
    const run = await render(['keep/diagram.dot']);
    expect(run.code).toBe(1);
    expect(read('keep/diagram.svg')).toBe(good);
    expect(tree('keep').filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes PNG, takes globs and --type, and names clashing outputs by their whole file name', async () => {
    write('glob/a.dot', 'digraph { GlobA -> X }\n');
    write('glob/a.nomnoml', '[GlobB]\n');
    write('glob/odd.diagram', 'digraph { Typed -> Explicitly }\n');
    const run = await render(['glob/*.{dot,nomnoml}', '--format', 'png', '--out', 'png', '--jobs', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(tree('png').filter((f) => !f.startsWith('.'))).toEqual(['a.dot.png', 'a.nomnoml.png']);
    const { width, height } = pngSize(readFileSync(path.join(dir, 'png/a.dot.png')));
    expect(width * height).toBeGreaterThan(100);

    const unknown = await render(['glob/odd.diagram']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('cannot tell the diagram type');
    const typed = await render(['glob/odd.diagram', '--type', 'dot']);
    expect(typed.code, typed.stderr).toBe(0);
    expect(read('glob/odd.svg')).toContain('Explicitly');
  });

  it('answers usage errors with exit 2 and the reason', async () => {
    const none = await render(['nothing/*.puml']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no file matches nothing/*.puml');
    const missing = await render(['no-such-file.dot']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or folder: no-such-file.dot');
    const format = await render(['src', '--format', 'gif']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('unknown format gif');
    const type = await render(['src', '--type', 'nosuch']);
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('unknown diagram type nosuch');
  });

  it('reports a type no engine here draws, with the way to enable it', async () => {
    write('up/model.dsl', 'workspace {}\n');
    const run = await render(['up/model.dsl', '--type', 'structurizr']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No engine renders structurizr here.*KROKI_URL/);
  });
});
