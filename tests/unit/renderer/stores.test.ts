// @vitest-environment happy-dom
/**
 * Store logic with a scripted StudioApi transport: the ordering rules (stale answers,
 * kept pictures) are about timing, which a real server cannot be told to produce on
 * demand. The real transport and engines are covered by tests/e2e.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EnginesResponse } from '../../../shared/api';
import { setStudioApi } from '../../../src-renderer/services/api';
import { parseErrorBody } from '../../../src-renderer/services/HttpStudioApi';
import { STORAGE_KEYS } from '../../../src-renderer/services/storage';
import { RenderAborted, RenderError, type RenderRequest, type RenderResult, type StudioApi } from '../../../src-renderer/services/StudioApi';
import { useDocumentsStore } from '../../../src-renderer/stores/documents';
import { useEnginesStore } from '../../../src-renderer/stores/engines';
import { usePreviewStore } from '../../../src-renderer/stores/preview';
import { useSettingsStore } from '../../../src-renderer/stores/settings';

interface Call {
  request: RenderRequest;
  resolve(svg: string): void;
  reject(error: Error): void;
}

/** A transport whose answers the test releases one by one, in any order. */
class ScriptedApi implements StudioApi {
  calls: Call[] = [];
  render(request: RenderRequest): Promise<RenderResult> {
    return new Promise((resolve, reject) => {
      request.signal?.addEventListener('abort', () => reject(new RenderAborted()));
      this.calls.push({
        request,
        resolve: (svg) => resolve({ bytes: new TextEncoder().encode(svg), contentType: 'image/svg+xml', durationMs: 10 }),
        reject,
      });
    });
  }
  async engines(): Promise<EnginesResponse> {
    return {
      upstream: { url: null },
      safeMode: 'secure',
      types: [
        { type: 'graphviz', placement: 'local', policy: 'auto', formats: ['svg', 'png', 'pdf'], localFormats: ['svg'], upstreamFormats: ['svg'] },
        { type: 'dot', aliasOf: 'graphviz', placement: 'local', policy: 'auto', formats: ['svg'], localFormats: ['svg'], upstreamFormats: ['svg'] },
        { type: 'd2', placement: 'unavailable', policy: 'auto', formats: [], localFormats: [], upstreamFormats: ['svg'], message: 'set KROKI_URL' },
      ],
    };
  }
  async serverInfo() {
    return { maxUriLength: 8192, version: '1.0', upstream: null, baseUrl: 'http://s/' };
  }
  async health(): Promise<never> {
    throw new Error('unused');
  }
}

const flush = () => new Promise((r) => setTimeout(r, 0));

let api: ScriptedApi;
beforeEach(() => {
  localStorage.clear();
  api = new ScriptedApi();
  setStudioApi(api);
  setActivePinia(createPinia());
  globalThis.URL.createObjectURL ??= () => 'blob:x';
  globalThis.URL.revokeObjectURL ??= () => undefined;
});
afterEach(() => {
  usePreviewStore().stop();
  vi.useRealTimers();
});

