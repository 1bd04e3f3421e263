/**
 * The Kroki HTTP contract, pinned down through inject() with the echo engine (so the test
 * sees exactly which source, format and options reached the engine). Real engines are
 * exercised in their own tests and in server.int.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKrokiSource } from '../../server/api/decode.js';
import { buildApp, type BuiltApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { echoEngine, type EchoControl } from '../helpers/echo-engine.js';

const control: EchoControl = { renders: 0, release: () => {} };
let app: BuiltApp;

beforeAll(async () => {
  const config = loadConfig({
    STUDIO_PRELOAD: 'none',
    LOG_LEVEL: 'silent',
    KROKI_MAX_URI_LENGTH: '2048',
    KROKI_BODY_LIMIT: '65536',
    STUDIO_QUEUE_LIMIT: '1',
    KROKI_CORS_ALLOWED_HEADERS: 'Kroki-Diagram-Options-Theme',
  });
  app = await buildApp(config, { engines: [echoEngine(control)], logger: false });
  await app.ready();
});
afterAll(async () => app?.close());

const svgText = (body: string) => /<text>([\s\S]*)<\/text>/.exec(body)?.[1]?.replace(/&lt;/g, '<').replace(/&amp;/g, '&');

describe('GET /{type}/{format}/{encoded}', () => {
  it('renders the decoded source with query options', async () => {
    const res = await app.inject({ url: `/echo/svg/${encodeKrokiSource('hello')}?theme=dark` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['cache-control']).toBe('public, max-age=432000');
    expect(svgText(res.body)).toBe('hello|{"theme":"dark"}');
  });

  it('serves aliases, upper-case formats, jpg-style aliases and collapses //', async () => {
    const enc = encodeKrokiSource('x');
    expect((await app.inject({ url: `/echo-alias/SVG/${enc}` })).statusCode).toBe(200);
    expect((await app.inject({ url: `//echo//svg/${enc}` })).statusCode).toBe(200);
    const txt = await app.inject({ url: `/echo/txt/${enc}` });
    expect(txt.headers['content-type']).toBe('text/plain');
    expect(txt.body).toBe('x|{}');
  });

  it('answers 400 for a bad format, naming the allowed ones', async () => {
    const res = await app.inject({ url: `/echo/gif/${encodeKrokiSource('x')}` });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('Error 400: Unsupported output format: gif for echo. Must be one of svg, png or txt.');
  });

  it('answers 400 for undecodable sources and 404 for unknown types', async () => {
    const bad = await app.inject({ url: '/echo/svg/abc+def' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('Error 400: Unable to decode the source. The source is not in valid Base64 scheme.');
    const unknown = await app.inject({ url: `/nosuch/svg/${encodeKrokiSource('x')}` });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toBe('Error 404: Not Found');
  });

  it('returns an ETag covering format and options, and 304 for If-None-Match', async () => {
    const enc = encodeKrokiSource('etag me');
    const a = await app.inject({ url: `/echo/svg/${enc}` });
    const b = await app.inject({ url: `/echo/txt/${enc}` });
    const c = await app.inject({ url: `/echo/svg/${enc}?scale=2` });
    expect(a.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(new Set([a.headers.etag, b.headers.etag, c.headers.etag]).size).toBe(3);
    const before = control.renders;
    const again = await app.inject({ url: `/echo/svg/${enc}`, headers: { 'if-none-match': String(a.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(control.renders).toBe(before);
  });

  it('serves repeated renders from the cache', async () => {
    const url = `/echo/svg/${encodeKrokiSource(`cache ${Date.now()}`)}`;
    const first = await app.inject({ url });
    const before = control.renders;
    const second = await app.inject({ url });
    expect(first.headers['x-studio-cache']).toBe('miss');
    expect(second.headers['x-studio-cache']).toBe('hit');
    expect(second.body).toBe(first.body);
    expect(control.renders).toBe(before);
  });

  it('a repeated GET (its source and keys remembered) counts one miss and one hit, and options still make their own picture', async () => {
    const counter = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec((await app.inject({ url: '/metrics' })).body)?.[1] ?? NaN);
    const url = `/echo/svg/${encodeKrokiSource(`memo ${Date.now()}`)}`;
    const [hits, misses] = [await counter('studio_cache_hits_total'), await counter('studio_cache_misses_total')];
    const first = await app.inject({ url });
    const second = await app.inject({ url });
    expect([first.headers['x-studio-cache'], second.headers['x-studio-cache']]).toEqual(['miss', 'hit']);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(await counter('studio_cache_hits_total')).toBe(hits + 1);
    expect(await counter('studio_cache_misses_total')).toBe(misses + 1);
    const scaled = await app.inject({ url, headers: { 'kroki-diagram-options-scale': '2' } });
    expect(scaled.headers['x-studio-cache']).toBe('miss');
    expect(scaled.headers.etag).not.toBe(first.headers.etag);
    const plain = await app.inject({ url });
    expect(plain.headers.etag).toBe(first.headers.etag);
    expect(plain.headers['x-studio-cache']).toBe('hit');
  });

  it("answers 414 past KROKI_MAX_URI_LENGTH with Kroki's message", async () => {
    const res = await app.inject({ url: `/echo/svg/${'A'.repeat(3000)}` });
    expect(res.statusCode).toBe(414);
    expect(res.body).toMatch(/^Error 414: The request URI's length exceeds 2048\. You can update this value by setting KROKI_MAX_URI_LENGTH/);
  });

  it('refuses a GET whose decompressed source exceeds the body limit (zlib bomb)', async () => {
    const { deflateSync } = await import('node:zlib');
    const bomb = deflateSync(Buffer.alloc(1024 * 1024, 0x41)).toString('base64url');
    expect(bomb.length).toBeLessThan(2000);
    const res = await app.inject({ url: `/echo/svg/${bomb}` });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/larger than the limit of 65536 bytes/);
  });
});

describe('POST', () => {
  it('takes a text body with the format in the path', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo/svg', payload: '  keep me  ', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(svgText(res.body)).toBe('  keep me  |{}');
  });

  it('picks the format from Accept, honouring q-values', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      payload: 'x',
      headers: { 'content-type': 'text/plain', accept: 'text/plain;q=0.5, image/svg+xml' },
    });
    expect(res.headers['content-type']).toBe('image/svg+xml');
  });

  it('explains a missing or unmatched Accept', async () => {
    const none = await app.inject({ method: 'POST', url: '/echo', payload: 'x', headers: { 'content-type': 'text/plain' } });
    expect(none.statusCode).toBe(400);
    expect(none.body).toBe('Error 400: Output format is undefined. Must be defined as part of the query path or as an Accept header.');
    const html = await app.inject({ method: 'POST', url: '/echo', payload: 'x', headers: { 'content-type': 'text/plain', accept: 'application/xml' } });
    expect(html.statusCode).toBe(400);
    expect(html.body).toMatch(
      /Content negotiation failed, no output format found for the following MIME types: application\/xml\. Must be one of image\/svg\+xml, image\/png or text\/plain for echo\./,
    );
  });

  it('takes JSON with options; JSON beats headers beats query', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo?theme=q&a=1',
      headers: { 'content-type': 'application/json', 'kroki-diagram-options-theme': 'h', 'Kroki-Diagram-Options-B': '2' },
      payload: JSON.stringify({ diagram_source: 'src', output_format: 'svg', diagram_options: { theme: 'j' } }),
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(svgText(res.body)!.split('|')[1]!)).toEqual({ theme: 'j', a: '1', b: '2' });
  });

  it('POST / needs diagram_type and validates it', async () => {
    const ok = await app.inject({ method: 'POST', url: '/', payload: { diagram_source: 'a', diagram_type: 'echo', output_format: 'txt' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('a|{}');
    const cases: Array<[unknown, string]> = [
      [{}, 'Field diagram_source must not be empty.'],
      [{ diagram_source: 'a' }, 'Field diagram_type must not be empty.'],
      [{ diagram_source: 'a', diagram_type: 'echo' }, 'Field output_format must not be empty.'],
      [{ diagram_source: 'a', diagram_type: 'nope', output_format: 'svg' }, 'Unsupported diagram type: nope. Must be one of'],
    ];
    for (const [payload, message] of cases) {
      const res = await app.inject({ method: 'POST', url: '/', payload: payload as object, headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
  });

  it('answers 400 (not 500) for invalid JSON and for an empty body', async () => {
    const bad = await app.inject({ method: 'POST', url: '/echo/svg', payload: '{"diagram_source":', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/^Error 400: Request body is not valid JSON/);
    const empty = await app.inject({ method: 'POST', url: '/echo/svg', payload: '', headers: { 'content-type': 'text/plain' } });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toBe('Error 400: Request body must not be empty.');
  });

  it('answers 413 past the body limit', async () => {
    const res = await app.inject({ method: 'POST', url: '/echo/svg', payload: 'x'.repeat(70_000), headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(413);
    expect(res.body).toMatch(/larger than the limit of 65536 bytes/);
  });

  it('405 with Allow: POST for other methods, after validating the format', async () => {
    const get = await app.inject({ method: 'GET', url: '/echo' });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    expect(get.body).toBe('Error 405: Method not allowed. Please use a POST request.');
    expect((await app.inject({ method: 'PUT', url: '/echo/svg' })).statusCode).toBe(405);
    expect((await app.inject({ method: 'DELETE', url: '/echo/gif' })).statusCode).toBe(400);
  });
});

describe('error bodies are negotiated', () => {
  const url = `/echo/svg/${encodeKrokiSource('error at 3')}`;

  it('JSON carries the line', async () => {
    const res = await app.inject({ url, headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 400, message: 'echo: syntax error', line: 3 } });
  });

  it('HTML, text and the SVG error image for browsers', async () => {
    const html = await app.inject({ url, headers: { accept: 'text/html' } });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('echo: syntax error');
    const text = await app.inject({ url, headers: { accept: '*/*' } });
    expect(text.body).toBe('Error 400: echo: syntax error');
    const img = await app.inject({ url, headers: { accept: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8' } });
    expect(img.statusCode).toBe(400);
    expect(img.headers['content-type']).toBe('image/svg+xml');
    expect(img.body).toContain('Error 400: echo: syntax error</tspan>');
  });
});

