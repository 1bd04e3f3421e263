/**
 * The real command line over a real socket: settings validation, limits Node enforces
 * (431), and a clean SIGTERM that leaves no JVM or Chromium behind; startServer() in
 * process (what the CLI, the container and tests share).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { ListenError, startServer } from '../../server/start.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    // A failed test may leave a server under npm or bash: end the whole tree.
    for (const pid of descendants(c.pid!).reverse()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    c.kill('SIGKILL');
  }
});

/** The CLI from TypeScript sources, as `npm run dev` runs it. */
const run = (args: string[], env: Record<string, string> = {}) => launch(process.execPath, ['--import', 'tsx', 'server/main.ts', ...args], env);

function launch(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 30 s: ${stdout} ${stderr}`)), 30_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/[\d.:]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited: ${stderr}`));
    });
  });
  listening.catch(() => {});
  return { child, exited, listening, out: () => stdout, err: () => stderr };
}

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (p: number) => rows.filter(([, pp]) => pp === p).forEach(([c]) => (found.push(c), walk(c)));
  walk(pid);
  return found;
}

/** Running (a zombie has exited; it only waits for an init that reaps, absent in some sandboxes). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('kroki-studio serve', () => {
  it('refuses a bad setting with a message naming it', async () => {
    const a = run(['serve'], { KROKI_SAFE_MODE: 'paranoid' });
    expect(await a.exited).toBe(2);
    expect(a.err()).toContain('Invalid setting KROKI_SAFE_MODE');
    const b = run(['serve', '--port', 'http']);
    expect(await b.exited).toBe(2);
    expect(b.err()).toMatch(/STUDIO_PORT.*\(--port\)/);
    const c = run(['frobnicate']);
    expect(await c.exited).toBe(2);
    expect(c.err()).toContain("unknown command 'frobnicate'");
    expect(c.err()).toMatch(/Usage: kroki-studio <command>[\s\S]*serve/);
  });

  it('serves over a real socket, answers 431 for huge headers, and stops cleanly on SIGTERM', async () => {
    const s = run(['serve', '--port', '0'], { STUDIO_PRELOAD: 'in-process,jvm' });
    const base = await s.listening;
    const health = await fetch(`${base}/health`);
    expect([200, 503]).toContain(health.status);
    expect((await health.json()).service).toBe('kroki-studio');

    const status431 = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${base}/health`, { headers: { 'x-big': 'a'.repeat(64 * 1024) } }, (res) => resolve(res.statusCode!));
      req.on('error', reject);
    });
    expect(status431).toBe(431);

    // Give the preloaded runtimes time to spawn, so the test proves they are ended.
    await new Promise((r) => setTimeout(r, 3000));
    const kids = descendants(s.child.pid!);
    expect(kids.length).toBeGreaterThan(0); // at least the PlantUML JVM
    const started = Date.now();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    // Children end with the server (they are stopped before it exits); allow the kernel a
    // moment to finish tearing them down on a loaded machine.
    for (let i = 0; i < 30 && kids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    expect(kids.filter(alive).map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 80)}`)).toEqual([]);
  });
});

/** SIGTERM to `pid` ends the server and every JVM/Chromium under it; returns the exit code. */
async function stopsCleanly(pid: number, exited: Promise<number | null>) {
  const kids = descendants(pid);
  process.kill(pid, 'SIGTERM');
  const code = await exited;
  for (let i = 0; i < 50 && kids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  return { code, kids, left: kids.filter(alive).map((p) => `${p}: ${cmdline(p).slice(0, 80)}`) };
}
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
};

// The compiled entry (bin/kroki-studio.js runs dist/server/cli.js): the test tier runs after
// setup, which builds it; `npm run build:server` does it by hand.
const built = existsSync('dist/server/cli.js');
const NOT_BUILT = 'dist/server/cli.js is missing: run `npm run build:server` first';

