/**
 * The desktop's server child, started the way the app starts it: the supervisor launches
 * server/desktop-main.ts (here with child_process.fork; in Electron a utilityProcess),
 * hands it the per-launch secret in `init`, and talks the typed messages of shared/ipc.ts.
 * Real engines, a real socket, real deaths (SIGKILL) and a real shutdown that must leave
 * no JVM behind.
 */
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FromServer, LiveSettings } from '../../../shared/ipc.js';
import { STACK_UNAVAILABLE } from '../../../server/desktop-stack.js';
import { nodeLauncher } from '../../../src-main/child-node.js';
import { ServerSupervisor } from '../../../src-main/supervisor.js';
import { descendants, killTree, waitGone } from '../../helpers/processes.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const ENTRY = path.join(ROOT, 'server', 'desktop-main.ts');

const started: ServerSupervisor[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop().catch(() => undefined);
});
afterAll(() => {
  for (const pid of pids) killTree(pid);
});

function supervise(env: Record<string, string> = {}, settings: LiveSettings = { krokiUrl: null, safeMode: 'secure' }) {
  const messages: FromServer[] = [];
  const restarted: string[] = [];
  const crashed: string[] = [];
  let output = '';
  const current = { settings };
  const supervisor = new ServerSupervisor({
    launcher: nodeLauncher({
      entry: ENTRY,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, STUDIO_PRELOAD: 'none', LOG_LEVEL: 'warn', ...env },
      stdio: 'pipe',
      onOutput: (chunk) => (output += chunk),
    }),
    settings: () => current.settings,
    readyTimeoutMs: 60_000,
    restartDelaysMs: [100],
    events: { message: (m) => messages.push(m), restarted: (r) => restarted.push(r), crashed: (r) => crashed.push(r) },
  });
  started.push(supervisor);
  return { supervisor, messages, restarted, crashed, current, output: () => output };
}

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = get();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const render = (url: string, secret: string | null, source: string) =>
  fetch(new URL('graphviz/svg', url.endsWith('/') ? url : `${url}/`), {
    method: 'POST',
    body: source,
    headers: { 'content-type': 'text/plain', ...(secret ? { authorization: `Bearer ${secret}` } : {}) },
  });