describe('limits, CORS and service routes', () => {
  it('a full queue answers 503 with Retry-After', async () => {
    const hold1 = app.inject({ method: 'POST', url: '/echo/svg', payload: 'hold 1' });
    const hold2 = app.inject({ method: 'POST', url: '/echo/svg', payload: 'hold 2' });
    await new Promise((r) => setTimeout(r, 50));
    const busy = await app.inject({ method: 'POST', url: '/echo/svg', payload: 'hold 3' });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    expect(busy.body).toMatch(/busy/);
    control.release();
    await new Promise((r) => setTimeout(r, 20));
    control.release();
    expect((await hold1).statusCode).toBe(200);
    expect((await hold2).statusCode).toBe(200);
  });

  it('answers CORS preflights with the allowed headers', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/echo/svg',
      headers: { origin: 'http://localhost', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toBe('Access-Control-Allow-Origin,Origin,Content-Type,Accept,Kroki-Diagram-Options-Theme');
    const nullOrigin = await app.inject({ url: `/echo/svg/${encodeKrokiSource('x')}`, headers: { origin: 'null' } });
    expect(nullOrigin.statusCode).toBe(200);
    expect(nullOrigin.headers['access-control-allow-origin']).toBe('*');
  });

  it('lists engines and config', async () => {
    const engines = (await app.inject({ url: '/api/engines' })).json();
    const echo = engines.types.find((t: { type: string }) => t.type === 'echo');
    expect(echo).toMatchObject({ placement: 'local', formats: ['svg', 'png', 'txt'], engine: { id: 'echo', version: '1.0.0' } });
    const mermaid = engines.types.find((t: { type: string }) => t.type === 'blockdiag');
    expect(mermaid.placement).toBe('unavailable');
    expect(mermaid.message).toMatch(/set KROKI_URL/);
    expect((await app.inject({ url: '/api/config' })).json()).toMatchObject({ maxUriLength: 2048, safeMode: 'secure', upstream: null });
  });

  it('an upstream-only type without an upstream is a clear 503', async () => {
    const res = await app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'blockdiag { a -> b }', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toMatch(/No engine renders blockdiag here\..*KROKI_URL/);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/studio_render_duration_seconds_bucket\{[^}]*engine="echo"/);
    expect(res.body).toMatch(/studio_cache_hits_total \d+/);
    expect(res.body).toContain('studio_engine_queue_depth{engine="echo"}');
    expect(res.body).toContain('studio_engine_restarts_total');
  });

  it('/healthz and /v1/health answer like Kroki', async () => {
    for (const url of ['/healthz', '/v1/health', '//health']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
    }
    const res = await app.inject({ url: '/healthz' });
    expect(res.headers['content-type']).toBe('application/health+json');
    expect(res.json()).toMatchObject({ status: 'pass', version: { echo: '1.0.0' } });
  });
});

