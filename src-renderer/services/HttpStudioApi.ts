import axios, { type AxiosInstance, isAxiosError, isCancel } from 'axios';
import type { EnginesResponse, ErrorBody, HealthResponse, StudioConfigResponse } from '../../shared/api';
import type { StackStatus } from '../../shared/stack';
import {
  DEFAULT_MAX_URI_LENGTH,
  RenderAborted,
  RenderError,
  type RenderRequest,
  type RenderResult,
  type ServerInfo,
  type StackApi,
  type StackEventHandlers,
  type StudioApi,
} from './StudioApi';

/** Reads Kroki's JSON error body; falls back to the text the server sent. */
export function parseErrorBody(status: number, data: unknown): RenderError {
  let text = '';
  if (data instanceof ArrayBuffer) text = new TextDecoder().decode(data);
  else if (typeof data === 'string') text = data;
  else if (data && typeof data === 'object') text = JSON.stringify(data);
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') {
      const line = typeof body.error.line === 'number' && body.error.line > 0 ? body.error.line : null;
      return new RenderError(body.error.message, body.error.code ?? status, line);
    }
  } catch {
    // not JSON: keep the plain text
  }
  return new RenderError(text.trim() || `Render failed with HTTP ${status}`, status);
}

type ConfigBody = Partial<StudioConfigResponse>;

/** Talks to the server the page was loaded from (or `baseUrl`). */
export class HttpStudioApi implements StudioApi {
  private readonly http: AxiosInstance;
  readonly stack: StackApi;

  /** `secret`: the server's STUDIO_SECRET, when it requires one (the desktop server does). */
  constructor(
    readonly baseUrl: string,
    secret: string | null = null,
  ) {
    this.http = axios.create({
      baseURL: baseUrl,
      timeout: 60_000,
      headers: secret ? { Authorization: `Bearer ${secret}` } : {},
    });
    this.stack = new HttpStackApi(this.http, baseUrl, secret);
  }

  async render(request: RenderRequest): Promise<RenderResult> {
    const started = performance.now();
    try {
      const response = await this.http.post<ArrayBuffer>(`${encodeURIComponent(request.type)}/${request.format}`, request.source, {
        params: request.options,
        responseType: 'arraybuffer',
        // The format is in the path; Accept only selects the shape of an error body.
        headers: { 'Content-Type': 'text/plain; charset=utf-8', Accept: 'application/json' },
        signal: request.signal,
        transformRequest: [(data: unknown) => data],
      });
      return {
        bytes: new Uint8Array(response.data),
        contentType: String(response.headers['content-type'] ?? ''),
        durationMs: performance.now() - started,
      };
    } catch (error) {
      if (isCancel(error) || request.signal?.aborted) throw new RenderAborted();
      if (isAxiosError(error) && error.response) throw parseErrorBody(error.response.status, error.response.data);
      throw new RenderError(`Cannot reach the server: ${(error as Error).message}`, 0);
    }
  }

  async engines(): Promise<EnginesResponse> {
    const response = await this.http.get<EnginesResponse>('api/engines');
    return response.data;
  }

  async serverInfo(): Promise<ServerInfo> {
    let body: ConfigBody = {};
    try {
      body = (await this.http.get<ConfigBody>('api/config')).data ?? {};
    } catch {
      // An older server without /api/config: Kroki's defaults apply.
    }
    const upstream = body.upstream;
    return {
      maxUriLength: typeof body.maxUriLength === 'number' ? body.maxUriLength : DEFAULT_MAX_URI_LENGTH,
      version: body.version ?? null,
      upstream: upstream ?? null,
      baseUrl: this.baseUrl,
    };
  }

  async health(): Promise<HealthResponse> {
    // /health answers 503 with the same body when degraded; both are informative.
    const response = await this.http.get<HealthResponse>('health', { validateStatus: () => true });
    return response.data;
  }
}

/** `/api/stack` over HTTP; its events come as server-sent events read with fetch (EventSource cannot send the secret). */
class HttpStackApi implements StackApi {
  constructor(
    private readonly http: AxiosInstance,
    private readonly baseUrl: string,
    private readonly secret: string | null,
  ) {}

  private async call(method: 'get' | 'post', url: string, body?: unknown): Promise<StackStatus> {
    try {
      const response =
        method === 'get'
          ? await this.http.get<StackStatus>(url, { headers: { Accept: 'application/json' } })
          : await this.http.post<StackStatus>(url, JSON.stringify(body ?? {}), {
              headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
              // Pulls and health gates can take minutes.
              timeout: 0,
            });
      return response.data;
    } catch (error) {
      if (isAxiosError(error) && error.response) throw parseErrorBody(error.response.status, error.response.data);
      throw new RenderError(`Cannot reach the server: ${(error as Error).message}`, 0);
    }
  }

  status(): Promise<StackStatus> {
    return this.call('get', 'api/stack');
  }

  up(request = {}): Promise<StackStatus> {
    return this.call('post', 'api/stack/up', request);
  }

  down(request = {}): Promise<StackStatus> {
    return this.call('post', 'api/stack/down', request);
  }

  async logs(options: { service?: string; tail?: number } = {}): Promise<string> {
    const response = await this.http.get<string>('api/stack/logs', { params: options, responseType: 'text', headers: { Accept: 'text/plain' } });
    return response.data;
  }

  events(handlers: StackEventHandlers): () => void {
    const abort = new AbortController();
    const url = new URL('api/stack/events', this.baseUrl).href;
    const headers: Record<string, string> = this.secret ? { Authorization: `Bearer ${this.secret}` } : {};
    void (async () => {
      // Reconnects after a dropped stream (a server restart) until stopped.
      while (!abort.signal.aborted) {
        try {
          const response = await fetch(url, { headers, signal: abort.signal });
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              dispatch(buffer.slice(0, end), handlers);
              buffer = buffer.slice(end + 2);
            }
          }
        } catch {
          // dropped or refused: retry below
        }
        if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 2000));
      }
    })();
    return () => abort.abort();
  }
}

function dispatch(block: string, handlers: StackEventHandlers): void {
  const event = /^event: (.*)$/m.exec(block)?.[1];
  const data = /^data: (.*)$/m.exec(block)?.[1];
  if (!event || !data) return;
  const value: unknown = JSON.parse(data);
  if (event === 'progress') handlers.progress?.(value as Parameters<NonNullable<StackEventHandlers['progress']>>[0]);
  else if (event === 'status') handlers.status?.(value as StackStatus);
  else if (event === 'error') handlers.error?.(value as { message: string });
}

/** The app is built with base './', so the server root is the page's directory. */
export function pageBaseUrl(): string {
  return new URL('.', window.location.href.split('#')[0]).href;
}