describe('npm start', () => {
  it('scripts/start.sh execs the server: SIGTERM to the PID npm spawned stops it and its JVM and Chromium', async (ctx) => {
    if (!built) return ctx.skip(NOT_BUILT);
    const s = launch('bash', ['scripts/start.sh', '--port', '0'], { STUDIO_SKIP_SETUP: '1', STUDIO_PRELOAD: 'all' });
    const base = await s.listening;
    expect((await fetch(`${base}/health`)).status).toBeLessThan(600);
    // The shell is gone: the process npm would signal is node itself.
    expect(cmdline(s.child.pid!)).toMatch(/^\S*node\S* bin\/kroki-studio\.js serve --port 0$/);
    await waitFor(() => descendants(s.child.pid!).some((p) => /java/.test(cmdline(p))) && descendants(s.child.pid!).some((p) => /chrom/i.test(cmdline(p))));
    // scripts/allocator.sh: node runs on jemalloc (setup installs it), its engines do not:
    // Chromium would not start under it (server/allocator.ts).
    expect(onJemalloc(s.child.pid!)).toBe(true);
    expect(s.out()).toContain('"allocator":"jemalloc"');
    const engines = descendants(s.child.pid!).filter((p) => /java|chrom/i.test(cmdline(p)));
    expect(engines.filter(onJemalloc).map(cmdline)).toEqual([]);
    expect((await fetch(`${base}/mermaid/svg`, { method: 'POST', body: 'graph TD\n  Start --> Done' })).status).toBe(200);
    const { code, left } = await stopsCleanly(s.child.pid!, s.exited);
    expect(code).toBe(0);
    expect(left).toEqual([]);
  });

  it("npm start hands the process over: npm's child is the server, and SIGTERM to npm stops everything", async (ctx) => {
    if (!built) return ctx.skip(NOT_BUILT);
    const s = launch('npm', ['start', '--silent', '--', '--port', '0'], { STUDIO_SKIP_SETUP: '1', STUDIO_PRELOAD: 'in-process,jvm' });
    await s.listening;
    const direct = execFileSync('ps', ['-o', 'pid=', '--ppid', String(s.child.pid)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(direct.map(cmdline)).toEqual([expect.stringMatching(/^\S*node\S* bin\/kroki-studio\.js serve --port 0$/)]);
    await waitFor(() => descendants(s.child.pid!).some((p) => /java/.test(cmdline(p))));
    const { code, left } = await stopsCleanly(s.child.pid!, s.exited);
    expect(code).toBe(0);
    expect(left).toEqual([]);
  });
});

function onJemalloc(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libjemalloc');
  } catch {
    return false; // ended meanwhile
  }
}

async function waitFor(ok: () => boolean, ms = 20_000) {
  for (const end = Date.now() + ms; !ok();) {
    if (Date.now() > end) throw new Error(`not true after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('startServer', () => {
  const config = (env: Record<string, string> = {}) => loadConfig({ STUDIO_PRELOAD: 'in-process', STUDIO_PORT: '0', ...env });

  it('listens, reports the url and port, serves, and closes once however often close() is called', async () => {
    let announced = '';
    const server = await startServer(config(), { logger: false, onListening: (url) => (announced = url) });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(announced).toBe(server.url);
    const res = await fetch(`${server.url}/graphviz/svg`, { method: 'POST', body: 'digraph { a -> b }' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<svg');
    await Promise.all([server.close(), server.close()]);
    await server.close();
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('rejects with a clear error when the port is taken, and leaves nothing open', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = startServer(config({ STUDIO_PORT: String(port) }), { logger: false });
      await expect(attempt).rejects.toBeInstanceOf(ListenError);
      await expect(attempt).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: listen EADDRINUSE`);
    } finally {
      blocker.close();
    }
  });

  it('closes when its signal is aborted, and refuses to start on an aborted one', async () => {
    const controller = new AbortController();
    const server = await startServer(config(), { logger: false, signal: controller.signal });
    controller.abort('SIGTERM');
    await server.close(); // the same close the abort started
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await expect(startServer(config(), { logger: false, signal: controller.signal })).rejects.toThrow('aborted (SIGTERM)');
  });
});
