import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { adaptiveDebounce, MAX_DEBOUNCE_MS, nextRenderAverage } from '../../../src-renderer/domain/debounce';
import { DIAGRAM_TYPES, diagramTitle, typeFromFileName } from '../../../src-renderer/domain/diagramTypes';
import { EXAMPLES } from '../../../shared/examples';
import { buildLinks, parseEditHash } from '../../../src-renderer/domain/links';
import { comboOf, SHORTCUTS, shortcutFor } from '../../../src-renderer/domain/shortcuts';
import { decodeDiagram, encodeDiagram } from '../../../src-renderer/services/encoding';

/** Every name Kroki registers (kroki-api.md §4), aliases aside. */
const KROKI_TYPES = [
  'plantuml',
  'c4plantuml',
  'ditaa',
  'blockdiag',
  'seqdiag',
  'actdiag',
  'nwdiag',
  'packetdiag',
  'rackdiag',
  'umlet',
  'graphviz',
  'erd',
  'svgbob',
  'symbolator',
  'nomnoml',
  'vega',
  'vegalite',
  'wavedrom',
  'bytefield',
  'pikchr',
  'structurizr',
  'd2',
  'tikz',
  'dbml',
  'wireviz',
  'goat',
  'mermaid',
  'bpmn',
  'excalidraw',
  'diagramsnet',
];

describe('GET encoding', () => {
  it('produces what zlib + base64url produce, and reads it back', async () => {
    const source = 'digraph G {\n  Hello -> "Wörld ✓";\n}\n';
    const encoded = await encodeDiagram(source);
    expect(encoded).toMatch(/^[A-Za-z0-9_=-]+$/);
    // Kroki decodes with zlib inflate: the browser's output must be real zlib (RFC 1950).
    const bytes = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    expect(bytes[0]).toBe(0x78);
    expect(inflateSync(bytes).toString('utf8')).toBe(source);
    expect(await decodeDiagram(encoded)).toBe(source);
  });

  it('decodes what other Kroki clients encode (standard base64, no padding)', async () => {
    const source = '@startuml\nAlice -> Bob\n@enduml';
    const standard = deflateSync(source).toString('base64').replace(/=+$/, '');
    expect(await decodeDiagram(standard)).toBe(source);
  });
});

describe('links', () => {
  const base = { baseUrl: 'http://studio.test/', type: 'graphviz', format: 'svg' as const, title: 'G [x]' };

  it('builds the image URL, the edit link and a Markdown snippet linking them', () => {
    const links = buildLinks({ ...base, encoded: 'eNpLyUwvSizIUHBXqAEAHXcEOQ==', maxUriLength: 4096 });
    expect(links.imageUrl).toBe('http://studio.test/graphviz/svg/eNpLyUwvSizIUHBXqAEAHXcEOQ==');
    expect(links.editUrl).toBe('http://studio.test/#/graphviz/eNpLyUwvSizIUHBXqAEAHXcEOQ==');
    expect(links.markdown).toBe(`[![G x](${links.imageUrl})](${links.editUrl})`);
    expect(links.tooLong).toBe(false);
  });

  it('counts the request line like Kroki and flags URLs over the limit', () => {
    const encoded = 'a'.repeat(100);
    const path = `/graphviz/svg/${encoded}`;
    const exact = buildLinks({ ...base, encoded, maxUriLength: path.length + 13 });
    expect(exact.requestLineLength).toBe(path.length + 13);
    expect(exact.tooLong).toBe(false);
    expect(buildLinks({ ...base, encoded, maxUriLength: path.length + 12 }).tooLong).toBe(true);
  });

  it('parses edit-link hashes and rejects anything else', () => {
    expect(parseEditHash('#/plantuml/SoWkIImgAStDuNBAJrBGjLDmpCbCJbMmKiX8pSd9vt98pKi1IW80')).toEqual({
      type: 'plantuml',
      encoded: 'SoWkIImgAStDuNBAJrBGjLDmpCbCJbMmKiX8pSd9vt98pKi1IW80',
    });
    expect(parseEditHash('#/graphviz')).toBeNull();
    expect(parseEditHash('#/graphviz/abc<script>')).toBeNull();
    expect(parseEditHash('')).toBeNull();
  });
});

