/**
 * Forwarding to an upstream Kroki and /health in each state. The upstream is a second
 * instance of this server on another loopback port, serving `blockdiag` with the echo
 * engine (a type the front instance cannot render itself).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { echoEngine } from '../helpers/echo-engine.js';

let upstream: BuiltApp;
let upstreamUrl: string;
const fronts: BuiltApp[] = [];

async function front(env: Record<string, string>): Promise<BuiltApp> {
  const app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', ...env }), { engines: [], logger: false });
  fronts.push(app);
  await app.ready();
  return app;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  upstream = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), {
    engines: [echoEngine(undefined, ['blockdiag'])],
    logger: false,
  });
  upstreamUrl = await upstream.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await Promise.all(fronts.map((f) => f.close()));
  await upstream?.close();
});

describe('upstream Kroki', () => {
  it('forwards types without a local engine, with their options', async () => {
    const app = await front({ KROKI_URL: upstreamUrl });
    const res = await app.inject({
      method: 'POST',
      url: '/blockdiag/svg?theme=q',
      payload: 'blockdiag { a -> b }',
      headers: { 'kroki-diagram-options-size': '10x10' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-studio-engine']).toBe('upstream');
    expect(res.headers['content-type']).toBe('image/svg+xml');
    const text = /<text>(.*)<\/text>/.exec(res.body)![1]!.replace(/&gt;/g, '>');
    const [source, options] = text.split('|');
    expect(source).toBe('blockdiag { a -> b }');
    expect(JSON.parse(options!)).toEqual({ theme: 'q', size: '10x10' });
    const engines = (await app.inject({ url: '/api/engines' })).json();
    expect(engines.types.find((t: { type: string }) => t.type === 'blockdiag').placement).toBe('upstream');
    // A type Studio has no engine for says why it is forwarded.
    const symbolator = engines.types.find((t: { type: string }) => t.type === 'symbolator');
    expect(symbolator.placement).toBe('upstream');
    expect(symbolator.message).toMatch(/^Forwarded to the upstream Kroki: Studio has no local engine for symbolator \(Symbolator is a Python program/);
  });

  it('keeps the status class, message and line of upstream errors', async () => {
    const app = await front({ KROKI_URL: upstreamUrl });
    const res = await app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'error at 7', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code: 400, message: 'Upstream Kroki: echo: syntax error', line: 7 });
    const fmt = await app.inject({ method: 'POST', url: '/blockdiag/jpeg', payload: 'x' });
    expect(fmt.statusCode).toBe(400);
    expect(fmt.body).toMatch(/Unsupported output format: jpeg for blockdiag\. Must be one of png, svg or pdf\./);
  });

  it('an unreachable upstream is a clear 503', async () => {
    const port = await freePort();
    const app = await front({ KROKI_URL: `http://127.0.0.1:${port}` });
    const res = await app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'x', headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toMatch(new RegExp(`Upstream Kroki at http://127.0.0.1:${port} is unreachable \\(ECONNREFUSED\\)`));
  });
});

describe('/health', () => {
  it('is healthy with no upstream configured, and says so', async () => {
    const app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [echoEngine()], logger: false });
    fronts.push(app);
    const res = await app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      service: 'kroki-studio',
      status: 'healthy',
      checks: { service: { status: 'healthy' }, kroki: { status: 'not_configured', response_time_ms: null } },
    });
    expect(body.checks.kroki.message).toMatch(/not configured/);
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it('is healthy with a healthy upstream and reports its response time', async () => {
    const app = await front({ KROKI_URL: upstreamUrl });
    const res = await app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    const { kroki } = res.json().checks;
    expect(kroki.status).toBe('healthy');
    expect(kroki.url).toBe(upstreamUrl);
    expect(typeof kroki.response_time_ms).toBe('number');
  });

  it('is 503 degraded when the upstream is down', async () => {
    const port = await freePort();
    const app = await front({ KROKI_URL: `http://127.0.0.1:${port}` });
    const local = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', KROKI_URL: `http://127.0.0.1:${port}` }), {
      engines: [echoEngine()],
      logger: false,
    });
    fronts.push(local);
    const res = await local.inject({ url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('degraded');
    expect(res.json().checks.kroki).toMatchObject({ status: 'unhealthy', response_time_ms: null });
    expect(res.json().checks.kroki.message).toMatch(/unreachable/);
    // Nothing at all can render: unhealthy.
    const none = await app.inject({ url: '/health' });
    expect(none.statusCode).toBe(503);
    expect(none.json().status).toBe('unhealthy');
  });
});

describe('live upstream', () => {
  it('switches at run time: routing, /api/engines and /health follow, and the previous upstream comes back', async () => {
    const app = await front({});
    const render = () => app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'blockdiag { live -> switch }' });
    const row = async () => (await app.inject({ url: '/api/engines' })).json().types.find((t: { type: string }) => t.type === 'blockdiag');

    expect((await render()).statusCode).toBe(503);
    expect((await row()).placement).toBe('unavailable');
    expect((await app.inject({ url: '/health' })).json().checks.kroki.status).toBe('not_configured');

    // What the local stack does when its Kroki is healthy.
    const release = app.studio.upstream.use(upstreamUrl, 'stack');
    const res = await render();
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-studio-engine']).toBe('upstream');
    expect(res.body).toContain('blockdiag { live -> switch }');
    expect((await row()).placement).toBe('upstream');
    const engines = (await app.inject({ url: '/api/engines' })).json();
    expect(engines.upstream).toEqual({ url: upstreamUrl.replace(/\/+$/, ''), source: 'stack' });
    const health = (await app.inject({ url: '/health' })).json();
    expect(health.checks.kroki).toMatchObject({ status: 'healthy', url: upstreamUrl.replace(/\/+$/, '') });

    // The stack stops: no upstream again (none was configured before it).
    release();
    release(); // idempotent
    expect((await row()).placement).toBe('unavailable');
    expect((await app.inject({ url: '/api/engines' })).json().upstream).toEqual({ url: null });
    expect((await app.inject({ url: '/health' })).json().checks.kroki.status).toBe('not_configured');
  });

  it('puts a stack upstream over KROKI_URL and gives KROKI_URL back when it goes', async () => {
    const app = await front({ KROKI_URL: 'http://127.0.0.1:9' });
    expect((await app.inject({ url: '/api/engines' })).json().upstream).toEqual({ url: 'http://127.0.0.1:9', source: 'config' });
    const release = app.studio.upstream.use(upstreamUrl, 'stack');
    expect((await app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'blockdiag { a -> b }' })).statusCode).toBe(200);
    release();
    expect((await app.inject({ url: '/api/engines' })).json().upstream).toEqual({ url: 'http://127.0.0.1:9', source: 'config' });
    // Port 9 (discard) refuses: the configured upstream is back, and unreachable.
    expect((await app.inject({ method: 'POST', url: '/blockdiag/svg', payload: 'blockdiag { c -> d }' })).statusCode).toBe(503);
  });
});