describe('DNS-rebinding guard', () => {
  it('a loopback server refuses foreign Host names and accepts loopback ones', async () => {
    const guarded = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [echoEngine()], logger: false });
    try {
      const evil = await guarded.inject({ url: '/api/config', headers: { host: 'evil.example:8080' } });
      expect(evil.statusCode).toBe(403);
      expect(evil.body).toMatch(/Host "evil.example:8080" is not allowed/);
      for (const host of ['127.0.0.1:8080', 'localhost:8080', '[::1]:8080', 'localhost'])
        expect((await guarded.inject({ url: '/api/config', headers: { host } })).statusCode).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('STUDIO_SECRET', () => {
  it('guards render, /api and /metrics routes; health stays open', async () => {
    const locked = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', STUDIO_SECRET: 's3cret' }), {
      engines: [echoEngine()],
      logger: false,
    });
    try {
      const url = `/echo/svg/${encodeKrokiSource('x')}`;
      expect((await locked.inject({ method: 'POST', url: '/api/engines/echo/warm' })).statusCode).toBe(401);
      for (const u of [url, '/api/engines', '/metrics']) {
        const res = await locked.inject({ url: u });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      }
      expect((await locked.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
      expect((await locked.inject({ url, headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
      expect((await locked.inject({ url, headers: { 'x-studio-secret': 's3cret' } })).statusCode).toBe(200);
      expect((await locked.inject({ method: 'POST', url: '/', payload: { diagram_source: 'a', diagram_type: 'echo', output_format: 'svg' } })).statusCode).toBe(
        401,
      );
      expect((await locked.inject({ url: '/health' })).statusCode).toBe(200);
      expect((await locked.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await locked.close();
    }
  });
});

describe('render time limit', () => {
  it('cancels a render past STUDIO_RENDER_TIMEOUT_MS with 504, and the engine serves the next one', async () => {
    const held: EchoControl = { renders: 0, release: () => {} };
    const slow = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', STUDIO_RENDER_TIMEOUT_MS: '300' }), {
      engines: [echoEngine(held)],
      logger: false,
    });
    try {
      const started = Date.now();
      const res = await slow.inject({ method: 'POST', url: '/echo/svg', payload: 'hold forever', headers: { accept: 'application/json' } });
      expect(res.statusCode).toBe(504);
      expect(res.json().error.message).toBe('The echo engine did not finish within 300 ms; the render was cancelled.');
      expect(Date.now() - started).toBeLessThan(3000);
      const next = await slow.inject({ method: 'POST', url: '/echo/txt', payload: 'fine' });
      expect(next.statusCode).toBe(200);
      expect(next.body).toBe('fine|{}');
      expect((await slow.inject({ url: '/metrics' })).body).toMatch(/studio_render_duration_seconds_count\{engine="echo",outcome="timeout"\} 1/);
    } finally {
      await slow.close();
    }
  });
});

describe('identical renders in flight share one result', () => {
  it('one client leaving does not fail the other; the render is cancelled only when all have left', async () => {
    const held: EchoControl = { renders: 0, release: () => {} };
    const shared = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [echoEngine(held)], logger: false });
    const core = shared.studio.core;
    const request = (signal: AbortSignal) => core.render(core.plan('echo', 'txt', {}, 'hold shared'), signal);
    try {
      const a = new AbortController();
      const b = new AbortController();
      const first = request(a.signal);
      const second = request(b.signal);
      await new Promise((r) => setTimeout(r, 50));
      expect(held.renders).toBe(1);
      a.abort(new Error('client A left'));
      await expect(first).rejects.toThrow('client A left');
      held.release();
      const result = await second;
      expect(result.body.toString()).toBe('hold shared|{}');

      // Everyone leaves: the shared render itself is cancelled (the echo engine rejects on abort).
      const c = new AbortController();
      const before = held.renders;
      const third = core.render(core.plan('echo', 'svg', {}, 'hold again'), c.signal);
      await new Promise((r) => setTimeout(r, 50));
      expect(held.renders).toBe(before + 1);
      c.abort(new Error('client C left'));
      await expect(third).rejects.toThrow('client C left');
      // The engine slot is free again: a new render goes through at once.
      const next = await core.render(core.plan('echo', 'txt', {}, 'after'), new AbortController().signal);
      expect(next.body.toString()).toBe('after|{}');
    } finally {
      await shared.close();
    }
  });
});

describe('access log', () => {
  it('writes one JSON line per request with its id, and for renders the type, format, engine, cache and duration', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const { pino } = await import('pino');
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const logged = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none' }), { engines: [echoEngine()], logger });
    try {
      const ok = await logged.inject({
        method: 'POST',
        url: '/echo/svg',
        payload: 'logged',
        headers: { 'content-type': 'text/plain', 'x-request-id': 'req-42' },
      });
      expect(ok.statusCode).toBe(200);
      await logged.inject({ method: 'POST', url: '/echo/svg', payload: 'logged', headers: { 'content-type': 'text/plain' } });
      const bad = await logged.inject({ method: 'POST', url: '/echo/bmp', payload: 'x', headers: { 'content-type': 'text/plain' } });
      expect(bad.statusCode).toBe(400);

      const requests = lines.filter((l) => l.msg === 'request');
      expect(requests).toHaveLength(3);
      expect(requests[0]).toMatchObject({
        reqId: 'req-42',
        method: 'POST',
        url: '/echo/svg',
        status: 200,
        type: 'echo',
        format: 'svg',
        engine: 'echo',
        cache: 'miss',
      });
      expect(typeof requests[0]!.durationMs).toBe('number');
      expect(typeof requests[0]!.ms).toBe('number');
      expect(requests[1]).toMatchObject({ status: 200, cache: 'hit' });
      // A refused request is logged too, without render fields.
      expect(requests[2]).toMatchObject({ status: 400, url: '/echo/bmp' });
      expect(requests[2]!.engine).toBeUndefined();
    } finally {
      await logged.close();
    }
  });
});
