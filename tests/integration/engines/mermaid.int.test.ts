import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mermaid, mermaidPageKind } from '../../../server/engines/mermaid/index.js';
import { BadRequestError, DiagramSyntaxError, EngineCrashedError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { pdfText } from '../../helpers/pdf-text.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext({ STUDIO_MERMAID_PAGES: '2' });
const engine = ctx.engine(mermaid);
let marker: MarkerServer;

/** The baseline's "small" diagram: an 11-node flowchart. */
const flowchart = [
  'graph TD',
  '  A[Start] --> B{Is it working?}',
  '  B -->|Yes| C[Ship it]',
  '  B -->|No| D[Debug]',
  '  D --> E[Read logs<br>and traces]',
  '  E --> F[Fix]',
  '  F --> G[Test]',
  '  G --> B',
  '  C --> H[Announce]',
  '  H --> I[Celebrate]',
  '  I --> J[Rest]',
  '  J --> K[Done]',
].join('\n');
const flowchartLabels = ['Start', 'Is it working?', 'Ship it', 'Debug', 'Read logs', 'and traces', 'Fix', 'Test', 'Announce', 'Celebrate', 'Rest', 'Done'];

const sequence = ['sequenceDiagram', '  participant Alice', '  participant Bob', '  Alice->>Bob: Hello Bob', '  Bob-->>Alice: Hi Alice', '  Alice-)Bob: '].join(
  '\n',
);

/** 100 nodes: larger than the page's 800×600 viewport. */
const large = (() => {
  const lines = ['graph TD'];
  for (let i = 0; i < 100; i++) lines.push(`  n${i}[Node ${i}] --> n${(i * 7 + 1) % 100}[Node ${(i * 7 + 1) % 100}]`);
  return lines.join('\n');
})();

/** Root width/height attributes of an SVG, rounded like a screenshot is. */
function svgPixelSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)![0];
  const width = Number(/\swidth="([\d.]+)"/.exec(root)![1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)![1]);
  return { width, height };
}

beforeAll(async () => {
  marker = await startMarkerServer();
  await engine.start();
});

afterAll(async () => {
  await engine.stop();
  await ctx.close();
  await marker.close();
});

