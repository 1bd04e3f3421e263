/**
 * Repeated GETs of a cached picture answered before Fastify (server/api/cached-replies.ts),
 * over a real socket: inject() would bypass the HTTP server where they are answered. The
 * replayed answer must be the full path's, byte for byte, and every request the full path
 * would answer differently must still reach it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { encodeKrokiSource } from '../../server/api/decode.js';
import { buildApp, type BuiltApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { echoEngine, type EchoControl } from '../helpers/echo-engine.js';

const control: EchoControl = { renders: 0, release: () => {} };
const lines: Array<Record<string, unknown>> = [];
let app: BuiltApp;
let base: string;

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  // A cache of 2 KB holds only a few echo pictures: enough to see one dropped.
  app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', STUDIO_CACHE_BYTES: '2048' }), { engines: [echoEngine(control)], logger });
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => app?.close());

const counter = async (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await (await fetch(`${base}/metrics`)).text())?.[1] ?? NaN);
const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([k]) => k !== 'date'));
const unique = (what: string) => `/echo/svg/${encodeKrokiSource(`${what} ${Date.now()} ${Math.random()}`)}`;

describe('cached replies', () => {
  it('answer the third GET with the second one’s headers and bytes, count the hit and log the line', async () => {
    const url = unique('replay');
    const first = await fetch(base + url);
    expect(first.headers.get('x-studio-cache')).toBe('miss');
    await first.arrayBuffer();
    const second = await fetch(base + url);
    const secondBody = Buffer.from(await second.arrayBuffer());
    const hits = await counter('studio_cache_hits_total');
    const rendersBefore = control.renders;
    const logged = lines.length;
    const third = await fetch(base + url, { headers: { 'x-request-id': 'again-1' } });
    const thirdBody = Buffer.from(await third.arrayBuffer());
    expect(third.status).toBe(200);
    expect(headersOf(third)).toEqual(headersOf(second));
    expect(third.headers.get('x-studio-cache')).toBe('hit');
    expect(third.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(thirdBody.equals(secondBody)).toBe(true);
    expect(thirdBody.toString()).toContain('replay');
    expect(control.renders).toBe(rendersBefore);
    expect(await counter('studio_cache_hits_total')).toBe(hits + 1);
    const line = lines.slice(logged).find((l) => l.msg === 'request' && l.reqId === 'again-1');
    expect(line).toMatchObject({ method: 'GET', url, status: 200, type: 'echo', format: 'svg', engine: 'echo', cache: 'hit', bytes: thirdBody.length });
    expect(typeof line!.ms).toBe('number');
  });

  it('leave If-None-Match, option headers and HEAD to the full path', async () => {
    const url = unique('conditional');
    await (await fetch(base + url)).arrayBuffer();
    const second = await fetch(base + url);
    await second.arrayBuffer();
    const etag = second.headers.get('etag')!;
    const notModified = await fetch(base + url, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    const scaled = await fetch(base + url, { headers: { 'kroki-diagram-options-mode': 'fancy' } });
    expect(scaled.headers.get('etag')).not.toBe(etag);
    expect(await scaled.text()).toContain('"mode":"fancy"');
    const head = await fetch(base + url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(etag);
  });

  it('render again once the cache has dropped the picture', async () => {
    const url = unique('dropped');
    await (await fetch(base + url)).arrayBuffer();
    await (await fetch(base + url)).arrayBuffer();
    // Other pictures push this one out of the 2 KB cache.
    for (let i = 0; i < 12; i++) await (await fetch(base + unique(`filler ${i} ${'x'.repeat(100)}`))).arrayBuffer();
    const rendersBefore = control.renders;
    const again = await fetch(base + url);
    expect(again.headers.get('x-studio-cache')).toBe('miss');
    expect(await again.text()).toContain('dropped');
    expect(control.renders).toBe(rendersBefore + 1);
  });
});

describe('cached replies keep the access checks', () => {
  it('a foreign Host and a missing secret are refused even for a remembered URL', async () => {
    const locked = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', STUDIO_SECRET: 's3cret' }), {
      engines: [echoEngine()],
      logger: false,
    });
    try {
      const lockedBase = await locked.listen({ port: 0, host: '127.0.0.1' });
      const url = lockedBase + unique('locked');
      const auth = { authorization: 'Bearer s3cret' };
      for (let i = 0; i < 3; i++) expect((await fetch(url, { headers: auth })).headers.get('x-studio-cache')).toBe(i === 0 ? 'miss' : 'hit');
      const noSecret = await fetch(url);
      expect(noSecret.status).toBe(401);
      expect(await noSecret.text()).toMatch(/requires its secret/);
      const wrong = await fetch(url, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
      // fetch() will not send another Host; a raw request will.
      const { request } = await import('node:http');
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(url, { headers: { ...auth, host: 'evil.example' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(403);
    } finally {
      await locked.close();
    }
  });

  it('after close() starts, requests go to Fastify, not the replay', async () => {
    const closing = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { engines: [echoEngine()], logger: false });
    const closingBase = await closing.listen({ port: 0, host: '127.0.0.1' });
    const url = closingBase + unique('closing');
    for (let i = 0; i < 2; i++) await (await fetch(url)).arrayBuffer();
    await closing.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
