/**
 * The production image against real containers: one app container whose KROKI_URL points
 * at a second container of the same image acting as the upstream Kroki (the image speaks
 * the Kroki API; yuzutech/kroki cannot be pulled here). Everything is published on
 * 127.0.0.1 only and removed in afterAll.
 */
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IMAGE,
  TEST_LABEL,
  assertSvg,
  baseUrl,
  docker,
  execIn,
  krokiEncode,
  pngSize,
  removeLeftovers,
  removeQuietly,
  runContainer,
  skipReason,
  waitForDockerHealth,
  waitForHealth,
} from './support.js';

const reason = skipReason();
if (reason) console.warn(`[docker] image tests skipped: ${reason}`);

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const MERMAID = 'graph TD\n  Alpha[Order received] --> Beta[Invoice sent]\n';
const PLANTUML = '@startuml\nactor Alice\nparticipant Bob\nAlice -> Bob: Hello Bob\n@enduml\n';

describe.skipIf(reason !== null)(`image ${IMAGE}`, () => {
  let network: Docker.Network | undefined;
  let upstream: Docker.Container | undefined;
  let app: Docker.Container | undefined;
  let url = '';

  beforeAll(async () => {
    await removeLeftovers();
    const netName = `ks-test-${suffix}`;
    network = await docker.createNetwork({ Name: netName, Driver: 'bridge', Labels: { [TEST_LABEL]: '1' } });
    // The stand-in upstream: this image on Kroki's port 8000, with no upstream of its own.
    upstream = await runContainer({
      name: `ks-upstream-${suffix}`,
      network: netName,
      aliases: ['kroki'],
      env: { STUDIO_PORT: '8000', STUDIO_PRELOAD: 'none' },
    });
    app = await runContainer({
      name: `ks-app-${suffix}`,
      network: netName,
      publish: 8080,
      env: { KROKI_URL: 'http://kroki:8000', STUDIO_UPSTREAM_TIMEOUT_MS: '5000' },
    });
    url = await baseUrl(app, 8080);
    await waitForHealth(url, 'healthy', 120_000);
  });

  afterAll(async () => {
    await removeQuietly(app);
    await removeQuietly(upstream);
    await network?.remove().catch(() => undefined);
  });

  it('runs as a non-root user', async () => {
    const info = await app!.inspect();
    expect(info.Config.User).not.toBe('');
    const uid = await execIn(app!, ['id', '-u']);
    expect(Number(uid)).toBeGreaterThan(0);
    // The app files are not writable by that user.
    const probe = await execIn(app!, ['sh', '-c', 'touch /app/dist/probe 2>/dev/null && echo writable || echo read-only']);
    expect(probe).toBe('read-only');
  });

  it('reports healthy on /health with the upstream up', async () => {
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { service: string; status: string };
    expect(body.service).toBe('kroki-studio');
    expect(body.status).toBe('healthy');
  });

  it("turns Docker's HEALTHCHECK healthy", async () => {
    const info = await app!.inspect();
    expect(info.Config.Healthcheck?.Test?.join(' ')).toContain('/health');
    expect(await waitForDockerHealth(app!, 'healthy', 90_000)).toBe('healthy');
  }, 120_000);

  it('serves the home page', async () => {
    const res = await fetch(`${url}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect((await res.text()).toLowerCase()).toContain('<html');
  });

  it('answers API validation errors with a clear 4xx', async () => {
    const badFormat = await fetch(`${url}/graphviz/nope`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'application/json' },
      body: 'digraph { a -> b }',
    });
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toMatch(/nope/i);

    const empty = await fetch(`${url}/plantuml/svg`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/plain' },
      body: '',
    });
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/empty/i);

    const badBase64 = await fetch(`${url}/graphviz/svg/%%%not-base64%%%`, { headers: { accept: 'text/plain' } });
    expect(badBase64.status).toBeGreaterThanOrEqual(400);
    expect(badBase64.status).toBeLessThan(500);
  });

  it('renders Mermaid to SVG in the container (Chromium)', async () => {
    const res = await fetch(`${url}/mermaid/svg`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: MERMAID });
    const text = await res.text();
    expect(res.status, text.slice(0, 300)).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/image\/svg\+xml/);
    assertSvg(text);
    expect(text).toContain('Order received');
    expect(text).toContain('Invoice sent');
  }, 120_000);

  it('renders PlantUML to SVG and PNG in the container (JVM)', async () => {
    const svg = await fetch(`${url}/plantuml/svg/${krokiEncode(PLANTUML)}`);
    const text = await svg.text();
    expect(svg.status, text.slice(0, 300)).toBe(200);
    assertSvg(text);
    expect(text).toContain('Alice');
    expect(text).toContain('Hello Bob');

    const png = await fetch(`${url}/plantuml/png`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: PLANTUML });
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(png.status, bytes.toString('utf8', 0, 300)).toBe(200);
    const size = pngSize(bytes);
    expect(size.width).toBeGreaterThan(50);
    expect(size.height).toBeGreaterThan(50);
    expect(size.width).toBeLessThan(5000);
  }, 120_000);

  it('renders the blockdiag family in the container (Python worker)', async () => {
    const svg = await fetch(`${url}/seqdiag/svg`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'seqdiag { browser -> server [label = "GET"]; }',
    });
    const text = await svg.text();
    expect(svg.status, text.slice(0, 300)).toBe(200);
    assertSvg(text);
    expect(text).toMatch(/<text[^>]*>browser<\/text>/);

    for (const format of ['png', 'pdf']) {
      const res = await fetch(`${url}/blockdiag/${format}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'blockdiag { A -> B -> 日本語; }',
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(res.status, bytes.toString('utf8', 0, 300)).toBe(200);
      if (format === 'png') expect(pngSize(bytes).width).toBeGreaterThan(50);
      else expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    }
  }, 120_000);

  it('ships the CJK and Latin fonts the engines need', async () => {
    const fonts = await execIn(app!, ['sh', '-c', 'find /usr/share/fonts -name "*.tt[fc]" | sort']);
    expect(fonts).toMatch(/NotoSansCJK/);
    expect(fonts).toMatch(/DejaVuSans\.ttf/);
  });

  it('degrades when the upstream stops: 503 degraded, local types still render, upstream-only types 503', async () => {
    await upstream!.stop({ t: 5 });
    const health = await waitForHealth(url, 'degraded', 60_000);
    expect(health.status).toBe(503);
    const res = await fetch(`${url}/health`);
    expect(res.status).toBe(503);

    const local = await fetch(`${url}/graphviz/svg`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'digraph { Kitchen -> Dining }',
    });
    const svg = await local.text();
    expect(local.status, svg.slice(0, 300)).toBe(200);
    expect(svg).toContain('Kitchen');

    const plant = await fetch(`${url}/plantuml/svg`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: PLANTUML });
    expect(plant.status).toBe(200);

    const remote = await fetch(`${url}/structurizr/svg`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', accept: 'text/plain' },
      body: 'workspace {\n  model {\n    user = person "User"\n  }\n}\n',
    });
    expect(remote.status).toBe(503);
    expect((await remote.text()).length).toBeGreaterThan(10);

    await upstream!.start();
    expect((await waitForHealth(url, 'healthy', 90_000)).status).toBe(200);
  }, 180_000);

  it('comes back healthy after docker restart', async () => {
    await app!.restart({ t: 10 });
    url = await baseUrl(app!, 8080);
    const after = await waitForHealth(url, 'healthy', 120_000);
    expect(after.status).toBe(200);
    const png = await fetch(`${url}/graphviz/png`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'digraph { a -> b }' });
    expect(png.status).toBe(200);
    pngSize(Buffer.from(await png.arrayBuffer()));
  }, 180_000);

  it('stops promptly on SIGTERM (no 10 s kill)', async () => {
    const started = Date.now();
    await app!.stop({ t: 10 });
    const elapsedMs = Date.now() - started;
    const state = (await app!.inspect()).State;
    console.log(`[docker] docker stop took ${elapsedMs} ms, exit code ${state.ExitCode}`);
    expect(state.Running).toBe(false);
    expect(state.ExitCode).not.toBe(137); // 137 = SIGKILL after the stop timeout
    expect(elapsedMs).toBeLessThan(5_000);
  }, 60_000);
});
