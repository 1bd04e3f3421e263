/**
 * The compose stack (docker-compose.yml) against a real Docker engine: all services come
 * up healthy in dependency order (mermaid → kroki → app), the app reaches Kroki over the
 * stack's network, and `down` removes containers and networks.
 *
 * When the yuzutech images are not available (no registry here), this project's image
 * stands in for kroki and mermaid (tests/docker/compose.substitute.yml moves it to their
 * ports); the test says so in its output.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE, docker, firstHealthyEvents, skipReason, waitForDockerHealth, waitForHealth } from './support.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const KROKI_REAL = 'yuzutech/kroki:0.32.1';
const MERMAID_REAL = 'yuzutech/kroki-mermaid:0.32.1';

function composeCommand(): string[] {
  const raw = process.env.DOCKER_COMPOSE?.trim();
  return raw ? raw.split(/\s+/) : ['docker-compose'];
}

async function hasImage(name: string): Promise<boolean> {
  return docker
    .getImage(name)
    .inspect()
    .then(() => true)
    .catch(() => false);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function composeMissing(): string | null {
  const [bin, ...args] = composeCommand();
  try {
    execFileSync(bin!, [...args, 'version'], { stdio: 'ignore', timeout: 30_000 });
    return null;
  } catch {
    return `no compose command (${composeCommand().join(' ')}); install docker-compose or the compose plugin`;
  }
}

const reason = skipReason() ?? composeMissing();
if (reason) console.warn(`[docker] compose tests skipped: ${reason}`);

describe.skipIf(reason !== null)('docker-compose.yml stack', () => {
  const project = `kstest${process.pid}${Date.now().toString(36)}`;
  const [bin, ...baseArgs] = composeCommand();
  let files = ['-f', 'docker-compose.yml'];
  let env: NodeJS.ProcessEnv = {};
  let port = 0;

  const compose = async (args: string[], timeoutMs = 300_000): Promise<string> => {
    const { stdout, stderr } = await run(bin!, [...baseArgs, ...files, '-p', project, ...args], {
      cwd: ROOT,
      env,
      timeout: timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`;
  };
  const containerOf = async (service: string) => {
    const id = (await compose(['ps', '-q', service])).trim().split('\n').pop()!;
    return docker.getContainer(id);
  };

  beforeAll(async () => {
    port = await freePort();
    const real = (await hasImage(KROKI_REAL)) && (await hasImage(MERMAID_REAL));
    env = {
      ...process.env,
      STUDIO_IMAGE: IMAGE,
      STUDIO_PUBLISH_PORT: String(port),
      STUDIO_SECRET: randomBytes(16).toString('hex'),
      HEALTHCHECK_INTERVAL: '2s',
    };
    if (real) {
      console.log(`[docker] compose: using the real ${KROKI_REAL} and ${MERMAID_REAL}`);
    } else {
      env.KROKI_IMAGE = IMAGE;
      env.KROKI_MERMAID_IMAGE = IMAGE;
      files = [...files, '-f', 'tests/docker/compose.substitute.yml'];
      console.log(
        `[docker] compose: SUBSTITUTION — ${KROKI_REAL} and ${MERMAID_REAL} are not available (no registry); ` +
          `kroki := ${IMAGE} on :8000 (Kroki API), mermaid := ${IMAGE} on :8002 (answers /health)`,
      );
    }
  }, 60_000);

  afterAll(async () => {
    await compose(['down', '-v', '--remove-orphans', '--timeout', '5'], 120_000).catch(() => undefined);
  }, 150_000);

  let upAt = 0;
  it('comes up with every service healthy', async () => {
    upAt = Date.now();
    await compose(['up', '-d', '--no-build'], 420_000);
    for (const service of ['mermaid', 'kroki', 'app']) {
      expect(await waitForDockerHealth(await containerOf(service), 'healthy', 180_000), service).toBe('healthy');
    }
  }, 600_000);

  it('started the services in dependency order, each after its dependency was healthy', async () => {
    const info = async (s: string) => (await containerOf(s)).inspect();
    const [mermaid, kroki, app] = await Promise.all([info('mermaid'), info('kroki'), info('app')]);
    const started = (i: typeof app) => Date.parse(i.State.StartedAt);
    // Docker keeps only the last five health checks in State.Health; its event log keeps them all.
    const healthyAt = await firstHealthyEvents(upAt);
    const firstHealthy = (i: typeof app) => healthyAt.get(i.Id) ?? Infinity;
    expect(started(mermaid)).toBeLessThan(started(kroki));
    expect(started(kroki)).toBeLessThan(started(app));
    expect(firstHealthy(mermaid)).toBeLessThanOrEqual(started(kroki));
    expect(firstHealthy(kroki)).toBeLessThanOrEqual(started(app));
    // Only the app is published, and only on loopback.
    const bindings = Object.values(app.NetworkSettings.Ports ?? {})
      .flat()
      .filter(Boolean);
    expect(bindings.map((b) => b!.HostIp)).toEqual(['127.0.0.1']);
    expect(
      Object.values(kroki.NetworkSettings.Ports ?? {})
        .flat()
        .filter(Boolean),
    ).toEqual([]);
    expect(app.Config.Env).toContain(`STUDIO_SECRET=${env.STUDIO_SECRET}`);
  });

  it('serves the app on 127.0.0.1 with the kroki service as its healthy upstream', async () => {
    const url = `http://127.0.0.1:${port}`;
    const health = await waitForHealth(url, 'healthy', 60_000);
    expect(health.status).toBe(200);
    expect(JSON.stringify(health.body.checks ?? {})).toMatch(/kroki/);
    // The secret from the environment guards the API: without it 401, with it the picture.
    const denied = await fetch(`${url}/graphviz/svg`, { method: 'POST', body: 'digraph { a -> b }' });
    expect(denied.status).toBe(401);
    const res = await fetch(`${url}/graphviz/svg`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${env.STUDIO_SECRET}` },
      body: 'digraph { Compose -> Stack }',
    });
    const svg = await res.text();
    expect(res.status, svg.slice(0, 300)).toBe(200);
    expect(svg).toContain('Compose');
  }, 90_000);

  it('down removes the containers and networks', async () => {
    await compose(['down', '-v', '--remove-orphans', '--timeout', '10'], 120_000);
    const left = await docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${project}`] } });
    expect(left).toEqual([]);
    const nets = await docker.listNetworks({ filters: { label: [`com.docker.compose.project=${project}`] } });
    expect(nets.map((n) => n.Name)).toEqual([]);
  }, 150_000);
});
