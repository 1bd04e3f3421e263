/**
 * TikZ's own rules, with the real TeX Live: what secure mode keeps TeX from reading and
 * writing (each proved by the same source working in unsafe mode, so the test fails if the
 * rule goes), no shell escape and no PostScript specials in any mode, TeX's errors with
 * the user's line, a TeX loop stopped at the time limit, Kroki's document forms, every
 * format's picture, CJK labels, and no file left behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OutputFormat, SafeMode } from '../../../shared/api.js';
import { EXAMPLES } from '../../../shared/examples.js';
import { encodeKrokiSource } from '../../../server/api/decode.js';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { tikz } from '../../../server/engines/tikz/index.js';
import { texDocument } from '../../../server/engines/tikz/document.js';
import { probeTex } from '../../../server/engines/tikz/tex.js';
import { BadRequestError, DiagramSyntaxError, RenderTimeoutError } from '../../../server/errors.js';
import { RenderCache } from '../../../server/render/cache.js';
import { RenderCore } from '../../../server/render/core.js';
import type { CommandRuns } from '../../../server/runtimes/command-runs.js';
import { UpstreamProvider } from '../../../server/upstream/provider.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, jpegSize, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(tikz);
const runs = engine.host as CommandRuns;
const outside = mkdtempSync(path.join(os.tmpdir(), 'studio-tikz-test-'));

afterAll(async () => {
  await engine.stop();
  await ctx.close();
  rmSync(outside, { recursive: true, force: true });
});

const render = (source: string, format: OutputFormat = 'svg', safeMode: SafeMode = 'secure') =>
  engine.render(renderInput('tikz', source, format, { safeMode }));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as Error,
  );

/** A whole document around `body`, the way Kroki's users write it. */
const doc = (body: string) =>
  `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\begin{tikzpicture}\n${body}\n\\end{tikzpicture}\n\\end{document}\n`;

/** The text dvisvgm wrote as SVG `<text>`. */
function svgText(buf: Buffer): string {
  expectSvg(buf);
  // dvisvgm splits a word where a kern or a colour changes (`Dra<tspan x=…>wn</tspan>`).
  return [...buf.toString('utf8').matchAll(/<text\b[^>]*>([\s\S]*?)<\/text>/g)].map((m) => m[1]!.replace(/<[^>]*>/g, '')).join(' ');
}

/** Folders of the render runs still on disk (the runtime's own folder holds only its formats). */
function leftoverRuns(): string[] {
  return readdirSync(os.tmpdir())
    .filter((d) => d.startsWith('studio-tikz-') && !d.startsWith('studio-tikz-test-'))
    .flatMap((d) => {
      try {
        return readdirSync(path.join(os.tmpdir(), d)).filter((f) => f.startsWith('run-'));
      } catch {
        return [];
      }
    });
}

