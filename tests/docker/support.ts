/**
 * Shared plumbing for the Docker tests: a dockerode client, containers labelled so that a
 * failed run can still be cleaned up, loopback-only port publishing, readiness polling and
 * small picture checks. The image under test is built by scripts/test-docker.sh and passed
 * in DOCKER_TEST_IMAGE; without it (or without a daemon) the suites skip with a reason.
 */
import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import Docker from 'dockerode';

export const TEST_LABEL = 'kroki-studio.docker-test';
export const IMAGE = process.env.DOCKER_TEST_IMAGE ?? '';

export const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });

/** Why the Docker suites cannot run here, or null when they can. */
export function skipReason(): string | null {
  if (!IMAGE) return 'DOCKER_TEST_IMAGE is not set (run scripts/test-docker.sh, which builds the image)';
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 15_000 });
  } catch {
    return `image ${IMAGE} is not available from the Docker daemon`;
  }
  return null;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface RunOptions {
  name: string;
  env?: Record<string, string>;
  /** Container port to publish on 127.0.0.1 (a free host port is chosen). */
  publish?: number;
  network?: string;
  aliases?: string[];
  stopTimeoutS?: number;
}

export async function runContainer(opts: RunOptions): Promise<Docker.Container> {
  const exposed = opts.publish ? { [`${opts.publish}/tcp`]: {} } : undefined;
  const container = await docker.createContainer({
    name: opts.name,
    Image: IMAGE,
    Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [TEST_LABEL]: '1' },
    ExposedPorts: exposed,
    StopTimeout: opts.stopTimeoutS ?? 10,
    HostConfig: {
      PortBindings: opts.publish ? { [`${opts.publish}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } : undefined,
      NetworkMode: opts.network,
      ShmSize: 256 * 1024 * 1024,
    },
    NetworkingConfig: opts.network ? { EndpointsConfig: { [opts.network]: { Aliases: opts.aliases ?? [] } } } : undefined,
  });
  await container.start();
  return container;
}

/** Base URL of a published port; re-read after every (re)start, the host port can change. */
export async function baseUrl(container: Docker.Container, port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const info = await container.inspect();
    const binding = info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0];
    if (binding?.HostPort) return `http://127.0.0.1:${binding.HostPort}`;
    await sleep(100);
  }
  throw new Error(`port ${port} of ${container.id.slice(0, 12)} was never published`);
}

export interface HealthBody {
  service?: string;
  status?: string;
  checks?: Record<string, unknown>;
}

/** Polls /health until `want` (or any answer when want is undefined) or the deadline. */
export async function waitForHealth(url: string, want: string | undefined, timeoutMs: number): Promise<{ status: number; body: HealthBody }> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) });
      const body = (await res.json()) as HealthBody;
      last = `${res.status} ${JSON.stringify(body).slice(0, 300)}`;
      if (want === undefined || body.status === want) return { status: res.status, body };
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`/health at ${url} did not report ${want ?? 'anything'} within ${timeoutMs} ms; last: ${last}`);
}

/** Waits for Docker's own HEALTHCHECK verdict. */
export async function waitForDockerHealth(container: Docker.Container, want: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let status = 'none';
  while (Date.now() < deadline) {
    status = (await container.inspect()).State.Health?.Status ?? 'none';
    if (status === want) return status;
    await sleep(1_000);
  }
  throw new Error(`Docker health stayed "${status}" (wanted "${want}") for ${timeoutMs} ms`);
}

export async function removeQuietly(container: Docker.Container | undefined): Promise<void> {
  if (!container) return;
  await container.remove({ force: true, v: true }).catch(() => undefined);
}

/** Output of a command run inside a container (stdout and stderr, demultiplexed). */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  const sink = { write: (c: Buffer) => chunks.push(c) } as unknown as NodeJS.WritableStream;
  docker.modem.demuxStream(stream, sink, sink);
  await new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Kroki's GET encoding: deflate, then base64url. */
export function krokiEncode(source: string): string {
  return deflateSync(Buffer.from(source, 'utf8'), { level: 9 }).toString('base64url');
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function pngSize(png: Buffer): { width: number; height: number } {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG (signature mismatch)');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** SVG text with the labels the diagram must show (checked by the caller). */
export function assertSvg(text: string): void {
  if (!/<svg[\s>]/.test(text) || !text.includes('</svg>')) throw new Error(`not an SVG: ${text.slice(0, 200)}`);
}

/** Removes every container left by an earlier, interrupted run. */
export async function removeLeftovers(): Promise<void> {
  const stale = await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } });
  await Promise.all(
    stale.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** When each container first reported `healthy`, from Docker's events since `sinceMs`. */
export async function firstHealthyEvents(sinceMs: number): Promise<Map<string, number>> {
  const stream = (await docker.getEvents({
    since: Math.floor(sinceMs / 1000) - 1,
    until: Math.ceil(Date.now() / 1000),
    filters: { event: ['health_status'] },
  })) as unknown as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  const first = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as { status?: string; id?: string; timeNano?: number };
    if (event.status !== 'health_status: healthy' || !event.id || event.timeNano === undefined) continue;
    const ms = event.timeNano / 1e6;
    if (!first.has(event.id) || ms < first.get(event.id)!) first.set(event.id, ms);
  }
  return first;
}
