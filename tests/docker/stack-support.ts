/**
 * What the stack tests bring along because no public registry is reachable: a real
 * registry (Debian's docker-registry, on 127.0.0.1 with its own storage, started here and
 * stopped in the end unless STACK_REGISTRY names one already running), the project's own
 * image pushed there as the stand-in for yuzutech/kroki (it answers Kroki's routes), and a
 * tiny companion image (busybox httpd from busybox-static, imported with `docker import`,
 * padded so its pull takes several progress steps). Both are untagged locally after the
 * push, so the stack really pulls them from the registry.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { IMAGE, docker, sleep } from './support.js';

const run = promisify(execFile);
export const BUSYBOX = '/usr/bin/busybox';
export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Why the stack suite cannot run here (beyond the image suites' own reasons), or null. */
export function stackSkipReason(): string | null {
  if (!process.env.STACK_REGISTRY && !existsSync(REGISTRY_BIN)) return `no ${REGISTRY_BIN} (apt-get install docker-registry) and STACK_REGISTRY is not set`;
  if (!existsSync(BUSYBOX)) return `no ${BUSYBOX} for the companion image (apt-get install busybox-static)`;
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface Registry {
  /** host:port */
  address: string;
  stop(): Promise<void>;
}

/**
 * The registry behind a loopback proxy that slows what it sends back (pushes go at full
 * speed): Docker reports pull progress at most every 100 ms, and a layer fetched at
 * loopback speed would arrive in one step.
 */
export async function startRegistry(): Promise<Registry> {
  const registry = await startRegistryServer();
  const proxy = await throttlingProxy(registry.address, 3 * 1024 * 1024);
  return {
    address: proxy.address,
    stop: async () => {
      await proxy.stop();
      await registry.stop();
    },
  };
}

async function throttlingProxy(target: string, bytesPerSecond: number): Promise<Registry> {
  const [host, port] = [target.split(':')[0]!, Number(target.split(':')[1])];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (s === client ? upstream : client).destroy());
    }
    client.pipe(upstream);
    let due = Date.now();
    upstream.on('data', (chunk: Buffer) => {
      upstream.pause();
      due = Math.max(due, Date.now()) + (chunk.length / bytesPerSecond) * 1000;
      setTimeout(() => {
        if (!client.destroyed) client.write(chunk);
        upstream.resume();
      }, due - Date.now());
    });
    upstream.on('end', () => setTimeout(() => client.end(), Math.max(0, due - Date.now())));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

async function startRegistryServer(): Promise<Registry> {
  if (process.env.STACK_REGISTRY) return { address: process.env.STACK_REGISTRY, stop: async () => {} };
  const port = await freePort();
  // Storage may be kept between runs (STACK_REGISTRY_DIR): unchanged layers are then not pushed again.
  const keep = process.env.STACK_REGISTRY_DIR;
  const dir = keep ?? mkdtempSync(path.join(tmpdir(), 'kstest-registry-'));
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const config = path.join(dir, `config-${port}.yml`);
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'storage')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`http://${address}/v2/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok)
      return {
        address,
        stop: async () => {
          if (child.exitCode === null) {
            child.kill('SIGTERM');
            await new Promise((r) => child.once('exit', r));
          }
          rmSync(config, { force: true });
          if (!keep) rmSync(dir, { recursive: true, force: true });
        },
      };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`docker-registry did not answer on ${address}: ${stderr}`);
}

/** Builds the companion image: busybox's httpd on 8002 answering /health, and 6 MB of noise so its pull shows progress. */
export async function buildCompanion(tag: string): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'kstest-companion-'));
  try {
    mkdirSync(path.join(root, 'bin'));
    mkdirSync(path.join(root, 'www'));
    copyFileSync(BUSYBOX, path.join(root, 'bin', 'busybox'));
    writeFileSync(path.join(root, 'www', 'health'), 'ok\n');
    writeFileSync(path.join(root, 'www', 'index.html'), 'companion\n');
    writeFileSync(path.join(root, 'noise'), randomBytes(6 * 1024 * 1024));
    await run('sh', [
      '-c',
      `tar -C "${root}" --numeric-owner -c . | docker import --change 'CMD ["/bin/busybox","httpd","-f","-v","-p","8002","-h","/www"]' --change 'EXPOSE 8002' - "${tag}"`,
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

export interface StandIns {
  kroki: string;
  companion: string;
  /** Seconds spent building and pushing. */
  seconds: number;
}

/** Pushes both stand-ins to the registry and removes their registry tags here, so up has to pull them. */
export async function pushStandIns(registry: string, suffix: string): Promise<StandIns> {
  const started = Date.now();
  const kroki = `${registry}/kstest/kroki:${suffix}`;
  const companion = `${registry}/kstest/companion:${suffix}`;
  await buildCompanion(companion);
  await run('docker', ['tag', IMAGE, kroki]);
  await Promise.all([run('docker', ['push', kroki], { maxBuffer: 1 << 24 }), run('docker', ['push', companion], { maxBuffer: 1 << 24 })]);
  // The companion's layer goes away entirely; the kroki image stays under its own tag (its layers "already exist" on pull).
  await run('docker', ['rmi', kroki, companion]);
  return { kroki, companion, seconds: Math.round((Date.now() - started) / 1000) };
}

export async function removeImage(name: string): Promise<void> {
  await docker
    .getImage(name)
    .remove({ force: true })
    .catch(() => undefined);
}

/** Containers and networks that carry the project's label (empty when `down` did its job). */
export async function leftovers(project: string): Promise<{ containers: string[]; networks: string[] }> {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return { containers: containers.map((c) => c.Names[0] ?? c.Id), networks: networks.map((n) => n.Name) };
}

/** Removes a project's containers and networks whatever state a failed test left them in. */
export async function purge(project: string): Promise<void> {
  const filters = { label: [`com.docker.compose.project=${project}`] };
  for (const c of await docker.listContainers({ all: true, filters }))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  for (const n of await docker.listNetworks({ filters }))
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
}

/** Server-sent events read with fetch (EventSource cannot send the secret). */
export function readEvents(
  url: string,
  headers: Record<string, string> = {},
): { events: Array<{ event: string; data: unknown }>; close(): void; ready: Promise<void> } {
  const events: Array<{ event: string; data: unknown }> = [];
  const abort = new AbortController();
  let opened: () => void = () => {};
  const ready = new Promise<void>((r) => (opened = r));
  void (async () => {
    try {
      const res = await fetch(url, { headers, signal: abort.signal });
      opened();
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      opened();
    }
  })();
  return { events, close: () => abort.abort(), ready };
}
