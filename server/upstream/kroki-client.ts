/**
 * Client for an upstream Kroki server (kroki.io, a company Kroki, or the local stack).
 * Keep-alive sockets, a time limit per call, one retry when a reused socket turns out to
 * be dead (rendering is idempotent), and upstream errors mapped to our error classes with
 * their status class and message kept.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, type AxiosInstance } from 'axios';
import type { OutputFormat } from '../../shared/api.js';
import { StudioError } from '../errors.js';

export interface UpstreamHealth {
  ok: boolean;
  responseTimeMs: number | null;
  message: string;
}

const RETRYABLE = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED_SOCKET']);

export class KrokiClient {
  private readonly http: AxiosInstance;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: timeoutMs,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32 }),
      responseType: 'arraybuffer',
      validateStatus: () => true,
      maxRedirects: 3,
      // Upstream pictures can be big, but not unbounded.
      maxContentLength: 64 * 1024 * 1024,
      transitional: { clarifyTimeoutError: true },
    });
  }

  async render(type: string, format: OutputFormat, source: string, options: Record<string, string>, signal: AbortSignal): Promise<Buffer> {
    const body = { diagram_source: source, diagram_options: options };
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.http.post(`/${encodeURIComponent(type)}/${format}`, body, {
          headers: { 'content-type': 'application/json', accept: 'application/json, */*;q=0.1' },
          signal,
        });
        const data = Buffer.from(res.data as ArrayBuffer);
        if (res.status === 200) return data;
        const { message, line } = upstreamError(data, res.status);
        const opts = line === undefined ? { expose: true } : { expose: true, line };
        throw new StudioError(res.status >= 400 && res.status <= 599 ? res.status : 502, `Upstream Kroki: ${message}`, opts);
      } catch (err) {
        if (err instanceof StudioError) throw err;
        const code = (err as AxiosError).code ?? '';
        if (attempt === 0 && RETRYABLE.has(code) && !signal.aborted) continue;
        throw this.transportError(err as AxiosError);
      }
    }
  }

  async health(timeoutMs = 5000): Promise<UpstreamHealth> {
    const started = performance.now();
    try {
      const res = await this.http.get('/health', { timeout: timeoutMs, responseType: 'json', headers: { accept: 'application/json' } });
      const ms = Math.round(performance.now() - started);
      if (res.status === 200) return { ok: true, responseTimeMs: ms, message: `Kroki at ${this.baseUrl} is reachable` };
      return { ok: false, responseTimeMs: ms, message: `Kroki at ${this.baseUrl} answered ${res.status}` };
    } catch (err) {
      return { ok: false, responseTimeMs: null, message: this.transportError(err as AxiosError).message };
    }
  }

  private transportError(err: AxiosError): StudioError {
    const code = err.code ?? '';
    if (code === 'ERR_CANCELED') return new StudioError(499, 'The request was cancelled.', { expose: true, cause: err });
    if (code === 'ETIMEDOUT' || code === 'ECONNABORTED')
      return new StudioError(504, `Upstream Kroki at ${this.baseUrl} did not answer within ${this.timeoutMs} ms.`, { expose: true, cause: err });
    return new StudioError(503, `Upstream Kroki at ${this.baseUrl} is unreachable (${code || err.message}).`, { expose: true, cause: err });
  }
}

/** Kroki's error bodies: JSON `{error:{message}}` when we asked for it, else `Error 400: msg`. */
function upstreamError(data: Buffer, status: number): { message: string; line?: number } {
  const text = data.toString('utf8').slice(0, 4000);
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; line?: unknown } | string };
    if (typeof parsed.error === 'string') return { message: parsed.error };
    if (parsed.error?.message) {
      const line = parsed.error.line;
      return typeof line === 'number' && Number.isInteger(line) && line > 0 ? { message: parsed.error.message, line } : { message: parsed.error.message };
    }
  } catch {
    // not JSON: fall through to the text form
  }
  return { message: text.replace(/^Error \d{3}: /, '').trim() || `HTTP ${status}` };
}
