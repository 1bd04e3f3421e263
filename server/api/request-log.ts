/** What a render request adds to its one access-log line (see app.ts, onResponse). */
import type { OutputFormat } from '../../shared/api.js';

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
  }
}