describe('documents store', () => {
  it('starts with one document and loads the example when an empty document changes type', () => {
    const docs = useDocumentsStore();
    expect(docs.documents).toHaveLength(1);
    const doc = docs.active!;
    docs.updateSource(doc.id, '');
    docs.setType(doc.id, 'graphviz');
    expect(doc.type).toBe('graphviz');
    expect(doc.source).toContain('digraph');
    expect(doc.name).toBe('untitled.dot');
    // A non-empty document keeps its text when the type changes.
    docs.updateSource(doc.id, 'my text');
    docs.setType(doc.id, 'plantuml');
    expect(doc.source).toBe('my text');
  });

  it('saves drafts shortly after a change and restores them in a new session', async () => {
    vi.useFakeTimers();
    const docs = useDocumentsStore();
    docs.openText('flow.vl.json', '{"mark":"bar"}');
    expect(docs.active!.type).toBe('vegalite');
    docs.updateSource(docs.active!.id, '{"mark":"line"}');
    await vi.advanceTimersByTimeAsync(400);
    setActivePinia(createPinia());
    const restored = useDocumentsStore();
    expect(restored.restoredDrafts).toBe(true);
    expect(restored.documents.map((d) => d.name)).toEqual(['untitled.mmd', 'flow.vl.json']);
    expect(restored.active!.source).toBe('{"mark":"line"}');
    expect(restored.recent[0]?.name).toBe('flow.vl.json');
  });

  it('keeps closed tabs and reopens the last one where it was, with its text', () => {
    const docs = useDocumentsStore();
    const a = docs.active!;
    const b = docs.create({ type: 'graphviz', source: 'digraph { kept }' });
    const c = docs.create({ type: 'd2', source: 'x -> y' });
    docs.close(b.id);
    expect(docs.documents.map((d) => d.id)).toEqual([a.id, c.id]);
    expect(docs.closed.map((e) => e.doc.source)).toEqual(['digraph { kept }']);
    const back = docs.reopenClosed()!;
    expect(back.source).toBe('digraph { kept }');
    expect(docs.documents.map((d) => d.id)).toEqual([a.id, b.id, c.id]);
    expect(docs.active!.id).toBe(b.id);
    expect(docs.reopenClosed()).toBeNull();
    // An empty untitled tab is not kept.
    const empty = docs.create({ type: 'graphviz', source: '' });
    docs.close(empty.id);
    expect(docs.closed).toEqual([]);
  });

  it('reloads a document from disk as its saved state and finds it by path', () => {
    const docs = useDocumentsStore();
    const doc = docs.openText('a.puml', '@startuml\nA -> B\n@enduml', undefined, { path: '/w/a.puml', mtimeMs: 1 });
    expect(docs.findByPath('/w/a.puml')?.id).toBe(doc.id);
    docs.updateSource(doc.id, 'edited');
    expect(docs.isDirty(doc)).toBe(true);
    docs.reload(doc.id, 'from disk', 2);
    expect(doc).toMatchObject({ source: 'from disk', savedSource: 'from disk', mtimeMs: 2 });
    expect(docs.isDirty(doc)).toBe(false);
  });

  it('cycles tabs and never leaves zero documents', () => {
    const docs = useDocumentsStore();
    const a = docs.active!;
    const b = docs.create({ type: 'graphviz' });
    expect(docs.active!.id).toBe(b.id);
    docs.cycle(1);
    expect(docs.active!.id).toBe(a.id);
    docs.cycle(-1);
    expect(docs.active!.id).toBe(b.id);
    docs.close(a.id);
    docs.close(b.id);
    expect(docs.documents).toHaveLength(1);
  });
});

