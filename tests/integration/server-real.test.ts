/**
 * The whole server over a real socket with its real engines: Kroki's GET encodings,
 * POST bodies, format conversions, errors with lines, and a cancelled request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKrokiSource } from '../../server/api/decode.js';
import { buildApp, type BuiltApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { expectSvg, jpegSize, pngSize } from '../helpers/picture-checks.js';

let app: BuiltApp;
let base: string;

beforeAll(async () => {
  app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', STUDIO_CACHE_BYTES: '0' }), { logger: false });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => app?.close());

const digraph = 'digraph G {\n  Client -> Studio -> Engine\n  Studio -> Cache\n}';

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

describe('real engines over HTTP', () => {
  it('Graphviz: GET svg with Kroki encoding, padded and unpadded', async () => {
    const enc = encodeKrokiSource(digraph);
    const padded = enc + '='.repeat((4 - (enc.length % 4)) % 4);
    for (const e of [enc, padded]) {
      const res = await get(`/graphviz/svg/${e}`);
      expect(res.status).toBe(200);
      expect(res.type).toBe('image/svg+xml');
      const text = expectSvg(res.body);
      for (const label of ['Client', 'Studio', 'Engine', 'Cache']) expect(text).toContain(label);
    }
  });

  it('Graphviz: PNG, JPEG via the jpg alias, and the dot alias', async () => {
    const enc = encodeKrokiSource(digraph);
    const png = await get(`/dot/png/${enc}`);
    expect(png.status).toBe(200);
    const size = pngSize(png.body);
    expect(size.width).toBeGreaterThan(50);
    expect(size.height).toBeGreaterThan(100);
    const jpg = await get(`/graphviz/jpg/${enc}`);
    expect(jpg.type).toBe('image/jpeg');
    expect(jpegSize(jpg.body).width).toBe(size.width);
  });

  it("PlantUML: GET with PlantUML's own encoding and with Kroki's", async () => {
    for (const enc of ['SyfFKj2rKt3CoKnELR1Io4ZDoSa70000', 'eNrjciguSSwqKc3N4XLKT1LQtVNwzMlMTlWwUshIzcnJ53JIzUsBSQIABnMM1A==']) {
      const res = await get(`/plantuml/svg/${enc}`);
      expect(res.status).toBe(200);
      const text = expectSvg(res.body);
      expect(text).toContain('Bob');
      expect(text).toContain('Alice');
    }
  });

  it('PlantUML: POST text → txt, and a syntax error carries its line in JSON', async () => {
    const txt = await fetch(`${base}/plantuml/txt`, { method: 'POST', body: '@startuml\nAlice -> Bob : ping\n@enduml' });
    expect(txt.status).toBe(200);
    const ascii = await txt.text();
    expect(ascii).toContain('Alice');
    expect(ascii).toContain('ping');
    const bad = await fetch(`${base}/plantuml/svg`, {
      method: 'POST',
      body: '@startuml\nAlice -> Bob : ok\nthis is not plantuml (\n@enduml',
      headers: { accept: 'application/json' },
    });
    expect(bad.status).toBe(400);
    const err = (await bad.json()) as { error: { code: number; message: string; line?: number } };
    expect(err.error.code).toBe(400);
    expect(err.error.line).toBe(3);
  });

  it('Graphviz: a syntax error is a 400 with the line, as JSON and as an SVG error image', async () => {
    const src = 'digraph {\n  a -> b\n  b -> -> c\n}';
    const json = await fetch(`${base}/graphviz/svg`, { method: 'POST', body: src, headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    const body = (await json.json()) as { error: { line?: number; message: string } };
    expect(body.error.line).toBe(3);
    const img = await fetch(`${base}/graphviz/svg/${encodeKrokiSource(src)}`, { headers: { accept: 'image/svg+xml,image/*' } });
    expect(img.status).toBe(400);
    expect(expectSvg(Buffer.from(await img.arrayBuffer()))).toContain('Error 400');
  });

  it('blockdiag family: GET png with Kroki encoding, POST svg with options, a refused icon and a syntax error with its line', async () => {
    const png = await get(`/nwdiag/png/${encodeKrokiSource('nwdiag {\n  network dmz {\n    web01;\n  }\n}')}`);
    expect(png.status).toBe(200);
    expect(png.type).toBe('image/png');
    pngSize(png.body);
    const svg = await fetch(`${base}/seqdiag/svg?no-doctype`, { method: 'POST', body: 'seqdiag { browser -> studio [label = "POST"]; }' });
    expect(svg.status).toBe(200);
    const text = await svg.text();
    expect(text).not.toContain('<!DOCTYPE');
    expect(expectSvg(text)).toContain('studio');
    const icon = await fetch(`${base}/blockdiag/svg`, {
      method: 'POST',
      body: 'blockdiag {\n  A [icon = "/etc/hostname"];\n}',
      headers: { accept: 'application/json' },
    });
    expect(icon.status).toBe(400);
    expect(((await icon.json()) as { error: { message: string } }).error.message).toMatch(/icon attribute/);
    const bad = await fetch(`${base}/blockdiag/svg`, { method: 'POST', body: 'blockdiag {\n  A -> B\n  C $ D;\n}', headers: { accept: 'application/json' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { line?: number } }).error.line).toBe(3);
  });

  it('/health lists every engine with its version', async () => {
    const res = await fetch(`${base}/health`);
    const body = (await res.json()) as { checks: { engines: Record<string, { version: string }> } };
    for (const id of ['graphviz', 'plantuml', 'blockdiag']) expect(body.checks.engines[id]?.version).toMatch(/\d/);
  });
});

describe('POST /api/engines/{type}/warm', () => {
  it('starts a cold engine (Mermaid: Chromium and its page) without rendering, and says where other types go', async () => {
    const cold = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { logger: false });
    try {
      type Info = { type: string; engine?: { state: string } };
      const mermaidState = async () => ((await cold.inject({ url: '/api/engines' })).json().types as Info[]).find((t) => t.type === 'mermaid')!.engine!.state;
      const renders = async () =>
        /studio_render_duration_seconds_count\{[^}]*engine="mermaid"[^}]*\} (\d+)/.exec((await cold.inject({ url: '/metrics' })).body)?.[1] ?? '0';
      expect(await mermaidState()).toBe('idle');

      const res = await cold.inject({ method: 'POST', url: '/api/engines/mermaid/warm' });
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ type: 'mermaid', placement: 'local', engine: { id: 'mermaid', runtime: 'browser', state: 'starting' } });

      const deadline = Date.now() + 30_000;
      while ((await mermaidState()) !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await mermaidState()).toBe('ready');
      expect(await renders()).toBe('0');

      // Warm already: 200, nothing started again.
      const again = await cold.inject({ method: 'POST', url: '/api/engines/mermaid/warm' });
      expect(again.statusCode).toBe(200);
      expect(again.json().engine.state).toBe('ready');

      const upstreamOnly = await cold.inject({ method: 'POST', url: '/api/engines/structurizr/warm' });
      expect(upstreamOnly.statusCode).toBe(200);
      expect(upstreamOnly.json()).toEqual({ type: 'structurizr', placement: 'unavailable' });

      const unknown = await cold.inject({ method: 'POST', url: '/api/engines/nosuchtype/warm', headers: { accept: 'application/json' } });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.message).toBe('Unknown diagram type: nosuchtype. GET /api/engines lists the types.');

      const wrongMethod = await cold.inject({ method: 'GET', url: '/api/engines/mermaid/warm', headers: { accept: 'application/json' } });
      expect(wrongMethod.statusCode).toBe(405);
      expect(wrongMethod.headers.allow).toBe('POST');

      // The warmed engine draws the first real diagram, and that one is counted (so the
      // zero above was a real reading of the counter, not a pattern that never matches).
      const drawn = await cold.inject({
        method: 'POST',
        url: '/mermaid/svg',
        payload: 'graph TD\n  Warm --> Ready',
        headers: { 'content-type': 'text/plain' },
      });
      expect(drawn.statusCode).toBe(200);
      const text = expectSvg(drawn.rawPayload);
      for (const label of ['Warm', 'Ready']) expect(text).toContain(label);
      expect(await renders()).toBe('1');
    } finally {
      await cold.close();
    }
  });
});
