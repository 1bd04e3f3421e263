import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { DRAWIO_DIR, diagramsnet, diagramsnetPageKind } from '../../../server/engines/diagramsnet/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { ASSET_ORIGIN } from '../../../server/runtimes/browser-pool.js';
import { EXAMPLES } from '../../../shared/examples.js';
import { pageEngineTest } from '../../helpers/page-engine.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const setup = pageEngineTest(diagramsnet, diagramsnetPageKind(1));
const { engine, onPage } = setup;
/** Files outside draw.io's folder that no diagram may make the page read. */
const outside = mkdtempSync(path.join(tmpdir(), 'drawio-outside-'));

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One vertex; `value` and `style` are raw attribute text (escape them with esc()). */
function vertex(id: string, value: string, style: string, x = 20, y = 20, w = 160, h = 60): string {
  return `<mxCell id="${id}" value="${value}" style="${style}" vertex="1" parent="1"><mxGeometry x="${x}" y="${y}" width="${w}" height="${h}" as="geometry"/></mxCell>`;
}

function model(cells: string, attrs = ''): string {
  return `<mxGraphModel${attrs}><root><mxCell id="0"/><mxCell id="1" parent="0"/>${cells}</root></mxGraphModel>`;
}

/** A <diagram>'s content the way draw.io saves it compressed: URI-encoded, raw deflate, base64. */
function compressed(xml: string): string {
  return deflateRawSync(Buffer.from(encodeURIComponent(xml), 'utf8')).toString('base64');
}

function rootSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)![0];
  return { width: Number(/\swidth="([\d.]+)px"/.exec(root)![1]), height: Number(/\sheight="([\d.]+)px"/.exec(root)![1]) };
}

async function svgOf(source: string, options: Record<string, string> = {}): Promise<string> {
  return (await engine.render(renderInput('diagramsnet', source, 'svg', { options }))).toString('utf8');
}

async function refusal(source: string, options: Record<string, string> = {}): Promise<DiagramSyntaxError> {
  const err = await engine.render(renderInput('diagramsnet', source, 'svg', { options })).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DiagramSyntaxError);
  return err as DiagramSyntaxError;
}

afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
});