describe('preview store', () => {
  it('never lets an older answer replace a newer picture', async () => {
    const preview = usePreviewStore();
    preview.render({ id: 'd', type: 'graphviz', source: 'v1' });
    preview.render({ id: 'd', type: 'graphviz', source: 'v2' });
    // v2 waits behind v1 (v1 is young, so it is not cancelled).
    expect(api.calls).toHaveLength(1);
    api.calls[0]!.resolve('<svg>v1</svg>');
    await flush();
    expect(preview.byDocument.d!.picture!.svgText).toBe('<svg>v1</svg>');
    expect(api.calls).toHaveLength(2);
    expect(api.calls[1]!.request.source).toBe('v2');
    api.calls[1]!.resolve('<svg>v2</svg>');
    await flush();
    expect(preview.byDocument.d!.picture!.svgText).toBe('<svg>v2</svg>');
    expect(preview.byDocument.d!.rendering).toBe(false);
  });

  it("after a type switch shows the new type's result or its error, never the old engine's picture", async () => {
    const preview = usePreviewStore();
    preview.render({ id: 'd', type: 'graphviz', source: 'digraph { a }' });
    api.calls[0]!.resolve('<svg>graphviz</svg>');
    await flush();
    expect(preview.visiblePicture('d', 'graphviz')?.svgText).toBe('<svg>graphviz</svg>');
    // Same text, now as PlantUML: until PlantUML answers, no picture is shown as PlantUML's.
    preview.render({ id: 'd', type: 'plantuml', source: 'digraph { a }' });
    expect(preview.visiblePicture('d', 'plantuml')).toBeNull();
    api.calls[1]!.reject(new RenderError('Syntax Error?', 400, 1));
    await flush();
    expect(preview.visiblePicture('d', 'plantuml')).toBeNull();
    expect(preview.byDocument.d!.error).toMatchObject({ message: 'Syntax Error?', type: 'plantuml', line: 1 });
    preview.render({ id: 'd', type: 'plantuml', source: '@startuml\nA -> B\n@enduml' });
    api.calls[2]!.resolve('<svg>plantuml</svg>');
    await flush();
    expect(preview.visiblePicture('d', 'plantuml')?.svgText).toBe('<svg>plantuml</svg>');
    expect(preview.visiblePicture('d', 'graphviz')).toBeNull();
  });

  it('cancels a long-running render when newer text arrives', async () => {
    const preview = usePreviewStore();
    const now = vi.spyOn(performance, 'now');
    now.mockReturnValue(0);
    preview.render({ id: 'd', type: 'graphviz', source: 'slow' });
    now.mockReturnValue(5000);
    preview.render({ id: 'd', type: 'graphviz', source: 'new' });
    now.mockRestore();
    expect(api.calls.map((c) => c.request.signal?.aborted)).toEqual([true, false]);
    api.calls[1]!.resolve('<svg>new</svg>');
    await flush();
    expect(preview.byDocument.d!.picture!.svgText).toBe('<svg>new</svg>');
  });

  it('keeps the last good picture and reports the error line', async () => {
    const preview = usePreviewStore();
    preview.render({ id: 'd', type: 'plantuml', source: 'good' });
    api.calls[0]!.resolve('<svg>good</svg>');
    await flush();
    preview.render({ id: 'd', type: 'plantuml', source: 'bad' });
    api.calls[1]!.reject(new RenderError('Syntax Error? (line: 2)', 400, 2));
    await flush();
    const state = preview.byDocument.d!;
    expect(state.picture!.svgText).toBe('<svg>good</svg>');
    expect(state.error).toMatchObject({ line: 2, status: 400 });
  });

  it('waits the adaptive delay before rendering typed text', async () => {
    vi.useFakeTimers();
    useSettingsStore().debounceMs = 200;
    const preview = usePreviewStore();
    preview.schedule({ id: 'd', type: 'graphviz', source: 'a' });
    preview.schedule({ id: 'd', type: 'graphviz', source: 'ab' });
    await vi.advanceTimersByTimeAsync(150);
    expect(api.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(60);
    expect(api.calls.map((c) => c.request.source)).toEqual(['ab']);
  });
});

describe('engines store', () => {
  it('lists every Kroki type with its placement, folding aliases', async () => {
    const engines = useEnginesStore();
    expect(engines.choices.every((c) => c.placement === 'unknown')).toBe(true);
    await engines.load();
    expect(engines.choiceFor('graphviz')?.placement).toBe('local');
    expect(engines.choiceFor('dot')?.type).toBe('graphviz');
    expect(engines.choices.some((c) => c.type === 'dot')).toBe(false);
    expect(engines.choiceFor('d2')?.placement).toBe('unavailable');
    // Types the server did not list at all are marked unavailable, not hidden.
    expect(engines.choiceFor('tikz')?.placement).toBe('unavailable');
    expect(engines.choices[0]?.placement).toBe('local');
    expect(engines.maxUriLength).toBe(8192);
  });
});

describe('settings store', () => {
  it('persists choices and resolves the system theme', () => {
    const settings = useSettingsStore();
    settings.systemPrefersDark = true;
    expect(settings.resolvedTheme).toBe('dark');
    settings.toggleTheme();
    expect(settings.theme).toBe('light');
    settings.setSplitRatio(2);
    expect(settings.splitRatio).toBe(0.85);
    expect(JSON.parse(localStorage.getItem(STORAGE_KEYS.settings)!)).toMatchObject({ theme: 'light', splitRatio: 0.85 });
  });
});

describe('HTTP error bodies', () => {
  it('reads Kroki JSON errors with a line, and plain text errors', () => {
    const json = new TextEncoder().encode('{"error":{"code":400,"message":"Syntax Error? (line: 3)","line":3}}').buffer;
    expect(parseErrorBody(400, json)).toMatchObject({ message: 'Syntax Error? (line: 3)', status: 400, line: 3 });
    expect(parseErrorBody(503, 'Error 503: Service Unavailable')).toMatchObject({ status: 503, line: null });
  });
});

describe('document names', () => {
  it('follow the type of an unsaved document without renaming it against itself', () => {
    const docs = useDocumentsStore();
    const doc = docs.active!;
    docs.setType(doc.id, 'plantuml');
    expect(doc.name).toBe('untitled.puml');
    docs.setType(doc.id, 'plantuml');
    expect(doc.name).toBe('untitled.puml');
    const other = docs.create({ type: 'plantuml' });
    expect(other.name).toBe('untitled-2.puml');
  });
});

describe('HttpStudioApi against a real server', () => {
  it('sends the secret when the server requires one', async () => {
    const { buildApp } = await import('../../../server/app.js');
    const { loadConfig } = await import('../../../server/config.js');
    const { HttpStudioApi } = await import('../../../src-renderer/services/HttpStudioApi');
    const app = await buildApp(loadConfig({ STUDIO_SECRET: 's3cret', STUDIO_PRELOAD: 'none', KROKI_URL: '' }), { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address() as { port: number };
      const base = `http://127.0.0.1:${address.port}/`;
      await expect(new HttpStudioApi(base).engines()).rejects.toThrow(/401/);
      const engines = await new HttpStudioApi(base, 's3cret').engines();
      expect(engines.types.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});
