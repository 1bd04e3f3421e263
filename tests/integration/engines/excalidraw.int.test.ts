import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../../server/engines/_support/package-version.js';
import { excalidraw, excalidrawPageKind } from '../../../server/engines/excalidraw/index.js';
import { BadRequestError, DiagramSyntaxError } from '../../../server/errors.js';
import { EXAMPLES } from '../../../shared/examples.js';
import { pageEngineTest } from '../../helpers/page-engine.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const setup = pageEngineTest(excalidraw, excalidrawPageKind(1));
const { engine, onPage } = setup;

const BASE = {
  angle: 0,
  strokeColor: '#1e1e1e',
  backgroundColor: 'transparent',
  fillStyle: 'solid',
  strokeWidth: 1,
  strokeStyle: 'solid',
  roughness: 1,
  opacity: 100,
  groupIds: [],
  seed: 1,
  version: 1,
  versionNonce: 1,
  isDeleted: false,
  boundElements: null,
  locked: false,
};

function text(id: string, value: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...BASE,
    id,
    type: 'text',
    x: 0,
    y: 0,
    width: 300,
    height: 25,
    fontSize: 20,
    fontFamily: 1,
    text: value,
    originalText: value,
    textAlign: 'left',
    verticalAlign: 'top',
    ...more,
  };
}

function image(id: string, fileId: string, x: number): Record<string, unknown> {
  return { ...BASE, id, type: 'image', x, y: 0, width: 50, height: 50, fileId, status: 'saved', scale: [1, 1] };
}

function scene(elements: unknown[], files: Record<string, unknown> = {}): string {
  return JSON.stringify({ type: 'excalidraw', version: 2, source: 'test', elements, appState: { viewBackgroundColor: '#ffffff' }, files }, null, 2);
}

function rootSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)![0];
  return { width: Number(/\swidth="([\d.]+)"/.exec(root)![1]), height: Number(/\sheight="([\d.]+)"/.exec(root)![1]) };
}

