import { describe, expect, it } from 'vitest';
import { bpmn, bpmnPageKind } from '../../../server/engines/bpmn/index.js';
import { packageVersion } from '../../../server/engines/_support/package-version.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { EXAMPLES } from '../../../shared/examples.js';
import { pageEngineTest } from '../../helpers/page-engine.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const setup = pageEngineTest(bpmn, bpmnPageKind(1));
const { engine, onPage } = setup;

const NS =
  'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" ' +
  'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI"';

/** A one-task process with its diagram; `attrs` go on the task's shape, `prolog` before <definitions>. */
function oneTask(name: string, more: { prolog?: string; attrs?: string; inProcess?: string; inDefinitions?: string } = {}): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    more.prolog ?? '',
    `<definitions ${NS} xmlns:bioc="http://bpmn.io/schema/bpmn/biocolor/1.0" xmlns:color="http://www.omg.org/spec/BPMN/non-normative/color/1.0" id="defs" targetNamespace="http://x">`,
    more.inDefinitions ?? '',
    `  <process id="p"><task id="t" name="${name}" />${more.inProcess ?? ''}</process>`,
    '  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">',
    `    <bpmndi:BPMNShape id="t_di" bpmnElement="t" ${more.attrs ?? ''}><dc:Bounds x="100" y="100" width="160" height="80" /></bpmndi:BPMNShape>`,
    '  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>',
    '</definitions>',
  ].join('\n');
}

function rootSize(svg: string): { width: number; height: number; viewBox: number[] } {
  const root = /<svg\b[^>]*>/.exec(svg)![0];
  return {
    width: Number(/\swidth="([\d.]+)"/.exec(root)![1]),
    height: Number(/\sheight="([\d.]+)"/.exec(root)![1]),
    viewBox: /\sviewBox="([^"]+)"/.exec(root)![1]!.split(/\s+/).map(Number),
  };
}