describe('diagrams.net engine', () => {
  const example = EXAMPLES.find((e) => e.type === 'diagramsnet')!;

  it('serves diagramsnet in svg and png with the version draw.io itself declares', async () => {
    expect(engine.types).toEqual(['diagramsnet']);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.runtime).toBe('browser');
    expect(engine.version()).toMatch(/^\d+\.\d+\.\d+$/);
    const live = await onPage((page) => page.evaluate(() => (window as unknown as { studioDrawio: { version: string } }).studioDrawio.version));
    expect(engine.version()).toBe(live);
  });

  it('draws the gallery file to draw.io’s SVG export, labels as HTML and as real text', async () => {
    const svg = await svgOf(example.source);
    const text = expectSvg(svg);
    for (const label of example.labels) expect(text).toContain(label);
    // The plain-text fallback draw.io writes beside each HTML label.
    expect(svg).toMatch(/<text\b[^>]*>Editor<\/text>/);
    expect(rootSize(svg)).toEqual({ width: 322, height: 61 });
  });

  it('draws PNG by screenshot of that SVG: its size, transparent, and the HTML labels drawn', async () => {
    const svg = await svgOf(example.source);
    const png = await engine.render(renderInput('diagramsnet', example.source, 'png'));
    const size = pngSize(png);
    const expected = rootSize(svg);
    expect(Math.abs(size.width - expected.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(size.height - expected.height)).toBeLessThanOrEqual(1);
    expect(png[25]).toBe(6); // colour type 6 = RGBA
    // The screenshot's stage holds draw.io's HTML labels (foreignObject), laid out with glyphs.
    const glyphs = await labelFonts();
    expect(glyphs.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThanOrEqual('EditorServer'.length);
  });

  it('reads compressed pages (deflate + base64) as plain ones, a bare <mxGraphModel> and a .drawio.svg', async () => {
    const cells = vertex('a', 'Compressed label', 'rounded=1;whiteSpace=wrap;html=1;');
    const plain = await svgOf(`<mxfile><diagram id="p" name="P">${model(cells)}</diagram></mxfile>`);
    const packed = await svgOf(`<mxfile><diagram id="p" name="P">${compressed(model(cells))}</diagram></mxfile>`);
    const bare = await svgOf(model(cells));
    expect(expectSvg(packed)).toContain('Compressed label');
    expect(packed).toBe(plain);
    expect(bare).toBe(plain);
    // An editable SVG (.drawio.svg) keeps its file in the root's content attribute.
    const file = `<mxfile><diagram id="p" name="P">${compressed(model(cells))}</diagram></mxfile>`;
    expect(await svgOf(`<svg xmlns="http://www.w3.org/2000/svg" content="${esc(file)}"><g/></svg>`)).toBe(plain);
  });

  it('draws the first page of a multi-page file, another one with page=N, and refuses a page it lacks', async () => {
    const file = [
      '<mxfile>',
      `<diagram id="one" name="First">${compressed(model(vertex('a', 'Page one', 'html=1;')))}</diagram>`,
      `<diagram id="two" name="Second">${model(vertex('b', 'Page two', 'html=1;'))}</diagram>`,
      '</mxfile>',
    ].join('');
    const first = expectSvg(await svgOf(file));
    expect(first).toContain('Page one');
    expect(first).not.toContain('Page two');
    const second = expectSvg(await svgOf(file, { page: '2' }));
    expect(second).toContain('Page two');
    expect(second).not.toContain('Page one');
    expect((await refusal(file, { page: '3' })).message).toBe('The draw.io file has 2 pages; there is no page 3.');
    expect((await refusal(model(''), { page: '2' })).message).toBe('The diagram has 1 page; there is no page 2.');
  });

  it('scales SVG and PNG with scale=N', async () => {
    const svg = await svgOf(example.source, { scale: '2' });
    expect(rootSize(svg)).toEqual({ width: 643, height: 122 });
    const png = pngSize(await engine.render(renderInput('diagramsnet', example.source, 'png', { options: { scale: '2' } })));
    expect(Math.abs(png.width - 643)).toBeLessThanOrEqual(1);
    expect(Math.abs(png.height - 122)).toBeLessThanOrEqual(1);
  });

  it('draws CJK labels: text in the SVG, glyphs of a CJK font in the PNG', async () => {
    const label = '审批流程 承認する';
    const source = `<mxfile><diagram id="c" name="CJK">${model(vertex('a', label, 'whiteSpace=wrap;html=1;'))}</diagram></mxfile>`;
    expect(expectSvg(await svgOf(source))).toContain(label);
    expect(pngSize(await engine.render(renderInput('diagramsnet', source, 'png'))).width).toBeGreaterThan(100);
    const fonts = await labelFonts();
    const cjk = fonts.filter((f) => /CJK|Noto Sans (SC|JP|TC|KR)|Droid Sans Fallback|WenQuanYi/i.test(f.familyName));
    expect(cjk.length, JSON.stringify(fonts)).toBeGreaterThan(0);
    expect(cjk.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThanOrEqual(7);
  });

  it('refuses what is not a readable draw.io file with a clear message, and the page keeps working', async () => {
    const broken = await refusal(diagramsnet.errorSample!.source);
    expect(broken.message).toMatch(/^The diagram is not well-formed XML: error on line 4 at column \d+: /);
    expect(broken.line).toBe(4);
    expect((await refusal('hello')).message).toMatch(/^The diagram is not well-formed XML: error on line 1 /);
    expect((await refusal('<svg xmlns="http://www.w3.org/2000/svg"/>')).message).toBe(
      'This is not a draw.io diagram: the XML must be an <mxfile> (a .drawio file), an <mxGraphModel> or an SVG saved by draw.io, not <svg>.',
    );
    expect((await refusal('<mxfile host="x"/>')).message).toBe('The draw.io file has no page: its <mxfile> holds no <diagram>.');
    expect((await refusal('<mxfile><diagram name="Broken">!!not base64!!</diagram></mxfile>')).message).toMatch(
      /^Page "Broken" could not be read: its compressed content is not valid \(/,
    );
    expect((await refusal('<mxfile><diagram name="Empty"></diagram></mxfile>')).message).toBe('Page "Empty" is empty: its <diagram> holds no <mxGraphModel>.');
    const notModel = compressed('<notAModel/>');
    expect((await refusal(`<mxfile><diagram name="Odd">${notModel}</diagram></mxfile>`)).message).toBe(
      'Page "Odd" could not be read: its content is not an <mxGraphModel>.',
    );
    expect(expectSvg(await svgOf(model(vertex('a', 'After errors', 'html=1;'))))).toContain('After errors');
    // An empty diagram is a picture, not an error (Kroki's companion checks its health with one).
    expect(pngSize(await engine.render(renderInput('diagramsnet', model(''), 'png'))).width).toBeGreaterThan(0);
  });

  it('runs no script from the diagram: only the page’s own files may run', async () => {
    const hostile = model(
      vertex(
        'x',
        esc('<img src="x" onerror="window.__ran=1"><b>Bold</b><script>window.__ran=2</script><a href="javascript:window.__ran=4">go</a>'),
        'html=1;',
      ) +
        `<UserObject id="u" label="Link" link="javascript:window.__ran=5"><mxCell style="html=1;" vertex="1" parent="1"><mxGeometry x="200" y="0" width="80" height="40" as="geometry"/></mxCell></UserObject>`,
    );
    const svg = await svgOf(hostile);
    expect(expectSvg(svg)).toContain('Bold');
    // draw.io's own sanitising: no script element, handler or javascript: link reaches the SVG.
    expect(svg).not.toMatch(/<script|onerror|javascript:/i);
    const ran = await onPage((page) =>
      page.evaluate(() => {
        // The page's policy: an inline script added now does not run either.
        const s = document.createElement('script');
        s.textContent = 'window.__ran = 3';
        document.head.appendChild(s);
        return (window as unknown as { __ran?: number }).__ran ?? null;
      }),
    );
    expect(ran).toBeNull();
  });

  it('makes no network request in secure mode, whatever the file references (images, fonts, links, entities)', async () => {
    const M = setup.marker.url;
    const hostile =
      `<!DOCTYPE mxfile [<!ENTITY ext SYSTEM "${M}/entity">]><mxfile><diagram id="h" name="H">` +
      model(
        vertex('i', '', `shape=image;image=${M}/image.png;`) +
          vertex('l', esc(`<img src="${M}/label-img"> label &ext;`), 'html=1;', 200) +
          `<UserObject id="u" label="Linked" link="${M}/link"><mxCell style="html=1;" vertex="1" parent="1"><mxGeometry x="400" y="20" width="80" height="40" as="geometry"/></mxCell></UserObject>` +
          vertex('s', 'Stencil', `shape=${M}/stencil.xml;`, 500),
        ` backgroundImage="${esc(JSON.stringify({ src: `${M}/background`, width: 10, height: 10 }))}" extFonts="Marker^${M}/font.woff"`,
      ) +
      '</diagram></mxfile>';
    setup.marker.hits.length = 0;
    for (const format of ['svg', 'png'] as const) {
      const out = await engine.render(renderInput('diagramsnet', hostile, format));
      if (format === 'svg') expect(expectSvg(out)).toContain('Linked');
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(setup.marker.hits).toEqual([]);
    // Control: the same file does reach the network when the server runs unsafe (as Kroki's companion does).
    await engine.render(renderInput('diagramsnet', hostile, 'png', { safeMode: 'unsafe' }));
    await new Promise((r) => setTimeout(r, 200));
    expect(setup.marker.hits).toEqual(expect.arrayContaining(['/image.png', '/label-img', '/background']));
    expect(setup.marker.hits).not.toContain('/entity');
    expect(setup.marker.hits).not.toContain('/link');
  });

  it('reads no file outside draw.io’s folder, even in unsafe mode', async () => {
    writeFileSync(
      path.join(outside, 'red.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#f00"/></svg>',
    );
    // The page's own origin, then up and out of the folder with encoded separators.
    const up = path
      .relative(realpathSync(DRAWIO_DIR), path.join(realpathSync(outside), 'red.svg'))
      .split(path.sep)
      .join('%2F');
    const withImage = (url: string) => model(vertex('i', '', `shape=image;image=${url};`, 0, 0, 40, 40));
    const png = (url: string) => engine.render(renderInput('diagramsnet', withImage(url), 'png', { safeMode: 'unsafe' }));
    const missing = await png(`${ASSET_ORIGIN}/drawio/no-such-image.svg`);
    // Control: an image inside the folder is drawn, so a drawn image shows in the bytes.
    expect((await png(`${ASSET_ORIGIN}/drawio/images/drawlogo.svg`)).equals(missing)).toBe(false);
    expect((await png(`${ASSET_ORIGIN}/drawio/${up}`)).equals(missing)).toBe(true);
    expect((await png(`file://${path.join(outside, 'red.svg')}`)).equals(missing)).toBe(true);
  });
});

describe('diagrams.net over HTTP', () => {
  it('answers 400 with draw.io’s reason for a file it cannot read', async () => {
    const app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [diagramsnet], logger: false });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/diagramsnet/svg',
        payload: '<svg xmlns="http://www.w3.org/2000/svg"/>',
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('This is not a draw.io diagram');
      const ok = await app.inject({ method: 'POST', url: '/diagramsnet/png', payload: example().source, headers: { 'content-type': 'text/plain' } });
      expect(ok.statusCode).toBe(200);
      expect(pngSize(ok.rawPayload).width).toBeGreaterThan(100);
    } finally {
      await app.close();
    }
  });
});

function example() {
  return EXAMPLES.find((e) => e.type === 'diagramsnet')!;
}

/** Fonts Chromium used for the label text left on the stage by the last PNG render. */
function labelFonts(): Promise<Array<{ familyName: string; glyphCount: number }>> {
  return onPage(async (page) => {
    const cdp = await page.context().newCDPSession(page);
    try {
      await cdp.send('DOM.enable');
      await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: false });
      const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '#stage foreignObject div' });
      const used: Array<{ familyName: string; glyphCount: number }> = [];
      for (const nodeId of nodeIds) used.push(...(await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts);
      return used;
    } finally {
      await cdp.detach();
    }
  });
}
