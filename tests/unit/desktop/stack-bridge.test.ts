/**
 * The server child's stack bridge against the stack launcher's HTTP contract (GET
 * /api/stack, POST /api/stack/up and /down, the /api/stack/events stream). The launcher is
 * built in parallel (the stack issue), so a loopback server speaking that contract stands
 * in for it here; the child's own test (tests/integration/desktop) runs against the real
 * server and checks the "not available" answer or the real routes, whichever it has.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FromServer, StackStatus } from '../../../shared/ipc.js';
import { STACK_UNAVAILABLE, StackBridge, parseSse } from '../../../server/desktop-stack.js';

const SECRET = 'a-secret-of-enough-length';
const status = (krokiUrl: string | null): StackStatus => ({
  state: krokiUrl ? 'up' : 'starting',
  project: 'kroki-studio',
  file: 'built-in',
  profiles: [],
  services: [{ name: 'kroki', image: 'yuzutech/kroki', state: krokiUrl ? 'healthy' : 'pulling', ports: ['8000'] }],
  krokiUrl,
  types: krokiUrl ? ['structurizr'] : [],
  docker: { available: true },
  error: null,
});

let server: http.Server | null = null;
const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
afterEach(async () => {
  seen.length = 0;
  if (server) await new Promise((r) => server!.close(r));
  server = null;
});

async function contract(): Promise<string> {
  let stream: http.ServerResponse | null = null;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, body });
      if (req.headers.authorization !== `Bearer ${SECRET}`) return void res.writeHead(401).end('{"error":{"code":401,"message":"secret"}}');
      if (req.url === '/api/stack/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': comment\n\n');
        stream = res;
        return;
      }
      if (req.url === '/api/stack' && req.method === 'GET')
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status(null)));
      if (req.url === '/api/stack/up' && req.method === 'POST') {
        const send = (event: string, data: unknown) => stream?.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        send('progress', { service: 'kroki', layer: 'abc', status: 'Downloading', current: 5, total: 10 });
        send('status', status(null));
        send('error', { message: 'companion mermaid is slow' });
        setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status('http://127.0.0.1:8000'))), 100);
        return;
      }
      if (req.url === '/api/stack/down')
        return void res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":{"code":409,"message":"the stack is not running"}}');
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('stack bridge', () => {
  it('parses server-sent events', () => {
    expect(parseSse('event: progress\ndata: {"a":1}')).toEqual({ event: 'progress', data: '{"a":1}' });
    expect(parseSse(': note\ndata: line 1\ndata: line 2')).toEqual({ event: 'message', data: 'line 1\nline 2' });
  });

  it('answers status, forwards the event stream during up, and reports a refused down with its message', async () => {
    const url = await contract();
    const out: FromServer[] = [];
    const bridge = new StackBridge(url, SECRET, (m) => out.push(m), true);
    await bridge.status(1);
    expect(out).toEqual([{ type: 'stack-status', id: 1, status: status(null) }]);
    await bridge.up(2, { profiles: ['mermaid'] });
    await until(() => out.length >= 5);
    expect(out.slice(1)).toEqual(
      expect.arrayContaining([
        { type: 'stack-progress', progress: { service: 'kroki', layer: 'abc', status: 'Downloading', current: 5, total: 10 } },
        { type: 'stack-status', status: status(null) },
        { type: 'stack-error', message: 'companion mermaid is slow' },
        { type: 'stack-status', id: 2, status: status('http://127.0.0.1:8000') },
      ]),
    );
    expect(seen.find((r) => r.url === '/api/stack/up')).toMatchObject({ method: 'POST', auth: `Bearer ${SECRET}`, body: '{"profiles":["mermaid"]}' });
    await bridge.down(3, { removeVolumes: true });
    expect(out.at(-1)).toEqual({ type: 'stack-error', id: 3, message: 'The stack request failed (409): the stack is not running' });
    bridge.close();
  });

  it('says clearly when the server has no stack API, without asking it', async () => {
    const out: FromServer[] = [];
    const bridge = new StackBridge('http://127.0.0.1:9', SECRET, (m) => out.push(m), false);
    await bridge.up(7, {});
    expect(out).toEqual([{ type: 'stack-error', id: 7, message: STACK_UNAVAILABLE }]);
  });

  it('reports an unreachable server as a failed request', async () => {
    const out: FromServer[] = [];
    await new StackBridge('http://127.0.0.1:9', SECRET, (m) => out.push(m), true).status(4);
    expect(out).toEqual([{ type: 'stack-error', id: 4, message: expect.stringMatching(/^The stack request failed: /) }]);
  });
});