describe('mermaid engine', () => {
  it('declares Kroki’s type and formats, and the version of the library it loads', () => {
    expect(engine.types).toEqual(['mermaid']);
    expect(engine.formats.slice(0, 2)).toEqual(['png', 'svg']);
    expect(engine.formats).toContain('pdf');
    expect(engine.runtime).toBe('browser');
    expect(engine.state()).toBe('ready');
    expect(engine.version()).toMatch(/^11\.\d+\.\d+/);
    expect(engine.available()).toEqual({ ok: true });
  });

  it('renders an 11-node flowchart to well-formed SVG with every label', async () => {
    const svg = (await engine.render(renderInput('mermaid', flowchart))).toString('utf8');
    const text = expectSvg(svg);
    for (const label of flowchartLabels) expect(text).toContain(label);
    // HTML-serialised void elements would break XML consumers.
    expect(svg).not.toMatch(/<br>/);
    expect(svg).not.toContain('&nbsp;');
    // useMaxWidth: false, like Kroki: an absolute width, not 100%.
    expect(svgPixelSize(svg).width).toBeGreaterThan(100);
  });

  it('renders PNG by screenshot, sized like the SVG, with a transparent background', async () => {
    const svg = (await engine.render(renderInput('mermaid', flowchart))).toString('utf8');
    const png = await engine.render(renderInput('mermaid', flowchart, 'png'));
    const size = pngSize(png);
    const expected = svgPixelSize(svg);
    expect(Math.abs(size.width - expected.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(size.height - expected.height)).toBeLessThanOrEqual(2);
    expect(png[25]).toBe(6); // colour type 6 = RGBA
  });

  it('keeps PNG correct for a diagram larger than the page viewport', async () => {
    const svg = (await engine.render(renderInput('mermaid', large))).toString('utf8');
    const text = expectSvg(svg);
    expect(text).toContain('Node 0');
    expect(text).toContain('Node 99');
    const expected = svgPixelSize(svg);
    expect(expected.width > 800 || expected.height > 600).toBe(true);
    const size = pngSize(await engine.render(renderInput('mermaid', large, 'png')));
    expect(Math.abs(size.width - expected.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(size.height - expected.height)).toBeLessThanOrEqual(2);
  });

  it('renders a sequence diagram (with an empty message) to SVG and PNG', async () => {
    const text = expectSvg(await engine.render(renderInput('mermaid', sequence)));
    for (const label of ['Alice', 'Bob', 'Hello Bob', 'Hi Alice']) expect(text).toContain(label);
    const size = pngSize(await engine.render(renderInput('mermaid', sequence, 'png')));
    expect(size.width).toBeGreaterThan(200);
    expect(size.height).toBeGreaterThan(150);
  });

  it('prints PDF with the diagram’s text as text', async () => {
    const pdf = await engine.render(renderInput('mermaid', flowchart, 'pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    for (const label of ['Start', 'Ship it', 'Celebrate']) expect(text).toContain(label);
  });

  it('maps Kroki options to Mermaid config (theme) and ignores forbidden keys', async () => {
    const plain = (await engine.render(renderInput('mermaid', flowchart))).toString('utf8');
    const forest = (
      await engine.render(
        renderInput('mermaid', flowchart, 'svg', {
          options: { theme: 'forest', 'security-level': 'loose' },
        }),
      )
    ).toString('utf8');
    expect(forest).not.toEqual(plain);
    expect(forest.toLowerCase()).toContain('#cde498'); // forest's node fill
    expect(plain.toLowerCase()).not.toContain('#cde498');
    // The page re-initialises Mermaid only when the config changes: back to the default.
    const again = (await engine.render(renderInput('mermaid', flowchart))).toString('utf8');
    expect(again).toEqual(plain);
  });

  it('reports a syntax error with Mermaid’s message and the 1-based line', async () => {
    const bad = 'graph TD\n  A --> B\n  B -->>>> C ;; [\n  C --> D';
    const err = await engine.render(renderInput('mermaid', bad)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect((err as DiagramSyntaxError).message).toMatch(/Parse error on line 3/);
    expect((err as DiagramSyntaxError).line).toBe(3);
    const errPng = await engine.render(renderInput('mermaid', bad, 'png')).catch((e: unknown) => e);
    expect(errPng).toBeInstanceOf(DiagramSyntaxError);
    // The page stays usable after errors.
    expectSvg(await engine.render(renderInput('mermaid', 'graph LR\n  X --> Y')));
  });

  it('rejects text over the size limit before the browser is used', async () => {
    const small = testContext({ KROKI_MERMAID_MAX_TEXT_SIZE: '100' });
    const limited = small.engine(mermaid);
    try {
      const err = await limited.render(renderInput('mermaid', `graph TD\n${'  A --> B\n'.repeat(20)}`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).status).toBe(400);
      expect((err as Error).message).toMatch(/Maximum text size/);
      expect(small.browser.state()).toBe('idle');
      expect(small.browser.pid()).toBeNull();
    } finally {
      await small.close();
    }
  });

  it('never fetches URLs from diagram text in secure mode (svg and png)', async () => {
    const attack = [
      '%%{init: {"themeCSS": ".node rect { fill: url(MARKER/theme-css); } .label { background-image: url(MARKER/theme-bg); }"}}%%',
      'flowchart TD',
      '  A["<img src=\'MARKER/label-img\'> label"] --> N@{ img: "MARKER/image-node.png", label: "Image", pos: "t", w: 60, h: 60, constraint: "on" }',
      '  A --> B[Plain]',
      '  click B href "MARKER/click" _blank',
      '  style B fill:#f9f,stroke:#333',
    ]
      .join('\n')
      .replaceAll('MARKER', marker.url);
    marker.hits.length = 0;
    for (const format of ['svg', 'png'] as const) {
      // A render may fail with a syntax error (like Kroki's); it must never reach the network.
      await engine.render(renderInput('mermaid', attack, format)).catch((e: unknown) => {
        if (!(e instanceof DiagramSyntaxError)) throw e;
      });
    }
    expect(marker.hits).toEqual([]);
    // Positive control: the same diagram does reach the marker when the server is `unsafe`,
    // so this test fails if the network block is removed.
    // (The marker answers JSON, so Mermaid may then fail to decode the image.)
    await engine.render(renderInput('mermaid', attack, 'png', { safeMode: 'unsafe' })).catch((e: unknown) => {
      if (!(e instanceof DiagramSyntaxError)) throw e;
    });
    expect(marker.hits.length).toBeGreaterThan(0);
    // And a plain flowchart still renders in secure mode.
    expectSvg(await engine.render(renderInput('mermaid', flowchart)));
  });

  it('runs no script from the diagram in strict security (labels, click callbacks)', async () => {
    const hostile = [
      // Directives cannot lift the security settings (Mermaid's `secure` list, plus dompurifyConfig).
      '%%{init: {"securityLevel": "loose", "secure": [], "dompurifyConfig": {"ADD_TAGS": ["script"], "ADD_ATTR": ["onerror"]}}}%%',
      'flowchart TD',
      '  A["<img src=x onerror=\'window.__pwned=1\'> Hostile"] --> B["<script>window.__pwned=2</script>Second"]',
      '  B --> C["<a href=\'javascript:window.__pwned=3\'>link</a>"]',
      '  click A call pwn()',
      '  click C "javascript:window.__pwned=4"',
    ].join('\n');
    const svg = (await engine.render(renderInput('mermaid', hostile))).toString('utf8');
    expect(svg).not.toMatch(/onerror|<script|javascript:/i);
    await engine.render(renderInput('mermaid', hostile, 'png')); // the PNG path leaves the SVG on the page's stage
    // Inspect the page the render used (most recently released pages are reused first).
    const seen = await ctx.browser.withPage(mermaidPageKind(2), { signal: AbortSignal.timeout(10_000) }, (page) =>
      page.evaluate(() => {
        const w = window as unknown as {
          __pwned?: number | string;
          pwn?: () => void;
        };
        const before = w.__pwned ?? null;
        // Clicking the node must not call a diagram-named function either.
        w.pwn = () => {
          w.__pwned = 'click callback ran';
        };
        const clickable = [...document.querySelectorAll('#stage .clickable')];
        for (const el of clickable) el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
        const after = w.__pwned ?? null;
        delete w.pwn;
        return { before, after, clickable: clickable.length };
      }),
    );
    expect(seen.clickable).toBeGreaterThan(0); // the diagram really is on the page
    expect(seen.before).toBeNull();
    expect(seen.after).toBeNull();
  });

  it('renders several diagrams in parallel, each with its own labels', async () => {
    const sources = Array.from({ length: 6 }, (_, i) => `graph LR\n  P${i}[Parallel ${i} alpha] --> Q${i}[Parallel ${i} omega]`);
    const outputs = await Promise.all(sources.map((s, i) => engine.render(renderInput('mermaid', s, i % 2 ? 'png' : 'svg'))));
    outputs.forEach((out, i) => {
      if (i % 2) {
        expect(pngSize(out).width).toBeGreaterThan(100);
        return;
      }
      const text = expectSvg(out);
      expect(text).toContain(`Parallel ${i} alpha`);
      expect(text).toContain(`Parallel ${i} omega`);
      for (let j = 0; j < 6; j++) if (j !== i) expect(text).not.toContain(`Parallel ${j} `);
    });
    expect(ctx.browser.stats().kinds.mermaid!.open).toBeLessThanOrEqual(2);
  });

  it('rejects at once when its signal aborts, and the next render works', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pending = engine.render(renderInput('mermaid', large, 'png', { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('client went away')), 30).unref();
    await expect(pending).rejects.toThrow('client went away');
    expect(Date.now() - started).toBeLessThan(1500);
    const text = expectSvg(await engine.render(renderInput('mermaid', flowchart)));
    expect(text).toContain('Celebrate');
  });

  it('recovers when Chromium is killed: in-flight renders fail, the next one relaunches', async () => {
    const pid = ctx.browser.pid();
    expect(pid).toBeGreaterThan(0);
    const restartsBefore = ctx.browser.stats().restarts;
    const inFlight = engine.render(renderInput('mermaid', large, 'png')).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    process.kill(pid!, 'SIGKILL');
    const err = await inFlight;
    // The render either lost the race (crash error) or finished just before the kill.
    if (!Buffer.isBuffer(err)) expect(err).toBeInstanceOf(EngineCrashedError);
    await expect.poll(() => ctx.browser.stats().restarts).toBe(restartsBefore + 1);
    expect(ctx.restarts).toContain('browser');
    const text = expectSvg(await engine.render(renderInput('mermaid', flowchart)));
    expect(text).toContain('Ship it');
    expect(ctx.browser.pid()).not.toBe(pid);
  });
});
