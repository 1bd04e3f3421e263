/**
 * BPMN 2.0 XML drawn by the bpmn-js viewer (`importXML`, then `saveSVG`) in warm pages of
 * the shared Chromium, like Kroki's bpmn companion but with the library loaded once per
 * page. The exported SVG gets the bpmn.io watermark its licence asks for (see
 * page/bpmn-page.js); PNG is a screenshot of that same SVG in the page, drawn with the
 * fonts bpmn-js measured the labels with.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineCrashedError } from '../../errors.js';
import { assetPath } from '../../paths.js';
import type { PageKind } from '../../runtimes/browser-pool.js';
import { packageVersion } from '../_support/package-version.js';
import { pageReady, pagesRuntime, pageSyntaxError } from '../_support/page-kind.js';
import { screenshotSvg } from '../_support/page-screenshot.js';
import { defineEngine } from '../spec.js';

const require = createRequire(import.meta.url);
const BPMN_BUNDLE = path.join(path.dirname(require.resolve('bpmn-js/package.json')), 'dist', 'bpmn-viewer.production.min.js');
const PAGE_DIR = assetPath(import.meta.url, 'page');

/** What `window.studioBpmn.render` returns in the page (see page/bpmn-page.js). */
type PageRenderResult = { ok: true; svg: string } | { ok: false; message: string; line?: number; internal?: boolean };

interface BpmnWindow {
  studioBpmn: { ready: boolean; render(xml: string, keepOnStage: boolean): Promise<PageRenderResult> };
}

/** The pooled BPMN page: our HTML and script plus the viewer bundle, served from disk. */
export function bpmnPageKind(maxPages: number): PageKind {
  return {
    id: 'bpmn',
    maxPages,
    javaScript: true,
    entry: '/bpmn/index.html',
    assets: {
      '/bpmn/index.html': path.join(PAGE_DIR, 'bpmn.html'),
      '/bpmn/bpmn-page.js': path.join(PAGE_DIR, 'bpmn-page.js'),
      '/vendor/bpmn-viewer.production.min.js': BPMN_BUNDLE,
    },
    // A fresh page now and then bounds whatever the viewer keeps between imports.
    maxUses: 2000,
    prepare: pageReady('studioBpmn', 'the BPMN page loaded but bpmn-js did not initialise'),
  };
}

/**
 * The first render in a page opens it (the viewer bundle parsed, the viewer built) and is
 * V8's first run of the import, many times slower than a warm one: warm-ups pay for it.
 */
const WARMUP_DIAGRAM = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"',
  '  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" id="warm" targetNamespace="http://studio">',
  '  <process id="p"><startEvent id="s" name="Start" /><exclusiveGateway id="g" name="Ready?" /><task id="t" name="Warm up" />',
  '    <sequenceFlow id="f1" sourceRef="s" targetRef="g" /><sequenceFlow id="f2" sourceRef="g" targetRef="t" name="yes" /></process>',
  '  <bpmndi:BPMNDiagram id="d"><bpmndi:BPMNPlane id="pl" bpmnElement="p">',
  '    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="36" height="36" /></bpmndi:BPMNShape>',
  '    <bpmndi:BPMNShape id="g_di" bpmnElement="g" isMarkerVisible="true"><dc:Bounds x="180" y="93" width="50" height="50" /></bpmndi:BPMNShape>',
  '    <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="280" y="78" width="100" height="80" /></bpmndi:BPMNShape>',
  '    <bpmndi:BPMNEdge id="f1_di" bpmnElement="f1"><di:waypoint x="136" y="118" /><di:waypoint x="180" y="118" /></bpmndi:BPMNEdge>',
  '    <bpmndi:BPMNEdge id="f2_di" bpmnElement="f2"><di:waypoint x="230" y="118" /><di:waypoint x="280" y="118" /></bpmndi:BPMNEdge>',
  '  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>',
  '</definitions>',
].join('\n');

export const bpmn = defineEngine({
  id: 'bpmn',
  types: ['bpmn'],
  formats: ['svg', 'png'],
  runtime: pagesRuntime('STUDIO_BPMN_PAGES', 'BPMN', bpmnPageKind),
  errorSample: {
    source:
      '<?xml version="1.0" encoding="UTF-8"?>\n<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">\n  <process id="p">\n    <task id="t" name="a"></process>\n</definitions>\n',
    line: 4,
  },
  version: () => packageVersion('bpmn-js'),
  warmUp: { sample: (i) => ({ source: WARMUP_DIAGRAM, format: i % 2 ? 'png' : 'svg' }), renders: () => 4, beforeReady: 1 },
  unavailable() {
    if (!existsSync(BPMN_BUNDLE)) return `The bpmn-js viewer bundle is missing (${BPMN_BUNDLE}).`;
    if (!existsSync(path.join(PAGE_DIR, 'bpmn.html'))) return `The BPMN page is missing (${PAGE_DIR}); the build must copy the engines' page folders.`;
    return null;
  },
  async render(input, { pool, kind }) {
    const picture = input.format === 'png';
    return pool.withPage(kind, { signal: input.signal, allowNetwork: input.safeMode === 'unsafe' }, async (page) => {
      const result = await page.evaluate(([xml, keep]) => (window as unknown as BpmnWindow).studioBpmn.render(xml, keep), [input.source, picture] as const);
      if (!result.ok) {
        if (result.internal) throw new EngineCrashedError(`The BPMN page failed: ${result.message}`);
        throw pageSyntaxError(result.message, result.line, 'bpmn-js could not read the diagram.');
      }
      if (!picture) return Buffer.from(result.svg, 'utf8');
      return screenshotSvg(page, '#stage > svg');
    });
  },
});
