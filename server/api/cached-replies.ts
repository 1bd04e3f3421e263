/**
 * Repeated GETs of a cached diagram (a page's images, a docs site behind a cache-less
 * proxy) answered before Fastify's router, hooks and reply object: the same URL, served once
 * through the full path as a cache hit, is answered again with the very headers that path
 * sent, while the render cache still holds its picture.
 *
 * It changes nothing a client can see: the headers are a copy of the full path's own, the
 * access checks are the same function (access.ts), the cache hit is counted and the access
 * log gets its line. A request the full path could answer differently — another Host
 * allowed or not, a secret, `If-None-Match`, `Kroki-Diagram-Options-*` headers — or a
 * picture the cache has dropped goes the full way.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { OutputFormat } from '../../shared/api.js';
import type { RenderPlan, RenderResult } from '../render/core.js';

export interface CachedReply {
  plan: RenderPlan;
  /** The full path's response headers (Content-Length is set per answer). */
  headers: Record<string, string | number | string[] | undefined>;
  type: string;
  format: OutputFormat;
}

export interface CachedRepliesOptions {
  /** The render cache's picture for a plan, counted as a hit; undefined once dropped. */
  lookup(plan: RenderPlan): RenderResult | undefined;
  /** True when the full path would refuse the request (access.ts): it then answers it. */
  refused(method: string, url: string, headers: IncomingHttpHeaders): boolean;
  logger: Logger;
}

/** URL and source characters remembered (the plans hold their sources). */
const MAX_CHARS = 4 << 20;
const OPTIONS_HEADER = 'kroki-diagram-options-';

/** Request headers that could change a GET render's answer: the URL alone does not say it all. */
export function answerDependsOnHeaders(headers: IncomingHttpHeaders): boolean {
  if (headers['if-none-match'] !== undefined) return true;
  for (const name in headers) if (name.startsWith(OPTIONS_HEADER)) return true;
  return false;
}

export class CachedReplies {
  private readonly replies = new LRUCache<string, CachedReply & { flat: string[]; log: Logger }>({
    maxSize: MAX_CHARS,
    sizeCalculation: (reply, url) => url.length + reply.plan.source.length + 256,
  });
  private open = true;
  private served = 0;

  constructor(private readonly opts: CachedRepliesOptions) {}

  /** The full path answered `url` from the cache with these headers: the same request may be answered here next time. */
  remember(url: string, reply: CachedReply): void {
    if (!this.open || url.length + reply.plan.source.length > MAX_CHARS / 16) return;
    // A header naming request headers the answer varies on would need them compared too.
    if (reply.headers.vary !== undefined) return;
    // Flattened once ([name, value, name, value, …], as writeHead takes them): no object
    // is copied per answer.
    const flat: string[] = [];
    for (const [name, value] of Object.entries(reply.headers)) {
      if (name === 'content-length' || value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) flat.push(name, String(v));
    }
    // The log line's fixed fields, serialised once (a pino child's bindings); per answer
    // only the request id and the time are.
    const log = this.opts.logger.child({
      method: 'GET',
      url: url.slice(0, 200),
      status: 200,
      type: reply.type,
      format: reply.format,
      cache: 'hit',
      durationMs: 0,
    });
    this.replies.set(url, { ...reply, flat, log });
  }

  /** Shutting down: every request goes to Fastify, which refuses new ones while it closes. */
  close(): void {
    this.open = false;
    this.replies.clear();
  }

  /** Answers the request and returns true, or returns false and leaves it untouched for Fastify. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.open || req.method !== 'GET' || req.url === undefined) return false;
    const reply = this.replies.get(req.url);
    if (!reply || answerDependsOnHeaders(req.headers) || this.opts.refused('GET', req.url, req.headers)) return false;
    const started = performance.now();
    const result = this.opts.lookup(reply.plan);
    if (!result) {
      this.replies.delete(req.url);
      return false;
    }
    res.writeHead(200, [...reply.flat, 'content-length', String(result.body.length)]);
    res.end(result.body);
    this.served++;
    // The access log's one line per request, with the fields of app.ts's onResponse line.
    // (Fastify's stand-in logger, `logger: false`, has no isLevelEnabled and logs nothing.)
    if (reply.log.isLevelEnabled?.('info') ?? false) {
      const reqId = req.headers['x-request-id'] ?? `hit-${this.served}`;
      reply.log.info({ reqId, ms: +(performance.now() - started).toFixed(2), engine: result.engine, bytes: result.body.length }, 'request');
    }
    return true;
  }
}