describe('bpmn engine', () => {
  const example = EXAMPLES.find((e) => e.type === 'bpmn')!;

  it('serves bpmn in svg and png with the installed bpmn-js version', () => {
    expect(engine.types).toEqual(['bpmn']);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.runtime).toBe('browser');
    expect(engine.version()).toBe(packageVersion('bpmn-js'));
  });

  it('draws the gallery process to SVG with its labels and the bpmn.io watermark below the diagram', async () => {
    const svg = (await engine.render(renderInput('bpmn', example.source))).toString('utf8');
    const text = expectSvg(svg);
    for (const label of ['Text changed', 'Render', 'diagram', 'Preview shown']) expect(text).toContain(label);
    expect(svg).toContain('created with bpmn-js');
    // The licence's watermark: the bpmn.io logo, linking to bpmn.io, in a strip of its own.
    const mark = /<a class="bjs-powered-by" href="https:\/\/bpmn\.io"[^>]*>[\s\S]*?<svg[^>]*\sy="([\d.]+)"[^>]*>[\s\S]*?<\/a>/.exec(svg);
    expect(mark, 'watermark link').not.toBeNull();
    const { width, height, viewBox } = rootSize(svg);
    expect(viewBox[2]).toBe(width);
    expect(viewBox[3]).toBe(height);
    // The diagram's lowest shape ends at 158 (+ labels); the logo starts below everything bpmn-js exported.
    expect(Number(mark![1])).toBeGreaterThanOrEqual(158);
    expect(Number(mark![1]) + 21).toBeLessThanOrEqual(viewBox[1]! + viewBox[3]!);
  });

  it('draws PNG by screenshot, the size of the SVG, transparent', async () => {
    const svg = (await engine.render(renderInput('bpmn', example.source))).toString('utf8');
    const png = await engine.render(renderInput('bpmn', example.source, 'png'));
    const size = pngSize(png);
    const expected = rootSize(svg);
    expect(Math.abs(size.width - expected.width)).toBeLessThanOrEqual(1);
    expect(Math.abs(size.height - expected.height)).toBeLessThanOrEqual(1);
    expect(png[25]).toBe(6); // colour type 6 = RGBA
  });

  it('reports XML errors with the line moddle names, and other refusals without one', async () => {
    const err = await engine.render(renderInput('bpmn', bpmn.errorSample!.source)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).message).toMatch(/closing tag mismatch/);
    // moddle counts from 0; the message counts like the error's line.
    expect((err as DiagramSyntaxError).message).toMatch(/line: 4 column: 27 /);
    expect((err as DiagramSyntaxError).line).toBe(4);

    const notXml = await engine.render(renderInput('bpmn', 'hello')).catch((e: unknown) => e);
    expect(notXml).toBeInstanceOf(DiagramSyntaxError);
    expect((notXml as DiagramSyntaxError).line).toBe(1);

    const noDiagram = await engine.render(renderInput('bpmn', `<definitions ${NS}><process id="p" /></definitions>`, 'png')).catch((e: unknown) => e);
    expect(noDiagram).toBeInstanceOf(DiagramSyntaxError);
    expect((noDiagram as Error).message).toMatch(/no diagram to display/);

    const notBpmn = await engine.render(renderInput('bpmn', '<svg xmlns="http://www.w3.org/2000/svg"/>')).catch((e: unknown) => e);
    expect(notBpmn).toBeInstanceOf(DiagramSyntaxError);
    // The page is still usable.
    expect(expectSvg(await engine.render(renderInput('bpmn', oneTask('After errors'))))).toContain('After errors');
  });

  it('draws CJK labels with a real CJK font', async () => {
    const label = '审批流程 承認する';
    const text = expectSvg(await engine.render(renderInput('bpmn', oneTask(label))));
    expect(text).toContain('审批流程');
    expect(pngSize(await engine.render(renderInput('bpmn', oneTask(label), 'png'))).width).toBeGreaterThan(100);
    // The PNG render left the picture on the stage: ask Chromium which fonts drew the label.
    const fonts = await onPage(async (page) => {
      const cdp = await page.context().newCDPSession(page);
      try {
        await cdp.send('DOM.enable');
        await cdp.send('CSS.enable');
        const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
        const { nodeIds } = await cdp.send('DOM.querySelectorAll', { nodeId: root.nodeId, selector: '#stage .djs-label tspan, #stage text tspan' });
        const used: Array<{ familyName: string; glyphCount: number }> = [];
        for (const nodeId of nodeIds) used.push(...(await cdp.send('CSS.getPlatformFontsForNode', { nodeId })).fonts);
        return used;
      } finally {
        await cdp.detach();
      }
    });
    const cjk = fonts.filter((f) => /CJK|Noto Sans (SC|JP|TC|KR)|Droid Sans Fallback|WenQuanYi/i.test(f.familyName));
    expect(cjk.length, JSON.stringify(fonts)).toBeGreaterThan(0);
    expect(cjk.reduce((n, f) => n + f.glyphCount, 0)).toBeGreaterThanOrEqual(8);
  });

  it('makes no network request and reads no file in secure mode, whatever the XML references', async () => {
    const M = setup.marker.url;
    const hostile = oneTask(`Fetch &lt;img src=&quot;${M}/label&quot;&gt; &amp;ext;`, {
      prolog: `<!DOCTYPE definitions [ <!ENTITY ext SYSTEM "${M}/entity"> <!ENTITY passwd SYSTEM "file:///etc/passwd"> <!ENTITY % pe SYSTEM "${M}/pe"> %pe; ]>`,
      attrs: `bioc:fill="url(${M}/fill)" bioc:stroke="url(${M}/stroke)" color:background-color="url('${M}/bg')"`,
      inDefinitions: `<import importType="http://www.w3.org/2001/XMLSchema" location="${M}/import.xsd" namespace="http://y" />`,
      inProcess: `<textAnnotation id="a"><text>&amp;passwd; ${M}/annotation</text></textAnnotation><dataStoreReference id="ds" dataStoreRef="${M}/store" />`,
    });
    setup.marker.hits.length = 0;
    for (const safeMode of ['secure', 'unsafe'] as const) {
      for (const format of ['svg', 'png'] as const) {
        const out = await engine.render(renderInput('bpmn', hostile, format, { safeMode })).catch((e: unknown) => e);
        if (!Buffer.isBuffer(out)) throw out;
        if (format === 'svg') expect(out.toString('utf8')).not.toContain('root:');
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    // bpmn-js has nothing that loads a URL, and the page's policy would block it anyway.
    expect(setup.marker.hits).toEqual([]);
  });
});