describe('excalidraw engine', () => {
  const example = EXAMPLES.find((e) => e.type === 'excalidraw')!;

  it('serves excalidraw in svg and png with the installed @excalidraw/utils version', () => {
    expect(engine.types).toEqual(['excalidraw']);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.runtime).toBe('browser');
    expect(engine.version()).toBe(packageVersion('@excalidraw/utils'));
  });

  it('draws the gallery scene to SVG with its text and the subset of the font it uses embedded', async () => {
    const svg = (await engine.render(renderInput('excalidraw', example.source))).toString('utf8');
    expect(expectSvg(svg)).toContain('Kroki Studio');
    expect(svg).toMatch(/@font-face \{ font-family: Virgil; src: url\(data:font\/woff2;base64,/);
    expect(svg).toContain('font-family="Virgil');
    // Subset to the label's glyphs: the whole Virgil font would be ~70 KB.
    expect(svg.length).toBeLessThan(20_000);
    expect(rootSize(svg)).toEqual({ width: 200, height: 100 });
  });

  it('draws PNG by screenshot, the size of the SVG', async () => {
    const png = await engine.render(renderInput('excalidraw', example.source, 'png'));
    expect(pngSize(png)).toEqual({ width: 200, height: 100 });
  });

  it('reports JSON errors with the line, and a scene without elements', async () => {
    const err = await engine.render(renderInput('excalidraw', excalidraw.errorSample!.source)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(4);

    const missing = await engine
      .render(renderInput('excalidraw', '{\n  "type": "excalidraw",\n  "elements": [\n    {"type": "text" "text": "a"}\n  ]\n}'))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(DiagramSyntaxError);
    expect((missing as DiagramSyntaxError).line).toBe(4);

    for (const bad of ['[1, 2]', '{"type": "excalidraw"}', '{"elements": [], "files": []}']) {
      const e = await engine.render(renderInput('excalidraw', bad, 'png')).catch((x: unknown) => x);
      expect(e, bad).toBeInstanceOf(DiagramSyntaxError);
    }
    // The page is still usable.
    expect(expectSvg(await engine.render(renderInput('excalidraw', scene([text('t', 'After errors')]))))).toContain('After errors');
  });

  it('draws CJK text with the CJK font Excalidraw bundles, embedded in the SVG', async () => {
    const label = '流程图 図を描く';
    const source = scene([text('cjk', label, { fontFamily: 5 })]);
    const svg = (await engine.render(renderInput('excalidraw', source))).toString('utf8');
    expect(expectSvg(svg)).toContain(label);
    expect(svg).toMatch(/@font-face \{ font-family: Xiaolai; src: url\(data:font\/woff2;base64,/);
    expect(pngSize(await engine.render(renderInput('excalidraw', source, 'png'))).width).toBeGreaterThan(100);
    // The PNG render left the picture on the stage: ask Chromium which fonts drew the text.
    const fonts = await onPage(async (page) => {
      const cdp = await page.context().newCDPSession(page);
      try {
        await cdp.send('DOM.enable');
        await cdp.send('CSS.enable');
        const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
        const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#stage text' });
        return (await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts;
      } finally {
        await cdp.detach();
      }
    });
    const xiaolai = fonts.filter((f) => /Xiaolai/i.test(f.familyName) && f.isCustomFont);
    expect(xiaolai.length, JSON.stringify(fonts)).toBeGreaterThan(0);
    expect(xiaolai.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThanOrEqual(7);
  });

  it('never evaluates the scene: code is refused as JSON, and code in strings stays text', async () => {
    setup.marker.hits.length = 0;
    // What a script-pasting renderer would run: not JSON, so refused before any page sees it.
    const code = `{"type": "excalidraw", "elements": (fetch("${setup.marker.url}/eval"), window.__pwned = 1, [])}`;
    const refused = await engine.render(renderInput('excalidraw', code)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DiagramSyntaxError);
    expect((refused as DiagramSyntaxError).line).toBe(1);

    const strings = [
      `</script><script>window.__pwned = 2; fetch("${setup.marker.url}/script")</script>`,
      '${window.__pwned = 3}',
      `"); window.__pwned = 4; fetch("${setup.marker.url}/quote"); ("`,
    ];
    const source = scene([
      ...strings.map((s, i) => text(`t${i}`, s, { y: i * 40 })),
      { ...BASE, id: 'r', type: 'rectangle', x: 0, y: 130, width: 80, height: 40, link: 'javascript:window.__pwned=5' },
    ]);
    for (const format of ['svg', 'png'] as const) {
      const out = await engine.render(renderInput('excalidraw', source, format));
      if (format === 'svg') {
        const svg = out.toString('utf8');
        const shown = expectSvg(svg);
        for (const s of strings) expect(shown).toContain(s);
        expect(svg).not.toMatch(/<script|javascript:/i);
      }
    }
    const pwned = await onPage((page) => page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null));
    expect(pwned).toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(setup.marker.hits).toEqual([]);
  });

  it('makes no network request and reads no file in secure mode (image elements, embeds, links)', async () => {
    const M = setup.marker.url;
    const svgImage = `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="${M}/inner-image" width="10" height="10"/></svg>`;
    const source = scene(
      [
        image('i1', 'remote', 0),
        image('i2', 'nested', 60),
        image('i3', 'local', 120),
        { ...BASE, id: 'e', type: 'embeddable', x: 0, y: 60, width: 200, height: 100, link: `${M}/embed` },
        { ...BASE, id: 'f', type: 'iframe', x: 0, y: 180, width: 200, height: 100, link: `${M}/iframe` },
        { ...BASE, id: 'r', type: 'rectangle', x: 0, y: 300, width: 80, height: 40, link: `${M}/link` },
      ],
      {
        remote: { id: 'remote', mimeType: 'image/png', dataURL: `${M}/image.png`, created: 1 },
        nested: { id: 'nested', mimeType: 'image/svg+xml', dataURL: `data:image/svg+xml;base64,${Buffer.from(svgImage).toString('base64')}`, created: 1 },
        local: { id: 'local', mimeType: 'image/png', dataURL: 'file:///etc/passwd', created: 1 },
      },
    );
    setup.marker.hits.length = 0;
    for (const format of ['svg', 'png'] as const) {
      const out = await engine.render(renderInput('excalidraw', source, format));
      if (format === 'svg') expect(out.toString('utf8')).not.toContain('root:');
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(setup.marker.hits).toEqual([]);
    // Positive control: in safe mode `unsafe` the page may load the remote image (as Kroki
    // lets diagrams fetch there), so this test fails if the network block is removed.
    await engine.render(renderInput('excalidraw', source, 'png', { safeMode: 'unsafe' }));
    expect(setup.marker.hits).toContain('/image.png');
  });

  it('refuses a PNG too large to capture, and still draws its SVG', async () => {
    const far = scene([text('a', 'near'), text('b', 'far', { x: 100_000, y: 100_000 })]);
    const err = await engine.render(renderInput('excalidraw', far, 'png')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as Error).message).toMatch(/too large for PNG/);
    expect(expectSvg(await engine.render(renderInput('excalidraw', far)))).toContain('far');
  });
});
