/**
 * /api/stack without a Docker engine (DOCKER_HOST points at a closed port): the status
 * says why, up fails with 503 and the reason, bodies are checked, a stack file error is a
 * 400 with its line before Docker is asked, the secret guards the routes, and a server
 * open to the network without a secret refuses to start containers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const json = { 'content-type': 'application/json', accept: 'application/json' };
let dir = '';
let dockerHost = '';
const apps: BuiltApp[] = [];
const build = async (env: Record<string, string> = {}) => {
  const app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent', ...env }), { logger: false, stackEnv: { DOCKER_HOST: dockerHost } });
  apps.push(app);
  return app;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'stack-api-'));
  dockerHost = `tcp://127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('/api/stack without Docker', () => {
  it('status answers, saying Docker is unreachable', async () => {
    const app = await build();
    const res = await app.inject({ method: 'GET', url: '/api/stack' });
    expect(res.statusCode).toBe(200);
    const status = res.json();
    expect(status).toMatchObject({ state: 'down', project: 'kroki-studio', file: 'built-in', services: [], krokiUrl: null, types: [], error: null });
    expect(status.docker).toEqual({
      available: false,
      message: `Docker at ${dockerHost} is unreachable (ECONNREFUSED): check DOCKER_HOST and that the engine runs`,
    });
  });

  it('up: 503 with the reason, then status keeps it as the last error', async () => {
    const app = await build();
    const res = await app.inject({ method: 'POST', url: '/api/stack/up', headers: json, payload: {} });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.message).toMatch(/^Docker at tcp:\/\/127\.0\.0\.1:\d+ is unreachable/);
    expect((await app.inject({ method: 'GET', url: '/api/stack' })).json().error).toMatch(/is unreachable/);
    const down = await app.inject({ method: 'POST', url: '/api/stack/down', headers: json, payload: {} });
    expect(down.statusCode).toBe(503);
  });

  it('a stack file error is a 400 with its line, before Docker is asked', async () => {
    const app = await build();
    const file = path.join(dir, 'bad.yml');
    writeFileSync(file, 'services:\n  kroki:\n    image: x\n    cpus: 2\n');
    const res = await app.inject({ method: 'POST', url: '/api/stack/up', headers: json, payload: { file } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 400, line: 4 });
    expect(res.json().error.message).toContain('bad.yml:4: unknown key "services.kroki.cpus"');
    const profile = await app.inject({ method: 'POST', url: '/api/stack/up', headers: json, payload: { profiles: ['nope'] } });
    expect(profile.statusCode).toBe(400);
    expect(profile.json().error.message).toMatch(
      /no service in built-in has profile "nope" \(its profiles: bpmn, companions, diagramsnet, excalidraw, mermaid\)/,
    );
  });

  it('checks the bodies and the query', async () => {
    const app = await build();
    const cases: Array<[string, string, RegExp]> = [
      ['/api/stack/up', '{"file": 3}', /"file" must be a string/],
      ['/api/stack/up', '{"profiles": "mermaid"}', /"profiles" must be a list of strings/],
      ['/api/stack/up', '{"image": "x"}', /unknown field "image"/],
      ['/api/stack/up', '[1]', /must be a JSON object/],
      ['/api/stack/up', '{oops', /not valid JSON/],
      ['/api/stack/down', '{"removeVolumes": "yes"}', /"removeVolumes" must be a boolean/],
    ];
    for (const [url, payload, message] of cases) {
      const res = await app.inject({ method: 'POST', url, headers: json, payload });
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.message).toMatch(message);
    }
    const logs = await app.inject({ method: 'GET', url: '/api/stack/logs?tail=-1', headers: { accept: 'application/json' } });
    expect(logs.statusCode).toBe(400);
  });

  it('the secret guards every stack route', async () => {
    const app = await build({ STUDIO_SECRET: 's3cret' });
    for (const [method, url] of [
      ['GET', '/api/stack'],
      ['POST', '/api/stack/up'],
      ['POST', '/api/stack/down'],
      ['GET', '/api/stack/logs'],
      ['GET', '/api/stack/events'],
    ] as const)
      expect((await app.inject({ method, url })).statusCode, url).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/stack', headers: { authorization: 'Bearer s3cret' } })).statusCode).toBe(200);
  });

  it('a server open to the network without a secret does not start containers', async () => {
    const app = await build({ STUDIO_HOST: '0.0.0.0' });
    const res = await app.inject({ method: 'POST', url: '/api/stack/up', headers: json, payload: {} });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/STUDIO_STACK_CONTROL/);
    expect((await app.inject({ method: 'GET', url: '/api/stack' })).statusCode).toBe(200);
  });

  it('events: the status at once, as a server-sent event', async () => {
    const app = await build();
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const abort = new AbortController();
    const res = await fetch(`${base}/api/stack/events`, { signal: abort.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: status')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(text).toMatch(/event: status\ndata: \{"state":"down"/);
  });
});
