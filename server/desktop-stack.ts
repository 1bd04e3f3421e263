/**
 * The desktop child's side of the local Kroki stack: the parent's stack messages become
 * calls to this server's own stack API (`/api/stack`, built by the stack launcher) with the
 * per-launch secret, and the API's event stream (`/api/stack/events`: progress, status,
 * error) is passed on as messages. A server without that API answers every request with a
 * clear "not available" error instead of failing silently.
 */
import type { FromServer, PullProgress, StackStatus } from '../shared/ipc.js';

export const STACK_UNAVAILABLE = 'The local Kroki stack is not available in this build of Kroki Studio (the server has no /api/stack).';

type Send = (message: FromServer) => void;

export class StackBridge {
  private events: AbortController | null = null;
  private closed = false;

  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
    private readonly send: Send,
    /** Whether this server has the stack API at all. */
    private readonly available: boolean,
  ) {}

  up(id: number, body: { file?: string; profiles?: string[]; project?: string }): Promise<void> {
    this.follow();
    return this.call(id, 'POST', 'api/stack/up', body);
  }

  down(id: number, body: { removeVolumes?: boolean }): Promise<void> {
    this.follow();
    return this.call(id, 'POST', 'api/stack/down', body);
  }

  status(id: number): Promise<void> {
    return this.call(id, 'GET', 'api/stack');
  }

  close(): void {
    this.closed = true;
    this.events?.abort();
    this.events = null;
  }

  private async call(id: number, method: 'GET' | 'POST', path: string, body?: unknown): Promise<void> {
    if (!this.available) return this.send({ type: 'stack-error', id, message: STACK_UNAVAILABLE });
    try {
      const response = await fetch(new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
        method,
        headers: { authorization: `Bearer ${this.secret}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      if (!response.ok) return this.send({ type: 'stack-error', id, message: errorMessage(response.status, text) });
      this.send({ type: 'stack-status', id, status: JSON.parse(text) as StackStatus });
    } catch (err) {
      this.send({ type: 'stack-error', id, message: `The stack request failed: ${(err as Error).message}` });
    }
  }

  /** Opens the event stream once; it ends with close() or when the server ends it. */
  private follow(): void {
    if (this.events || this.closed || !this.available) return;
    const controller = new AbortController();
    this.events = controller;
    void (async () => {
      try {
        const response = await fetch(new URL('api/stack/events', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`), {
          headers: { authorization: `Bearer ${this.secret}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (!response.ok || !response.body) {
          await response.body?.cancel();
          return;
        }
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
            this.event(parseSse(block));
          }
        }
      } catch {
        // aborted by close(), or the server went away: the next stack request opens it again
      } finally {
        if (this.events === controller) this.events = null;
      }
    })();
  }

  private event({ event, data }: { event: string; data: string }): void {
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (event === 'progress') this.send({ type: 'stack-progress', progress: payload as PullProgress });
    else if (event === 'status') this.send({ type: 'stack-status', status: payload as StackStatus });
    else if (event === 'error') this.send({ type: 'stack-error', message: String((payload as { message?: unknown })?.message ?? data) });
  }
}

/** One server-sent event block: its `event:` name (default "message") and its `data:` lines joined. */
export function parseSse(block: string): { event: string; data: string } {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return { event, data: data.join('\n') };
}

function errorMessage(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: string }; message?: string };
    const message = body.error?.message ?? body.message;
    if (message) return `The stack request failed (${status}): ${message}`;
  } catch {
    // not JSON
  }
  return `The stack request failed (${status})${text.trim() ? `: ${text.trim().slice(0, 300)}` : ''}`;
}
