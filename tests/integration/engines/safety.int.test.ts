/**
 * Secure mode, across engines: diagrams that try each engine's ways to reach out (image
 * and icon URLs, includes, imports, data URLs, file reads) render or are refused, and
 * nothing reaches a marker server on 127.0.0.1 nor does a secret file's text come back.
 * The engines with richer rules have their own tests too (plantuml, mermaid, vega,
 * blockdiag, bpmn, excalidraw, d2); this file holds every engine to the same two facts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '../../../shared/api.js';
import { ENGINES } from '../../../server/engines/index.js';
import type { AnyEngineSpec } from '../../../server/engines/spec.js';
import { StudioError } from '../../../server/errors.js';
import type { LiveEngine } from '../../../server/render/engines.js';
import { testContext, type TestContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { renderInput } from '../../helpers/picture-checks.js';

// Letters and digits only: TeX would turn dashes into other glyphs.
const SECRET = `SECRET${process.pid}X${Date.now()}`;
let dir: string;
let secretFile: string;
let marker: MarkerServer;
let ctx: TestContext;
const engines = new Map<AnyEngineSpec, LiveEngine>();

/** Per type: sources that try to fetch `url` or read `file`. */
const PROBES: Record<string, (url: string, file: string) => string[]> = {
  graphviz: (url, file) => [
    `digraph { a [image="${url}/gv.png"]; b [image="${file}"]; c [shapefile="${file}"] }`,
    `digraph { imagepath="${path.dirname(file)}"; a [image="${path.basename(file)}"] }`,
  ],
  plantuml: (url, file) => [
    `@startuml\n!include ${url}/pu.puml\nA -> B\n@enduml`,
    `@startuml\n!includeurl ${url}/pu2.puml\nA -> B\n@enduml`,
    `@startuml\nA -> B : <img:${url}/pu.png>\n@enduml`,
    `@startuml\n!include ${file}\nA -> B\n@enduml`,
    `@startuml\n!theme foo from ${url}/themes\nA -> B\n@enduml`,
  ],
  c4plantuml: (url) => [`@startuml\n!include ${url}/C4_Context.puml\nPerson(p, "P")\n@enduml`],
  mermaid: (url) => [`graph TD\n  A["<img src='${url}/m.png'>"] --> B\n  click A "${url}/click"`],
  nomnoml: (url, file) => [`#import: ${file}\n[A]->[B]`, `[<actor> ${url}/n.png]`],
  vega: (url) => [JSON.stringify({ $schema: 'https://vega.github.io/schema/vega/v5.json', data: [{ name: 't', url: `${url}/v.json` }], marks: [] })],
  vegalite: (url) => [JSON.stringify({ data: { url: `${url}/vl.json` }, mark: 'bar', encoding: { x: { field: 'a', type: 'nominal' } } })],
  wavedrom: (url) => [JSON.stringify({ signal: [{ name: `<img src="${url}/w.png">`, wave: '01' }] })],
  bytefield: (url, file) => [`(draw-column-headers)\n(draw-box (slurp "${file}"))`, `(draw-box (slurp "${url}/b.txt"))`],
  pikchr: (url) => [`box "${url}/p.png"`],
  dbml: (url) => [`Table users {\n  id integer [note: '${url}/d.png']\n}`],
  erd: (url) => [`[Person]\n*name\n\nPerson 1--* Person {label: "${url}/e.png"}`],
  goat: (url) => [`+--+\n|${url}|\n+--+`],
  // Images on components by URL and by file, and raw DOT through tweak (an image attribute, an <img> in a label).
  wireviz: (url, file) => [
    `connectors:\n  X1:\n    pincount: 1\n    image: {src: '${url}/wv.png', caption: remote}\n  X2:\n    pincount: 1\n    image: {src: '${file}', height: 20}\n`,
    `connectors:\n  X1: {pincount: 1}\ntweak:\n  override:\n    X1: {image: '${file}'}\n  append: ['Y [image="${url}/t.png"]', 'Z [label=<<img src="${file}"/>>]']\n`,
  ],
  blockdiag: (url, file) => [`blockdiag {\n  A -> B;\n  A [icon = "${url}/icon.png"];\n  B [background = "${file}"];\n}`],
  bpmn: (url) => [
    `<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d" targetNamespace="${url}/ns"><import importType="http://www.w3.org/2001/XMLSchema" location="${url}/import.xsd" namespace="x"/><process id="p"><startEvent id="s" name="Start"/></process><bpmndi:BPMNDiagram id="g"><bpmndi:BPMNPlane id="pl" bpmnElement="p"><bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="10" y="10" width="36" height="36"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram></definitions>`,
  ],
  excalidraw: (url) => [
    JSON.stringify({
      type: 'excalidraw',
      version: 2,
      elements: [{ type: 'image', id: 'i', x: 0, y: 0, width: 10, height: 10, fileId: 'f', status: 'saved' }],
      files: { f: { id: 'f', mimeType: 'image/png', dataURL: `${url}/x.png` } },
    }),
  ],
  d2: (url, file) => [`a: {icon: ${url}/d2.svg}\nb: {shape: image; icon: ${file}}`, `...@${file}\nc -> d`],
  svgbob: (url) => [`.---.\n| ${url} |\n'---'`],
  tikz: (url, file) => [
    `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\input{${file}}\n\\end{document}`,
    `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\immediate\\write18{curl ${url}/tex}\n\\tikz \\node {x};\n\\end{document}`,
    `\\documentclass{standalone}\n\\usepackage{tikz}\n\\begin{document}\n\\newread\\f\\openin\\f=${file}\n\\read\\f to\\l \\tikz \\node {\\l};\n\\end{document}`,
  ],
  diagramsnet: (url, file) => [
    `<mxfile><diagram id="d" name="P"><mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/><mxCell id="2" value="&lt;img src=&quot;${url}/label.png&quot;&gt;" style="html=1;" vertex="1" parent="1"><mxGeometry x="10" y="10" width="120" height="60" as="geometry"/></mxCell><mxCell id="3" value="" style="shape=image;image=${url}/shape.png;" vertex="1" parent="1"><mxGeometry x="150" y="10" width="60" height="60" as="geometry"/></mxCell><mxCell id="4" value="" style="shape=image;image=file://${file};" vertex="1" parent="1"><mxGeometry x="220" y="10" width="60" height="60" as="geometry"/></mxCell></root></mxGraphModel></diagram></mxfile>`,
  ],
};