describe('TikZ engine: secure mode', () => {
  const secretFile = path.join(outside, 'secret.tex');
  writeFileSync(secretFile, '\\node {SecretMarker};\n');

  it('refuses to read a file outside TeX’s tree and the render folder, which unsafe mode reads', async () => {
    const source = doc(`\\input{${secretFile}}`);
    expect(svgText(await render(source, 'svg', 'unsafe'))).toContain('SecretMarker');
    const err = await failure(render(source));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect(err!.message).toContain(`Secure mode: TeX may not open ${secretFile}`);
    expect(err!.message).not.toContain('SecretMarker');
  });

  it('refuses \\input{/etc/passwd} with a 400 naming the file and the line', async () => {
    const err = await failure(render(doc('\\input{/etc/passwd}')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toMatch(/File `\/etc\/passwd(\.tex)?' not found/);
    expect(err!.message).toContain('Secure mode: TeX may not open /etc/passwd');
    expect((err as DiagramSyntaxError).line).toBe(5);
  });

  it('refuses \\openin and \\includegraphics of outside files, and parent folders', async () => {
    const read = doc(`\\newread\\r\\openin\\r=${secretFile} \\ifeof\\r\\node{NotOpened};\\else\\node{Opened};\\fi`);
    expect(svgText(await render(read, 'svg', 'unsafe'))).toContain('Opened');
    expect(svgText(await render(read))).toContain('NotOpened');
    const parent = await failure(render(doc('\\input{../../secret.tex}')));
    expect(parent).toBeInstanceOf(DiagramSyntaxError);
    const png = path.join(outside, 'secret.png');
    writeFileSync(png, await render(doc('\\draw (0,0) rectangle (1,1);'), 'png'));
    const include = `\\documentclass{standalone}\n\\usepackage{tikz}\n\\usepackage{graphicx}\n\\begin{document}\n\\begin{tikzpicture}\\node {\\includegraphics{${png}}};\\end{tikzpicture}\n\\end{document}\n`;
    expect((await render(include, 'pdf', 'unsafe')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const err = await failure(render(include, 'pdf'));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toContain('not found');
  });

  it('refuses to write outside the render folder', async () => {
    const target = path.join(outside, 'written.txt');
    const source = doc(`\\newwrite\\w\\immediate\\openout\\w=${target} \\immediate\\write\\w{x}\\immediate\\closeout\\w \\node{Done};`);
    const err = await failure(render(source));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toContain("I can't write on file");
    expect(existsSync(target)).toBe(false);
  });
});

describe('TikZ engine: in every safe mode', () => {
  it.each(['secure', 'safe', 'unsafe'] as const)('runs no shell command (\\write18) in %s mode', async (mode) => {
    const marker = path.join(outside, `shell-${mode}`);
    const svg = await render(doc(`\\immediate\\write18{touch ${marker}}\\node {Drawn};`), 'svg', mode);
    expect(svgText(svg)).toContain('Drawn');
    expect(existsSync(marker)).toBe(false);
  });

  it('ignores PostScript specials, which Ghostscript could run (Kroki 0.32.0)', async () => {
    const marker = path.join(outside, 'ghostscript');
    // Without --no-specials=ps this runs `touch` (checked by hand with dvisvgm alone).
    const percent = '\\csname @percentchar\\endcsname ';
    const svg = await render(doc(`\\node {\\special{ps: (${percent}pipe${percent}touch ${marker}) (w) file}Drawn};`), 'svg', 'unsafe');
    expect(svgText(svg)).toContain('Drawn');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('TikZ engine: errors', () => {
  it('answers a LaTeX error with TeX’s message and the user’s line', async () => {
    const err = await failure(render(doc('  \\draw (0,0) -- (1,1);\n  \\drawx (0,0) -- (1,1);')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect((err as DiagramSyntaxError).line).toBe(6);
    expect(err!.message).toMatch(/^! Undefined control sequence\.\nl\.6 {3}\\drawx/);
    const unicode = await failure(render(doc('  \\node {Grüße} \\drawx;')));
    expect(unicode!.message).toContain('\\node {Grüße} \\drawx');
    // CJK needs CJKutf8 (below); without it LaTeX names the character.
    const cjk = await failure(render(doc('  \\node {你好};')));
    expect(cjk!.message).toContain('! LaTeX Error: Unicode character 你 (U+4F60) not set up for use with LaTeX.\nl.5');
    expect((cjk as DiagramSyntaxError).line).toBe(5);
  });

  it('maps lines of a bare tikzpicture (wrapped here) and of a document without \\documentclass', async () => {
    const bare = await failure(render('\\begin{tikzpicture}\n  \\draw (0,0) -- (1,1);\n  \\draw[nosuchkey] (0,0) -- (1,1);\n\\end{tikzpicture}\n'));
    expect(bare).toBeInstanceOf(DiagramSyntaxError);
    expect((bare as DiagramSyntaxError).line).toBe(3);
    expect(bare!.message).toContain("I do not know the key '/tikz/nosuchkey'");
    const noClass = await failure(render('\\usepackage{tikz}\n\\begin{document}\n\\begin{tikzpicture}\n\\drawx;\n\\end{tikzpicture}\n\\end{document}\n'));
    expect((noClass as DiagramSyntaxError).line).toBe(4);
  });

  it('names the line of a path TikZ gives up on, and a missing package', async () => {
    const semicolon = await failure(render(doc('\\draw (0,0) -- (1,1)')));
    expect(semicolon!.message).toContain('Did you forget a semicolon?');
    expect((semicolon as DiagramSyntaxError).line).toBe(6);
    const pkg = await failure(
      render('\\documentclass{standalone}\n\\usepackage{nosuchpackage}\n\\begin{document}\n\\tikz \\draw (0,0) -- (1,1);\n\\end{document}\n'),
    );
    expect(pkg).toBeInstanceOf(DiagramSyntaxError);
    expect(pkg!.message).toContain("File `nosuchpackage.sty' not found");
    expect((pkg as DiagramSyntaxError).line).toBe(2);
  });

  it('says so when the document has no picture', async () => {
    const err = await failure(render('\\documentclass{standalone}\n\\begin{document}\n\\end{document}\n'));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toContain('TeX wrote no page');
  });

  it('answers TeX running out of memory with a 400', async () => {
    const err = await failure(render(doc('\\def\\x{\\x\\x}\\x')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toContain('TeX capacity exceeded');
  });

  it('stops a TeX loop at the time limit (504), kills it, and the next render works', async () => {
    const quick = testContext({}, { renderTimeoutMs: 2_500 });
    try {
      const live = quick.engine(tikz);
      await live.start();
      const core = new RenderCore([live], quick, new UpstreamProvider(null, 1000), new RenderCache(0));
      const started = performance.now();
      const err = await core.render(core.plan('tikz', 'svg', {}, doc('\\def\\x{\\x}\\x')), new AbortController().signal).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RenderTimeoutError);
      expect((err as RenderTimeoutError).status).toBe(504);
      expect(performance.now() - started).toBeLessThan(6_000);
      // The loop's process is gone once its folder is.
      const host = live.host as CommandRuns;
      for (let i = 0; i < 100 && host.activeUses() > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(host.activeUses()).toBe(0);
      const example = EXAMPLES.find((e) => e.type === 'tikz')!;
      expect(svgText(await live.render(renderInput('tikz', example.source)))).toContain('Origin');
    } finally {
      await quick.close();
    }
  });

  it('stops a file that grows without end at its size cap', async () => {
    const grow = doc(
      '\\newwrite\\w\\immediate\\openout\\w=big.txt \\edef\\s{xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx}\\edef\\s{\\s\\s\\s\\s\\s\\s\\s\\s}\\loop\\immediate\\write\\w{\\s}\\iftrue\\repeat',
    );
    const err = await failure(render(grow));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toContain('wrote a file larger than 64 MB');
  }, 20_000);

  it('leaves no render folder behind, after errors and aborts too', async () => {
    await render(doc('\\draw (0,0) -- (1,1);'));
    await failure(render(doc('\\drawx;')));
    const controller = new AbortController();
    const pending = failure(engine.render(renderInput('tikz', doc('\\def\\x{\\x}\\x'), 'svg', { signal: controller.signal })));
    for (let i = 0; i < 500 && runs.pid() === undefined; i++) await new Promise((r) => setTimeout(r, 2));
    controller.abort(new Error('the client went away'));
    expect((await pending)!.message).toBe('the client went away');
    expect(leftoverRuns()).toEqual([]);
  });
});

describe('TikZ engine: pictures', () => {
  const example = EXAMPLES.find((e) => e.type === 'tikz')!;

  it('draws SVG with its labels as text, and a bare tikzpicture as Kroki cannot', async () => {
    const text = svgText(await render(example.source));
    for (const label of example.labels) expect(text).toContain(label);
    expect(svgText(await render('\\begin{tikzpicture}\\node {Bare};\\end{tikzpicture}'))).toContain('Bare');
    expect(svgText(await render('\\usetikzlibrary{shapes}\n\\tikz \\node[ellipse, draw] {Oval};\n'))).toContain('Oval');
  });

  it('draws PDF with the labels as text, and PNG and JPEG of its size', async () => {
    const pdf = await render(example.source, 'pdf');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = execFileSync('pdftotext', ['-', '-'], { input: pdf }).toString('utf8');
    for (const label of example.labels) expect(text).toContain(label);
    const png = pngSize(await render(example.source, 'png'));
    const jpeg = jpegSize(await render(example.source, 'jpeg'));
    // pdftocairo's 150 dpi of a picture a few centimetres wide.
    expect(png.width).toBeGreaterThan(150);
    expect(png.height).toBeGreaterThan(100);
    expect(jpeg).toEqual(png);
  });

  it('refuses a PNG or JPEG above the pixel limit before drawing it, and still draws its SVG and PDF', async () => {
    const huge = doc('\\draw (0,0) rectangle (500cm,500cm);');
    for (const format of ['png', 'jpeg'] as const) {
      const err = await failure(render(huge, format));
      expect(err).toBeInstanceOf(BadRequestError);
      expect(err!.message).toMatch(/^The image would be \d+×\d+ pixels, more than the limit of 40000000 pixels/);
    }
    expectSvg(await render(huge));
    expect((await render(huge, 'pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('draws Chinese and Japanese labels with CJKutf8 (the gbsn font)', async (t) => {
    const cjk = `\\documentclass{standalone}\n\\usepackage{tikz}\n\\usepackage{CJKutf8}\n\\begin{document}\n\\begin{CJK}{UTF8}{gbsn}\n\\begin{tikzpicture}\\node {你好，世界 ひらがな};\\end{tikzpicture}\n\\end{CJK}\n\\end{document}\n`;
    const svg = await failure(render(cjk));
    if (svg instanceof DiagramSyntaxError && svg.message.includes('CJKutf8.sty')) return t.skip('latex-cjk-common is not installed (CJK labels need it)');
    const text = svgText(await render(cjk));
    for (const label of ['你', '好', '世', '界', 'ひらがな']) expect(text).toContain(label);
    const png = pngSize(await render(cjk, 'png'));
    expect(png.width).toBeGreaterThan(100);
  });
});

describe('TikZ engine: over HTTP', () => {
  it('answers Kroki’s routes, and a LaTeX error as a 400 whose JSON carries the line the editor marks', async () => {
    const config = loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', KROKI_URL: '' });
    const app = await buildApp(config, { engines: [tikz], logger: false });
    try {
      const example = EXAMPLES.find((e) => e.type === 'tikz')!;
      const get = await app.inject({ url: `/tikz/svg/${encodeKrokiSource(example.source)}` });
      expect(get.statusCode).toBe(200);
      expect(get.headers['content-type']).toContain('image/svg+xml');
      expect(svgText(get.rawPayload)).toContain('Origin');
      const png = await app.inject({ method: 'POST', url: '/tikz/png', payload: example.source, headers: { 'content-type': 'text/plain' } });
      expect(png.statusCode).toBe(200);
      expect(pngSize(png.rawPayload).width).toBeGreaterThan(100);
      const bad = await app.inject({
        method: 'POST',
        url: '/tikz/svg',
        payload: doc('  \\drawx (0,0);'),
        headers: { 'content-type': 'text/plain', accept: 'application/json' },
      });
      expect(bad.statusCode).toBe(400);
      const body = bad.json() as { error: { code: number; message: string; line?: number } };
      expect(body.error.line).toBe(5);
      expect(body.error.message).toContain('! Undefined control sequence.');
      const text = await app.inject({ method: 'POST', url: '/tikz/svg', payload: doc('\\drawx;'), headers: { 'content-type': 'text/plain' } });
      expect(text.statusCode).toBe(400);
      expect(text.body).toContain('l.5 \\drawx');
    } finally {
      await app.close();
    }
  });
});

describe('TikZ engine: installation', () => {
  it('reports versions read from TeX Live, dvisvgm and TikZ', () => {
    expect(engine.version()).toMatch(/^TikZ \d+\.\d+(\.\d+)?\S* \(TeX Live \d{4}, pdfTeX \d+\.\d+\.\d+, dvisvgm \d+\.\d+\.\d+\)$/);
  });

  it('is unavailable without TeX on PATH, naming the programs, and the render core says so', async () => {
    const saved = process.env.PATH;
    const bare = testContext();
    try {
      process.env.PATH = path.join(outside, 'no-tex-here');
      const live = bare.engine(tikz);
      const available = live.available();
      expect(available.ok).toBe(false);
      expect(!available.ok && available.reason).toContain('TikZ needs the programs pdftex, dvisvgm, pdftocairo, pdfinfo, kpsewhich');
      const core = new RenderCore([live], bare, new UpstreamProvider(null, 1000), new RenderCache(0));
      const err = await failure(core.render(core.plan('tikz', 'svg', {}, doc('\\draw;')), new AbortController().signal));
      expect((err as { status?: number }).status).toBe(503);
      expect(err!.message).toContain('The local tikz engine cannot run here: TikZ needs the programs pdftex');
    } finally {
      process.env.PATH = saved;
      await bare.close();
    }
  });

  it('says which program is missing and which Debian package has it', () => {
    const probe = probeTex('/nonexistent-folder');
    expect(probe.ok).toBe(false);
    expect(probe.reason).toContain('pdftex, dvisvgm, pdftocairo, pdfinfo, kpsewhich');
    expect(probe.reason).toContain('texlive-binaries dvisvgm poppler-utils');
  });

  it('keeps the user’s line numbers in the document TeX reads', () => {
    const d = texDocument('\\documentclass[border=1pt]{standalone} % class\n\\usepackage{tikz}\n\\begin{document}\n\\tikz\\draw;\n\\end{document}\n');
    expect(d.text.split('\n').slice(0, 3)).toEqual(['\\endofdump', ' % class', '\\usepackage{tikz}']);
    expect([2, 3, 5].map((n) => d.userLine(n))).toEqual([1, 2, 4]);
    const bare = texDocument('\\usetikzlibrary{arrows}\n\\begin{tikzpicture}\n\\end{tikzpicture}');
    expect(bare.text).toBe('\\endofdump\n\\usetikzlibrary{arrows}\n\\begin{document}\n\\begin{tikzpicture}\n\\end{tikzpicture}\n\\end{document}\n');
    expect([1, 2, 3, 4, 5, 6].map((n) => bare.userLine(n))).toEqual([1, 1, 1, 2, 3, 3]);
  });
});
