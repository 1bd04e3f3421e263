import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../shared/examples.js';
import { blockdiag } from '../../../server/engines/blockdiag/index.js';
import { BadRequestError, DiagramSyntaxError } from '../../../server/errors.js';
import type { CommandWorker } from '../../../server/runtimes/command-runner.js';
import { testContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(blockdiag);
const worker = engine.host as CommandWorker;
let marker: MarkerServer;
let dir: string;

beforeAll(async () => {
  marker = await startMarkerServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'studio-blockdiag-'));
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
  await marker?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The labels drawn as SVG text (the `<desc>` repeats the whole source, so it cannot count). */
function svgLabels(buf: Buffer): string[] {
  expectSvg(buf);
  return [...buf.toString('utf8').matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  );
}

const render = (type: string, source: string, format: 'svg' | 'png' | 'pdf' = 'svg', more: Parameters<typeof renderInput>[3] = {}) =>
  engine.render(renderInput(type, source, format, more));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as Error,
  );

describe('blockdiag family engine', () => {
  it('draws every type of the family to SVG with its labels and to PNG, in one worker process', async () => {
    const examples = EXAMPLES.filter((e) => blockdiag.types.includes(e.type));
    expect(new Set(examples.map((e) => e.type))).toEqual(new Set(blockdiag.types));
    for (const example of examples) {
      const labels = svgLabels(await render(example.type, example.source));
      for (const label of example.labels) expect(labels, `${example.type}: ${label}`).toContain(label);
      const { width, height } = pngSize(await render(example.type, example.source, 'png'));
      expect(width * height, example.type).toBeGreaterThan(10_000);
    }
    const pid = worker.pid();
    expect(pid).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) await render('blockdiag', `blockdiag { n${i} -> m${i}; }`);
    expect(worker.pid()).toBe(pid);
    expect(engine.formats).toEqual(['png', 'svg', 'pdf']);
    expect(engine.version()).toMatch(/^\d+\.\d+/);
    expect(worker.info()).toMatchObject({
      blockdiag: expect.any(String),
      seqdiag: expect.any(String),
      actdiag: expect.any(String),
      nwdiag: expect.any(String),
    });
  });

  it('draws PDF with reportlab and the TrueType font, labels as text', async () => {
    const pdf = await render('seqdiag', 'seqdiag { browser -> server [label = "POST"]; }', 'pdf');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).toContain('ReportLab');
    expect(pdf.toString('latin1')).toMatch(/\/BaseFont \/\w+\+DejaVuSerif/);
    const content = pdfStreams(pdf).join('\n');
    for (const label of ['browser', 'server', 'POST']) expect(content).toContain(`(${label}) Tj`);
  });

  it('draws CJK labels: measured and drawn with the CJK font, PDF made from the SVG', async () => {
    const src = (label: string) => `blockdiag { A -> "${label}"; }`;
    expect(svgLabels(await render('blockdiag', src('日本語')))).toContain('日本語');
    // With a font that lacks them every CJK character is the same empty box, so two different
    // labels would make the same picture; real glyphs make different ones.
    const a = await render('blockdiag', src('日本語'), 'png');
    const b = await render('blockdiag', src('中文字'), 'png');
    expect(pngSize(a)).toEqual(pngSize(b));
    expect(a.equals(b)).toBe(false);
    const pdf = await render('blockdiag', src('漢字のラベル'), 'pdf');
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.toString('latin1')).not.toContain('ReportLab');
    // Chromium writes CJK glyphs as Type 3 fonts with one-byte codes, which helpers/pdf-text.ts does
    // not decode; their ToUnicode maps still name every character of the label.
    const mapped = unicodeMapped(pdf);
    for (const ch of '漢字のラベル') expect(mapped, ch).toContain(ch);
  }, 60_000);

  it('proves the CJK check above: without the CJK font the labels are the same empty boxes', async () => {
    const plain = testContext({ STUDIO_BLOCKDIAG_CJK_FONT: path.join(os.tmpdir(), 'no-such-font.ttc') });
    try {
      const e = plain.engine(blockdiag);
      const a = await e.render(renderInput('blockdiag', 'blockdiag { A -> "日本語"; }', 'png'));
      const b = await e.render(renderInput('blockdiag', 'blockdiag { A -> "中文字"; }', 'png'));
      expect(a.equals(b)).toBe(true);
    } finally {
      await plain.close();
    }
  });

  it('applies Kroki’s options: size, antialias, no-transparency, no-doctype', async () => {
    const src = 'blockdiag { A -> B -> C; }';
    const natural = pngSize(await render('blockdiag', src, 'png'));
    const sized = pngSize(await render('blockdiag', src, 'png', { options: { size: '320x240' } }));
    expect(sized.width).toBeLessThanOrEqual(320);
    expect(sized.height).toBeLessThanOrEqual(240);
    expect(sized.width).toBeLessThan(natural.width);
    expect(Math.abs(sized.width / sized.height - natural.width / natural.height)).toBeLessThan(0.1);
    expect((await render('blockdiag', src, 'svg', { options: { size: '320x240' } })).toString('utf8')).toMatch(/<svg[^>]*\bwidth="320"[^>]*>/);

    const plain = await render('blockdiag', src, 'png');
    const smooth = await render('blockdiag', src, 'png', { options: { antialias: '' } });
    expect(pngSize(smooth)).toEqual(natural);
    expect(smooth.equals(plain)).toBe(false);

    // PNG colour type (IHDR byte 25): 6 = RGBA, 2 = RGB.
    expect(plain[25]).toBe(6);
    expect((await render('blockdiag', src, 'png', { options: { 'no-transparency': '' } }))[25]).toBe(2);

    expect((await render('blockdiag', src)).toString('utf8')).toContain('<!DOCTYPE svg');
    const bare = await render('blockdiag', src, 'svg', { options: { 'no-doctype': '' } });
    expect(bare.toString('utf8')).not.toContain('<!DOCTYPE');
    expectSvg(bare);
    // Options for another format are ignored (the blockdiag command would refuse them).
    expectSvg(await render('blockdiag', src, 'svg', { options: { 'no-transparency': '', antialias: '' } }));
  });

  it('answers a bad size with a 400 that names the option', async () => {
    for (const size of ['320', '320x', 'x240', '0x240', '320X240', 'big']) {
      const err = await failure(render('blockdiag', 'blockdiag { A; }', 'png', { options: { size } }));
      expect(err, size).toBeInstanceOf(BadRequestError);
      expect(err!.message).toContain('option size');
    }
  });

  it('reports parse errors as 400 with blockdiag’s line', async () => {
    const parse = await failure(render('blockdiag', 'blockdiag {\n  A -> B;\n  B -> C [label = "x"\n}\n'));
    expect(parse).toBeInstanceOf(DiagramSyntaxError);
    expect((parse as DiagramSyntaxError).status).toBe(400);
    expect((parse as DiagramSyntaxError).line).toBe(4);
    expect(parse!.message).toMatch(/got unexpected token/);

    const lexer = await failure(render('seqdiag', 'seqdiag {\n  a -> b;\n  c $ d;\n}'));
    expect(lexer).toBeInstanceOf(DiagramSyntaxError);
    expect((lexer as DiagramSyntaxError).line).toBe(3);

    const attribute = await failure(render('nwdiag', 'nwdiag {\n  network dmz {\n    web01 [colour = "red"];\n  }\n}'));
    expect(attribute).toBeInstanceOf(DiagramSyntaxError);
    expect(attribute!.message).toMatch(/Unknown attribute.*colour/);

    // The worker keeps serving after errors.
    expect(svgLabels(await render('blockdiag', 'blockdiag { still -> fine; }'))).toContain('fine');
  });

  it('answers a diagram that asks for a huge canvas with a 400, within the worker’s memory cap', async () => {
    const pid = worker.pid();
    const err = await failure(render('blockdiag', 'blockdiag { node_width = 30000; node_height = 30000; A -> B; }', 'png'));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect(err!.message).toMatch(/too large/);
    expect(worker.pid()).toBe(pid);
  });

  it('refuses background and icon unless the safe mode is unsafe: no request leaves, no file is read', async () => {
    const image = await render('blockdiag', 'blockdiag { pic; }', 'png');
    // No extension: blockdiag then reads the file and inlines it as a data: URL.
    const file = path.join(dir, 'picture');
    writeFileSync(file, image);
    const sources = {
      icon: `blockdiag {\n  A -> B;\n  B [icon = "${marker.url}/icon.png"];\n}`,
      background: `blockdiag {\n  A -> B;\n  A [background = "${file}"];\n}`,
      'background URL': `blockdiag {\n  A [background = "${marker.url}/bg"];\n}`,
      'class with icon': `blockdiag {\n  class pic [icon = "${marker.url}/class.png"];\n  A [class = "pic"];\n}`,
      rackdiag: `rackdiag {\n  8U;\n  1: UPS [icon = "${marker.url}/rack.png"];\n}`,
    };
    for (const mode of ['secure', 'safe'] as const) {
      for (const [name, source] of Object.entries(sources)) {
        const type = name === 'rackdiag' ? 'rackdiag' : 'blockdiag';
        for (const format of ['svg', 'png', 'pdf'] as const) {
          const err = await failure(render(type, source, format, { safeMode: mode }));
          expect(err, `${mode} ${name} ${format}`).toBeInstanceOf(DiagramSyntaxError);
          expect(err!.message).toMatch(/The (icon|background) attribute opens a file or URL/);
        }
      }
    }
    const icon = await failure(render('blockdiag', sources.icon));
    expect((icon as DiagramSyntaxError).line).toBe(3);
    expect(icon!.message).toContain('icon attribute');
    const bg = await failure(render('blockdiag', sources.background));
    expect((bg as DiagramSyntaxError).line).toBe(3);
    expect(bg!.message).toContain('background attribute');
    expect(marker.hits).toEqual([]);

    // unsafe: Kroki's behaviour, the file is read (inlined in the SVG) and the URL fetched.
    const inlined = (await render('blockdiag', sources.background, 'svg', { safeMode: 'unsafe' })).toString('utf8');
    expect(inlined).toContain(`data:;base64,b'${image.subarray(0, 30).toString('base64').slice(0, 20)}`);
    const server = await pngServer(image);
    try {
      const fetched = await render('blockdiag', `blockdiag {\n  A [icon = "${server.url}/icon.png"];\n}`, 'png', { safeMode: 'unsafe' });
      pngSize(fetched);
      expect(server.hits).toEqual(['/icon.png']);
    } finally {
      await server.close();
    }
    expect(marker.hits).toEqual([]);
  });

  it('starts each render afresh: nothing of one diagram (plugins, classes, defaults) reaches the next', async () => {
    // Without plugins.cleanup() the autoclass handler would go on renaming A_red to A; without
    // restoring the node classes, `owner` would stay a known attribute.
    const victim = 'blockdiag { class red [color = "red"]; A_red -> B; 日本 -> C; }';
    const unknown = 'blockdiag {\n  A [owner = "me"];\n}';
    const before = { svg: await render('blockdiag', victim), png: await render('blockdiag', victim, 'png') };
    expect(svgLabels(before.svg)).toContain('A_red');
    expect((await failure(render('blockdiag', unknown)))?.message).toMatch(/Unknown attribute: DiagramNode.owner/);
    const noisy = [
      'blockdiag { plugins = autoclass; class red [color = "red"]; default_shape = roundedbox; default_fontsize = 20; A_red -> B; }',
      'blockdiag { plugin attributes [owner = "Owner"]; node_width = 200; default_node_color = "blue"; A [owner = "me"]; }',
      'seqdiag { default_fontsize = 30; edge_length = 300; a -> b; }',
      'actdiag { plugins = autolane; a -> b; lane x { a; b; } }',
      'rackdiag { default_fontsize = 20; 4U; 1: big; }',
    ];
    for (const src of noisy) await render(src.split(' ')[0]!, src, 'png');
    expect((await render('blockdiag', victim)).toString('utf8')).toBe(before.svg.toString('utf8'));
    expect((await render('blockdiag', victim, 'png')).equals(before.png)).toBe(true);
    expect((await failure(render('blockdiag', unknown)))?.message).toMatch(/Unknown attribute: DiagramNode.owner/);
  });

  it('serves pipelined renders in any mix and returns each its own picture', async () => {
    const jobs = Array.from({ length: 24 }, (_, i) => {
      const type = blockdiag.types[i % blockdiag.types.length]!;
      const label = `label${i}x`;
      const source = {
        blockdiag: `blockdiag { ${label} -> other; }`,
        seqdiag: `seqdiag { ${label} -> other; }`,
        actdiag: `actdiag { ${label} -> other; }`,
        nwdiag: `nwdiag { network n { ${label}; } }`,
        packetdiag: `packetdiag { 0-15: ${label}; }`,
        rackdiag: `rackdiag { 4U; 1: ${label}; }`,
      }[type]!;
      return { type, label, source, format: i % 3 === 0 ? ('png' as const) : ('svg' as const) };
    });
    const pid = worker.pid();
    const out = await Promise.all(jobs.map((j) => render(j.type, j.source, j.format)));
    out.forEach((body, i) => {
      const job = jobs[i]!;
      if (job.format === 'png') pngSize(body);
      else {
        const labels = svgLabels(body);
        expect(labels, `${job.type} #${i}`).toContain(job.label);
        expect(labels.filter((l) => /^label\d+x$/.test(l))).toEqual([job.label]);
      }
    });
    expect(worker.pid()).toBe(pid);
  });

  it('knows its version before its worker starts (read by the availability probe)', async () => {
    const cold = testContext();
    try {
      const e = cold.engine(blockdiag);
      expect(e.available()).toEqual({ ok: true });
      expect(e.version()).toMatch(/^\d+\.\d+/);
      expect(e.state()).toBe('idle');
    } finally {
      await cold.close();
    }
  });

  it('says what to install when the Python modules are missing', async () => {
    // -S: no site-packages, so Python finds none of the modules.
    const python = path.join(dir, 'python-without-site');
    writeFileSync(python, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    chmodSync(python, 0o755);
    const bare = testContext({ STUDIO_PYTHON_PATH: python });
    try {
      const available = bare.engine(blockdiag).available();
      expect(available.ok).toBe(false);
      expect(!available.ok && available.reason).toMatch(
        /lacks the Python modules blockdiag, seqdiag, actdiag, nwdiag.*python3-blockdiag python3-seqdiag python3-actdiag python3-nwdiag/,
      );
    } finally {
      await bare.close();
    }
    const missing = testContext({ STUDIO_PYTHON_PATH: path.join(dir, 'no-such-python') });
    try {
      const available = missing.engine(blockdiag).available();
      expect(!available.ok && available.reason).toMatch(/could not be run.*STUDIO_PYTHON_PATH/);
    } finally {
      await missing.close();
    }
  });
});

/** A PDF's streams, inflated. */
function pdfStreams(pdf: Buffer): string[] {
  const bin = pdf.toString('latin1');
  const out: string[] = [];
  for (const m of bin.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    try {
      out.push(inflateSync(pdf.subarray(start, bin.indexOf('endstream', start))).toString('latin1'));
    } catch {
      // not deflated (or not a stream at all)
    }
  }
  return out;
}

/** Every character a PDF's ToUnicode maps name. */
function unicodeMapped(pdf: Buffer): string {
  let chars = '';
  for (const text of pdfStreams(pdf))
    for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
      for (const [, dst] of block[1]!.matchAll(/<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>/g)) chars += String.fromCharCode(parseInt(dst!, 16));
  return chars;
}

/** A loopback server that answers every request with a PNG, for the unsafe mode's fetch. */
async function pngServer(png: Buffer): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'image/png');
    res.end(png);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