beforeAll(async () => {
  marker = await startMarkerServer();
  dir = mkdtempSync(path.join(os.tmpdir(), 'studio-safety-'));
  secretFile = path.join(dir, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  ctx = testContext({ STUDIO_JVM_WARMUP: '0', STUDIO_SAFE_MODE: 'secure' });
  // The marker really counts: a control request must show up, then the list starts empty.
  await fetch(`${marker.url}/control`);
  expect(marker.hits).toEqual(['/control']);
  marker.hits.length = 0;
});

afterAll(async () => {
  for (const engine of engines.values()) await engine.stop();
  await ctx?.close();
  await marker?.close();
  rmSync(dir, { recursive: true, force: true });
});

function engineFor(type: string): LiveEngine | null {
  const spec = ENGINES.find((s) => s.types.includes(type));
  if (!spec) return null;
  let engine = engines.get(spec);
  if (!engine) {
    engine = ctx.engine(spec);
    engines.set(spec, engine);
  }
  return engine;
}

describe('secure mode keeps every engine to itself', () => {
  // ditaa has no way to name anything outside its text; the blockdiag family shares one parser (blockdiag's probe); dot is graphviz.
  it('has a probe for every type a local engine renders', () => {
    const missing = ENGINES.flatMap((s) => s.types).filter(
      (t) => !(t in PROBES) && !['dot', 'ditaa', 'seqdiag', 'actdiag', 'nwdiag', 'packetdiag', 'rackdiag'].includes(t),
    );
    expect(missing, 'types without a probe here (add their ways to reach out to PROBES)').toEqual([]);
  });

  for (const [type, probes] of Object.entries(PROBES)) {
    it(`${type}: no request leaves and no file is read`, async () => {
      const engine = engineFor(type);
      expect(engine, `a local engine for ${type}`).not.toBeNull();
      const formats: OutputFormat[] = ['svg', ...(engine!.formats.includes('png') ? (['png'] as const) : [])];
      for (const source of probes(marker.url, secretFile)) {
        for (const format of formats) {
          const out = await engine!.render(renderInput(type, source, format, { safeMode: 'secure' })).catch((err: unknown) => err);
          if (out instanceof Error) {
            // Refusing the diagram is fine; failing the server is not.
            expect(out, `${type}/${format}: ${out.message}`).toBeInstanceOf(StudioError);
            expect((out as StudioError).status, out.message).toBeLessThan(500);
            expect(out.message).not.toContain(SECRET);
          } else {
            const raw = Buffer.from(out as Buffer).toString('utf8');
            // Also the text alone: an engine may split a word into spans where a kern falls (dvisvgm).
            expect(raw, `${type}/${format} shows the secret file`).not.toContain(SECRET);
            expect(raw.replace(/<[^>]*>/g, ''), `${type}/${format} shows the secret file`).not.toContain(SECRET);
          }
        }
      }
      // Let a late fetch (an <img> a page loads after the answer) arrive before counting.
      await new Promise((r) => setTimeout(r, 300));
      expect(marker.hits, `requests from ${type}`).toEqual([]);
    });
  }
});
