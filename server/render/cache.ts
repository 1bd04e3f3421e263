/**
 * Content-addressed cache of rendered pictures, bounded by bytes. The key also serves as
 * the ETag, so it covers type, format, options and source (Kroki's hashes the source only).
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { OutputFormat } from '../../shared/api.js';

export interface CachedRender {
  body: Buffer;
  engine: string;
}

export function renderKey(type: string, format: OutputFormat, options: Record<string, string>, source: string, safeMode: string): string {
  const opts = Object.keys(options)
    .sort()
    .map((k) => [k, options[k]]);
  return createHash('sha256')
    .update(JSON.stringify([type, format, opts, safeMode, source]))
    .digest('base64url')
    .slice(0, 32);
}

export class RenderCache {
  private readonly lru: LRUCache<string, CachedRender> | null;
  hits = 0;
  misses = 0;

  constructor(maxBytes: number) {
    this.lru = maxBytes > 0 ? new LRUCache<string, CachedRender>({ maxSize: maxBytes, sizeCalculation: (v) => v.body.length + 64 }) : null;
  }

  get enabled(): boolean {
    return this.lru !== null;
  }

  get(key: string): CachedRender | undefined {
    if (!this.lru) return undefined;
    const v = this.lru.get(key);
    if (v) this.hits++;
    else this.misses++;
    return v;
  }

  /** Like get(), but a miss is not counted: the render that follows counts it. */
  getHit(key: string): CachedRender | undefined {
    const v = this.lru?.get(key);
    if (v) this.hits++;
    return v;
  }

  set(key: string, value: CachedRender): void {
    // A single picture larger than the whole budget is simply not cached.
    this.lru?.set(key, value);
  }

  get bytes(): number {
    return this.lru?.calculatedSize ?? 0;
  }

  get entries(): number {
    return this.lru?.size ?? 0;
  }
}
