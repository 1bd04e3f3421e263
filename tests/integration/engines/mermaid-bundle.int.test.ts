/**
 * The Mermaid page loads a bundle with a speed fix (server/engines/mermaid-bundle.ts).
 * These tests render the same diagrams in a page with the fix and in a page with the
 * untouched bundle, in the same Chromium, and require identical SVG; and they check that
 * the fix keeps the library's guard against prototype pollution.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { mermaidConfigFor } from '../../../server/engines/mermaid/config.js';
import { mermaidPageKind } from '../../../server/engines/mermaid/index.js';
import type { PageKind } from '../../../server/runtimes/browser-pool.js';
import { testContext } from '../../helpers/context.js';

const require = createRequire(import.meta.url);
const ORIGINAL_BUNDLE = path.join(path.dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');

const ctx = testContext();
let unpatched = 0;
const fixed = mermaidPageKind(1, () => unpatched++);
const original: PageKind = { ...fixed, id: 'mermaid-original', assets: { ...fixed.assets, '/vendor/mermaid.min.js': ORIGINAL_BUNDLE } };
const config = mermaidConfigFor({}, 'secure', 50_000);

type RenderResult = { ok: true; svg: string } | { ok: false; message: string };
interface StudioWindow {
  studioMermaid: { render(source: string, config: unknown, keep: boolean): Promise<RenderResult> };
}

const inPage = <T>(kind: PageKind, work: (page: Page) => Promise<T>) => ctx.browser.withPage(kind, { signal: AbortSignal.timeout(30_000) }, work);
const render = (kind: PageKind, source: string) =>
  inPage(kind, (page) => page.evaluate(([s, c]) => (window as unknown as StudioWindow).studioMermaid.render(s, c, false), [source, config] as const));

const DIAGRAMS: Record<string, string> = {
  flowchart: 'flowchart TD\n  A[Start] --> B{Is it<br>working?}\n  B -->|Yes| C[Ship it]\n  B -->|No| D[Debug]\n  D --> B\n  subgraph Team\n    C\n  end',
  sequence:
    'sequenceDiagram\n  participant A as Alice\n  participant B as Bob\n  A->>B: Hello\n  alt ok\n    B-->>A: Hi\n  else busy\n    B-->>A: Later\n  end\n  Note over A,B: greeting',
  class: 'classDiagram\n  class Engine {\n    +id: string\n    +render(source) Buffer\n  }\n  Engine <|-- Mermaid\n  Engine "1" --> "*" Page',
  state: 'stateDiagram-v2\n  [*] --> Idle\n  Idle --> Busy: job\n  Busy --> Idle: done\n  Busy --> [*]',
  er: 'erDiagram\n  CUSTOMER ||--o{ ORDER : places\n  ORDER ||--|{ LINE : contains',
  pie: 'pie title Engines\n  "Graphviz" : 40\n  "PlantUML" : 35\n  "Mermaid" : 25',
  gantt:
    'gantt\n  dateFormat YYYY-MM-DD\n  title Release\n  section Build\n  Engines :a1, 2026-01-01, 10d\n  UI :after a1, 5d\n  section Ship\n  Container :2026-01-20, 3d',
  journey: 'journey\n  title Render a diagram\n  section Edit\n    Type source: 5: User\n    See preview: 4: User, Studio',
  gitGraph: 'gitGraph\n  commit id: "one"\n  branch feature\n  commit id: "two"\n  checkout main\n  merge feature id: "three"',
  timeline: 'timeline\n  title Studio\n  2026 : Server : Web UI\n  2027 : Desktop',
  quadrant: 'quadrantChart\n  title Engines\n  x-axis Slow --> Fast\n  y-axis Few --> Many\n  Graphviz: [0.9, 0.4]\n  Mermaid: [0.4, 0.8]',
  xychart: 'xychart-beta\n  title "Renders"\n  x-axis [mon, tue, wed]\n  y-axis "count" 0 --> 100\n  bar [20, 60, 90]\n  line [10, 50, 80]',
  c4: 'C4Context\n  title System\n  Person(user, "User")\n  System(studio, "Kroki Studio")\n  Rel(user, studio, "draws with")',
  requirement:
    'requirementDiagram\n  requirement fast {\n    id: 1\n    text: previews are fast\n    risk: high\n    verifymethod: test\n  }\n  element bench {\n    type: script\n  }\n  bench - verifies -> fast',
  'labels with markup':
    'flowchart LR\n  A["<b>bold</b> and <i>it</i> & more"] --> B["<img src=x onerror=alert(1)> img"]\n  B --> C["#lt;script#gt; as text"]\n  C -->|"<u>edge</u> label"| D[plain text]\n  D --> E["<a href=\'javascript:alert(1)\'>link</a>"]',
  'with directives': '%%{init: {"theme": "dark", "flowchart": {"curve": "basis", "nodeSpacing": 80}}}%%\nflowchart LR\n  A --> B --> C',
};

/** Path data with the random control points of rough.js strokes (C segments) removed. */
const normalise = (svg: string) => svg.replace(/ d="[^"]*C[^"]*"/g, ' d="(curve)"');

afterAll(async () => {
  await ctx.close();
});