describe('diagram types and examples', () => {
  it('knows every Kroki type and has at least one example for each', () => {
    const known = DIAGRAM_TYPES.map((t) => t.type);
    for (const type of KROKI_TYPES) {
      expect(known, type).toContain(type);
      expect(
        EXAMPLES.some((e) => e.type === type && e.source.trim().length > 10),
        `example for ${type}`,
      ).toBe(true);
    }
  });

  it('detects the type from the file extension, multi-part extensions first', () => {
    expect(typeFromFileName('chart.vl.json')).toBe('vegalite');
    expect(typeFromFileName('chart.vg.json')).toBe('vega');
    expect(typeFromFileName('seq.PUML')).toBe('plantuml');
    expect(typeFromFileName('flow.mmd')).toBe('mermaid');
    expect(typeFromFileName('graph.gv')).toBe('graphviz');
    expect(typeFromFileName('a.dot')).toBe('graphviz');
    expect(typeFromFileName('net.d2')).toBe('d2');
    expect(typeFromFileName('p.bpmn')).toBe('bpmn');
    expect(typeFromFileName('s.excalidraw')).toBe('excalidraw');
    expect(typeFromFileName('flow.drawio')).toBe('diagramsnet');
    expect(typeFromFileName('flow.drawio.svg')).toBe('diagramsnet');
    expect(typeFromFileName('picture.svg')).toBeNull();
    expect(typeFromFileName('notes.json')).toBeNull();
    expect(typeFromFileName('README')).toBeNull();
  });

  it('finds a title for the text alternative', () => {
    expect(diagramTitle('@startuml\ntitle Login flow\nA -> B\n@enduml')).toBe('Login flow');
    expect(diagramTitle('digraph Deps {\n a -> b }')).toBe('Deps');
    expect(diagramTitle('graph TD\n A --> B')).toBeNull();
  });
});

describe('adaptive debounce', () => {
  it('never goes below the setting, grows with slow renders, and is capped', () => {
    expect(adaptiveDebounce(250, null)).toBe(250);
    expect(adaptiveDebounce(250, 20)).toBe(250);
    expect(adaptiveDebounce(250, 400)).toBe(800);
    expect(adaptiveDebounce(250, 5000)).toBe(MAX_DEBOUNCE_MS);
  });

  it('averages render times so one slow render does not dominate', () => {
    let avg: number | null = null;
    avg = nextRenderAverage(avg, 20);
    expect(avg).toBe(20);
    avg = nextRenderAverage(avg, 1000);
    expect(avg).toBeCloseTo(314);
    for (let i = 0; i < 10; i++) avg = nextRenderAverage(avg, 20);
    expect(avg).toBeLessThan(30);
  });
});

describe('shortcuts', () => {
  it('has one action per combo', () => {
    const combos = SHORTCUTS.map((s) => s.combo);
    expect(new Set(combos).size).toBe(combos.length);
  });

  it('matches by physical key, with Cmd acting as Ctrl', () => {
    const key = { code: 'KeyS', ctrlKey: false, metaKey: true, altKey: false, shiftKey: false };
    expect(comboOf(key)).toBe('Ctrl+KeyS');
    expect(shortcutFor(key)?.action).toBe('save');
    expect(shortcutFor({ ...key, shiftKey: true })?.action).toBe('saveAs');
    expect(shortcutFor({ code: 'KeyN', ctrlKey: false, metaKey: false, altKey: true, shiftKey: false })?.action).toBe('new');
    expect(shortcutFor({ code: 'KeyN', ctrlKey: false, metaKey: false, altKey: false, shiftKey: false })).toBeUndefined();
  });
});

describe('svgSize', () => {
  it('reads width/height in px or pt, or falls back to the viewBox', async () => {
    const { svgSize } = await import('../../../src-renderer/services/exporter');
    expect(svgSize('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="119px" height="130px"><g/></svg>')).toEqual({
      width: 119,
      height: 130,
    });
    expect(svgSize('<svg width="62pt" height="116pt" viewBox="0 0 62 116">')).toEqual({ width: 62, height: 116 });
    expect(svgSize('<svg id="m" width="100%" viewBox="-8 -8 240.5 300" style="max-width: 240px;">')).toEqual({ width: 240.5, height: 300 });
    expect(svgSize('<svg>')).toEqual({ width: 300, height: 150 });
  });
});
