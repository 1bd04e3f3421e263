/** What a render request adds to its one access-log line (see app.ts, onResponse). */
import type { OutputFormat } from '../../shared/api.js';
import type { CachedReply } from './cached-replies.js';

export interface RenderedLogFields {
  type: string;
  format: OutputFormat;
  engine: string;
  cache: 'hit' | 'miss';
  durationMs: number;
  bytes: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    rendered: RenderedLogFields | null;
    /** A GET answered from the cache that may be answered again before routing (cached-replies.ts). */
    replayable: Omit<CachedReply, 'headers'> | null;
  }
}