describe('Mermaid bundle with the speed fix', () => {
  it('is served patched (the fix matches this Mermaid version)', async () => {
    await ctx.browser.warm(fixed);
    expect(unpatched).toBe(0);
  });

  it.each(Object.entries(DIAGRAMS))('draws %s exactly as the original bundle does', async (_name, source) => {
    const a = await render(fixed, source);
    const b = await render(original, source);
    expect(a.ok, JSON.stringify(a).slice(0, 300)).toBe(true);
    expect(b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.svg.length).toBeGreaterThan(500);
      // Identical, except the hand-drawn strokes some shapes get: random on every render.
      const same = normalise(a.svg) === normalise(b.svg);
      expect(same, `patched:\n${a.svg.slice(0, 2000)}\noriginal:\n${b.svg.slice(0, 2000)}`).toBe(true);
    }
  });

  it("does not carry one diagram's directives into the next render", async () => {
    const plain = DIAGRAMS.flowchart!;
    const before = await render(fixed, plain);
    await render(fixed, DIAGRAMS['with directives']!);
    const after = await render(fixed, plain);
    expect(after).toEqual(before);
  });

  it('gives the same configuration as the original getConfig(), after each kind of change', async () => {
    // A deep dump that keeps what JSON drops: undefined values, functions, key order.
    const dumpConfigs = (kind: PageKind) =>
      inPage(kind, (page) =>
        page.evaluate(
          async ([src]) => {
            type M = {
              initialize(c: unknown): void;
              render(id: string, s: string): Promise<unknown>;
              mermaidAPI: { getConfig(): unknown; setConfig(c: unknown): unknown; reset(): void };
            };
            const m = (window as unknown as { mermaid: M }).mermaid;
            const dump = (v: unknown): unknown =>
              typeof v === 'function'
                ? `fn:${String(v).length}`
                : v === undefined
                  ? 'undefined'
                  : v === null || typeof v !== 'object'
                    ? v
                    : Array.isArray(v)
                      ? v.map(dump)
                      : Object.entries(v).map(([k, x]) => [k, dump(x)]);
            const out: unknown[] = [];
            // The pages have different histories (the pool warms its own up): start both clean.
            m.mermaidAPI.reset();
            m.initialize({
              startOnLoad: false,
              securityLevel: 'strict',
              theme: 'forest',
              themeVariables: { primaryColor: '#ff0000' },
              flowchart: { curve: 'step' },
            });
            out.push(dump(m.mermaidAPI.getConfig()));
            m.mermaidAPI.setConfig({ fontSize: 20, sequence: { mirrorActors: false } });
            out.push(dump(m.mermaidAPI.getConfig()));
            await m.render('cfgprobe', src);
            out.push(dump(m.mermaidAPI.getConfig()));
            m.mermaidAPI.reset();
            out.push(dump(m.mermaidAPI.getConfig()));
            return out;
          },
          [DIAGRAMS['with directives']!] as const,
        ),
      );
    const a = await dumpConfigs(fixed);
    const b = await dumpConfigs(original);
    expect(a).toHaveLength(4);
    for (let i = 0; i < 4; i++) expect(a[i], `config dump #${i}`).toEqual(b[i]);
    // The dumps differ from one step to the next: the probe really changes the config.
    expect(a[0]).not.toEqual(a[1]);
  });

  it('hands out copies: editing what getConfig() returned changes nothing for the next caller', async () => {
    for (const kind of [fixed, original]) {
      const result = await inPage(kind, (page) =>
        page.evaluate(() => {
          type Cfg = { fontFamily: string; flowchart: { htmlLabels: unknown; padding: number }; themeVariables: Record<string, unknown>; secure: string[] };
          const m = (window as unknown as { mermaid: { initialize(c: unknown): void; mermaidAPI: { getConfig(): Cfg } } }).mermaid;
          m.initialize({ startOnLoad: false, securityLevel: 'strict' });
          const first = m.mermaidAPI.getConfig();
          const before = JSON.stringify(first);
          first.fontFamily = 'edited';
          first.flowchart.padding = -1;
          first.themeVariables.primaryColor = 'edited';
          first.secure.push('edited');
          const second = m.mermaidAPI.getConfig();
          return {
            same: JSON.stringify(second) === before,
            distinct: first !== second && first.flowchart !== second.flowchart && first.secure !== second.secure,
          };
        }),
      );
      expect(result, kind.id).toEqual({ same: true, distinct: true });
    }
  });

  it('keeps __proto__ keys in a config from reaching Object.prototype', async () => {
    for (const kind of [fixed, original]) {
      const polluted = await inPage(kind, (page) =>
        page.evaluate(async () => {
          const m = (window as unknown as { mermaid: { initialize(c: unknown): void; mermaidAPI: { getConfig(): unknown } } }).mermaid;
          m.initialize(JSON.parse('{"startOnLoad": false, "__proto__": {"pollutedTop": "yes"}, "flowchart": {"__proto__": {"pollutedNested": "yes"}}}'));
          m.mermaidAPI.getConfig();
          const probe = {} as Record<string, unknown>;
          return [probe.pollutedTop, probe.pollutedNested];
        }),
      );
      expect(polluted, kind.id).toEqual([undefined, undefined]);
    }
  });
});