describe('desktop server child', () => {
  it('listens on 127.0.0.1 on a free port, renders with the per-launch secret and refuses requests without it', async () => {
    const { supervisor, messages } = supervise();
    const url = await supervisor.start();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(url).port)).toBeGreaterThan(0);
    const ready = messages.find((m) => m.type === 'ready');
    expect(ready).toMatchObject({ type: 'ready', url });
    const { secret, pid } = supervisor.connection!;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(pid).toBe((ready as { pid: number }).pid);

    const refused = await render(url, null, 'digraph { a -> b }');
    expect(refused.status).toBe(401);
    const wrong = await render(url, 'not-the-secret', 'digraph { a -> b }');
    expect(wrong.status).toBe(401);
    const ok = await render(url, secret, 'digraph { Desktop -> Child }');
    expect(ok.status).toBe(200);
    const svg = await ok.text();
    expect(svg).toContain('<svg');
    expect(svg).toContain('Desktop');
    expect(svg).toContain('Child');
    // The secret is not in the child's environment, where engines would inherit it.
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).not.toContain(secret);
  });

  it('applies settings from the parent while it runs (safe mode, upstream) and warms the engines it is asked to', async () => {
    const { supervisor, messages } = supervise();
    const url = await supervisor.start();
    const { secret } = supervisor.connection!;
    const get = async (p: string) => (await fetch(`${url}/${p}`, { headers: { authorization: `Bearer ${secret}` } })).json();
    expect(await get('api/config')).toMatchObject({ safeMode: 'secure', upstream: null });

    supervisor.updateSettings({ krokiUrl: 'http://127.0.0.1:9', safeMode: 'safe' });
    await waitFor('settings-applied', () => messages.find((m) => m.type === 'settings-applied'));
    expect(await get('api/config')).toMatchObject({ safeMode: 'safe', upstream: 'http://127.0.0.1:9' });
    expect(((await get('api/engines')) as { upstream: unknown }).upstream).toEqual({ url: 'http://127.0.0.1:9', source: 'desktop' });

    supervisor.updateSettings({ krokiUrl: 'file:///etc/passwd', safeMode: 'safe' });
    const refused = await waitFor('failed', () => messages.find((m) => m.type === 'failed'));
    expect(refused).toEqual({ type: 'failed', message: 'settings: krokiUrl must be http or https' });
    expect(await get('api/config')).toMatchObject({ upstream: 'http://127.0.0.1:9' });

    supervisor.updateSettings({ krokiUrl: null, safeMode: 'secure' });
    await waitFor('second settings-applied', () => (messages.filter((m) => m.type === 'settings-applied').length === 2 ? true : undefined));
    expect(await get('api/config')).toMatchObject({ safeMode: 'secure', upstream: null });

    supervisor.send({ type: 'warm', types: ['graphviz', 'no-such-type'] });
    const warmed = await waitFor('warmed', () => messages.find((m) => m.type === 'warmed'));
    expect(warmed).toEqual({ type: 'warmed', types: ['graphviz'], unknown: ['no-such-type'] });
    const engines = (await get('api/engines')) as { types: { type: string; engine?: { state: string } }[] };
    expect(['starting', 'ready']).toContain(engines.types.find((t) => t.type === 'graphviz')?.engine?.state);
  });

  it('answers stack requests through its own stack API, or says clearly that there is none', async () => {
    const { supervisor } = supervise();
    const url = await supervisor.start();
    const { secret } = supervisor.connection!;
    const direct = await fetch(`${url}/api/stack`, { headers: { authorization: `Bearer ${secret}` } });
    const body = await direct.text();
    const bridged = supervisor.stack({ action: 'status' });
    if (direct.status === 404) await expect(bridged).rejects.toThrow(STACK_UNAVAILABLE);
    else if (direct.ok) expect(await bridged).toEqual(JSON.parse(body));
    else await expect(bridged).rejects.toThrow(/stack request failed/);
  });

  it('refuses an init without a proper secret, and exits', async () => {
    const messages: FromServer[] = [];
    const launcher = nodeLauncher({ entry: ENTRY, execArgv: ['--import', 'tsx'], env: { ...process.env, STUDIO_PRELOAD: 'none' }, stdio: 'ignore' });
    const child = launcher.launch();
    pids.push(child.pid!);
    const exited = new Promise<number | null>((resolve) => child.onExit((code) => resolve(code)));
    child.onMessage((m) => messages.push(m));
    child.postMessage({ type: 'init', secret: 'short', settings: { krokiUrl: null, safeMode: 'secure' } });
    expect(await exited).toBe(2);
    expect(messages).toEqual([{ type: 'failed', message: 'init: the secret must be a string of at least 16 characters' }]);
  });

  it('is restarted after being killed, with a new secret, and the UI is told why', async () => {
    const { supervisor, restarted, crashed } = supervise({ STUDIO_PRELOAD: 'jvm' });
    const firstUrl = await supervisor.start();
    const first = supervisor.connection!;
    pids.push(first.pid!);
    const jvm = await waitFor('the PlantUML JVM', () => {
      const kids = descendants(first.pid!);
      return kids.length > 0 ? kids : undefined;
    });
    process.kill(first.pid!, 'SIGKILL');
    await waitFor('restart', () => restarted[0]);
    expect(crashed).toEqual(['the server ended by SIGKILL']);
    expect(restarted).toEqual(['the server ended by SIGKILL']);
    const second = supervisor.connection!;
    pids.push(second.pid!);
    expect(second.pid).not.toBe(first.pid);
    expect(second.secret).not.toBe(first.secret);
    expect(await supervisor.ready()).toBe(second.url);
    const ok = await render(second.url, second.secret, 'digraph { Back -> Again }');
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Again');
    if (second.url !== firstUrl) expect((await render(second.url, first.secret, 'digraph { a }')).status).toBe(401);
    // The dead child's engines do not outlive it.
    expect(await waitGone(jvm, 15_000)).toEqual([]);
  });

  it('stops on shutdown and leaves no engine process behind', async () => {
    const { supervisor, messages } = supervise({ STUDIO_PRELOAD: 'jvm' });
    await supervisor.start();
    const { pid } = supervisor.connection!;
    pids.push(pid!);
    const kids = await waitFor('the PlantUML JVM', () => {
      const k = descendants(pid!);
      return k.length > 0 ? k : undefined;
    });
    await supervisor.stop();
    expect(supervisor.state).toBe('stopped');
    expect(messages.some((m) => m.type === 'closed')).toBe(true);
    expect(await waitGone([pid!, ...kids], 10_000)).toEqual([]);
    await expect(supervisor.ready()).rejects.toThrow(/not running/);
  });
});
