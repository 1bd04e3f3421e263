/**
 * Finding Docker: DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY/DOCKER_CERT_PATH,
 * npipe://) or the platform's default socket, and the three ways it goes wrong turned into
 * messages that say what to do: not installed, not running, no permission on the socket.
 * dockerode is loaded only here, and only when a stack command needs Docker.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';

export class DockerUnavailableError extends Error {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, opts);
    this.name = 'DockerUnavailableError';
  }
}

export interface DockerEndpoint {
  /** As the user would write it in DOCKER_HOST. */
  label: string;
  options: Docker.DockerOptions;
  /** The unix socket, when the engine is reached through one (the port check and the messages use it). */
  socketPath?: string;
  /** The engine runs on this machine (published ports are on 127.0.0.1 here). */
  local: boolean;
  /** The host name published ports are reached at. */
  publishHost: string;
}

export function dockerEndpoint(env: Readonly<Record<string, string | undefined>> = process.env): DockerEndpoint {
  const raw = env.DOCKER_HOST?.trim();
  if (!raw) {
    if (process.platform === 'win32')
      return { label: 'npipe:////./pipe/docker_engine', options: { socketPath: '//./pipe/docker_engine' }, local: true, publishHost: '127.0.0.1' };
    const socketPath = defaultSocket(env);
    return { label: `unix://${socketPath}`, options: { socketPath }, socketPath, local: true, publishHost: '127.0.0.1' };
  }
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    return { label: raw, options: { socketPath }, socketPath, local: true, publishHost: '127.0.0.1' };
  }
  if (raw.startsWith('npipe://'))
    return { label: raw, options: { socketPath: raw.slice('npipe:'.length).replace(/\//g, '\\') }, local: true, publishHost: '127.0.0.1' };
  let url: URL;
  try {
    url = new URL(raw.replace(/^tcp:/, 'http:'));
  } catch {
    throw new DockerUnavailableError(`DOCKER_HOST="${raw}" is not a Docker address (expected unix:///var/run/docker.sock or tcp://host:2376)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DockerUnavailableError(`DOCKER_HOST="${raw}": only unix://, tcp:// and npipe:// addresses are supported`);
  const tls = (env.DOCKER_TLS_VERIFY ?? '') !== '' && env.DOCKER_TLS_VERIFY !== '0';
  const options: Docker.DockerOptions = { host: url.hostname, port: Number(url.port || (tls ? 2376 : 2375)), protocol: tls ? 'https' : 'http' };
  if (tls) {
    const dir = env.DOCKER_CERT_PATH?.trim() || path.join(env.HOME ?? '', '.docker');
    try {
      options.ca = readFileSync(path.join(dir, 'ca.pem'));
      options.cert = readFileSync(path.join(dir, 'cert.pem'));
      options.key = readFileSync(path.join(dir, 'key.pem'));
    } catch (err) {
      throw new DockerUnavailableError(`DOCKER_TLS_VERIFY is set but the certificates in ${dir} cannot be read: ${(err as Error).message}`);
    }
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
  return { label: raw, options, local: loopback, publishHost: loopback ? '127.0.0.1' : url.hostname };
}

/** The rootful socket, or a rootless one (Docker's rootless mode, Docker Desktop, Colima) when only that exists. */
function defaultSocket(env: Readonly<Record<string, string | undefined>>): string {
  const candidates = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) candidates.push(path.join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  if (env.HOME) candidates.push(path.join(env.HOME, '.docker', 'run', 'docker.sock'), path.join(env.HOME, '.colima', 'default', 'docker.sock'));
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/** Connects and pings; every failure becomes a DockerUnavailableError that says what to do. */
export async function connectDocker(endpoint: DockerEndpoint, timeoutMs = 5000): Promise<Docker> {
  const { default: Dockerode } = await import('dockerode');
  const docker = new Dockerode(endpoint.options);
  try {
    // dockerode 5 takes an abortSignal here; its type definitions (4.x) do not know it yet.
    await (docker.ping as unknown as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, { abortSignal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw explainDockerError(err, endpoint);
  }
  return docker;
}

const NOT_REACHED = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
  'ENETUNREACH',
]);

/** Whether an error from a Docker call means the engine itself is gone (rather than the call failing). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; message?: string };
  // An aborted request whose reason is a timeout: Docker did not answer in time.
  const timedOut = e?.name === 'TimeoutError' || (e?.name === 'AbortError' && (err as { cause?: { name?: string } }).cause?.name === 'TimeoutError');
  return (e?.code !== undefined && NOT_REACHED.has(e.code)) || timedOut || /socket hang up/.test(e?.message ?? '');
}

export function explainDockerError(err: unknown, endpoint: DockerEndpoint): Error {
  if (err instanceof DockerUnavailableError) return err;
  const code = (err as { code?: string }).code;
  const socket = endpoint.socketPath;
  if (socket && code === 'ENOENT') {
    if (!dockerInstalled())
      return new DockerUnavailableError(
        `Docker is not installed (no ${socket}): install Docker Engine (e.g. apt-get install docker.io) or Docker Desktop, then start it`,
        { cause: err },
      );
    return new DockerUnavailableError(`Docker is not running (no ${socket}): start it (e.g. sudo systemctl start docker, or open Docker Desktop)`, {
      cause: err,
    });
  }
  if (socket && code === 'ECONNREFUSED')
    return new DockerUnavailableError(`Docker is not running (${socket} refuses connections): start it (e.g. sudo systemctl start docker)`, { cause: err });
  if (socket && (code === 'EACCES' || code === 'EPERM'))
    return new DockerUnavailableError(
      `permission denied on ${socket}: add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or use rootless Docker`,
      { cause: err },
    );
  if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError')
    return new DockerUnavailableError(`Docker at ${endpoint.label} did not answer in time`, { cause: err });
  if (isConnectionError(err))
    return new DockerUnavailableError(
      `Docker at ${endpoint.label} is unreachable (${code ?? (err as Error).message}): check DOCKER_HOST and that the engine runs`,
      { cause: err },
    );
  return new DockerUnavailableError(`Docker at ${endpoint.label} answered with an error: ${dockerMessage(err)}`, { cause: err });
}

function dockerInstalled(): boolean {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return dirs.some((d) => existsSync(path.join(d, 'docker')) || existsSync(path.join(d, 'dockerd')));
}

/** The engine's own message from a dockerode error (its JSON `message`), else the error's. */
export function dockerMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string; statusCode?: number };
  const fromJson = e?.json?.message;
  if (fromJson) return fromJson.trim();
  return (e?.message ?? String(err)).replace(/^\(HTTP code \d+\) [^-]+- /, '').trim();
}
