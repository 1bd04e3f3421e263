import { defineStore } from 'pinia';
import { reactive } from 'vue';
import type { DiagramExample } from '../../shared/examples';
import { useStudioApi } from '../services/api';
import { RenderError } from '../services/StudioApi';

export type Thumbnail = { state: 'queued' | 'loading' } | { state: 'ready'; url: string } | { state: 'failed'; message: string };

/**
 * At most this many gallery renders in flight: opening the gallery must not start every
 * engine at once (each may be a JVM, a browser page or a Python process), and the
 * cards on screen come first.
 */
const CONCURRENCY = 2;

export function thumbnailKey(example: Pick<DiagramExample, 'type' | 'title'>): string {
  return `${example.type}\u0000${example.title}`;
}

/**
 * Rendered pictures of the gallery's examples, drawn through the same StudioApi as the
 * preview (so the web and desktop transports both work) and kept for the session: an
 * example's text never changes, and the server caches the render too.
 */
export const useThumbnailsStore = defineStore('thumbnails', () => {
  const byKey = reactive(new Map<string, Thumbnail>());
  const queue: DiagramExample[] = [];
  let running = 0;

  function get(example: DiagramExample): Thumbnail | undefined {
    return byKey.get(thumbnailKey(example));
  }

  /** Asks for a picture; repeated asks for one example are free. */
  function request(example: DiagramExample): void {
    const key = thumbnailKey(example);
    if (byKey.has(key)) return;
    byKey.set(key, { state: 'queued' });
    queue.push(example);
    pump();
  }

  function pump(): void {
    while (running < CONCURRENCY && queue.length > 0) {
      const example = queue.shift()!;
      running++;
      void draw(example).finally(() => {
        running--;
        pump();
      });
    }
  }

  async function draw(example: DiagramExample): Promise<void> {
    const key = thumbnailKey(example);
    byKey.set(key, { state: 'loading' });
    try {
      const result = await useStudioApi().render({ type: example.type, format: 'svg', source: example.source });
      // Shown through <img>, where an SVG can run no script and load nothing external.
      const url = URL.createObjectURL(new Blob([result.bytes as BlobPart], { type: 'image/svg+xml' }));
      byKey.set(key, { state: 'ready', url });
    } catch (error) {
      byKey.set(key, { state: 'failed', message: error instanceof RenderError ? error.message : String(error) });
    }
  }

  /** Forgets failed pictures so that, e.g., a newly configured upstream is tried again. */
  function retryFailed(): void {
    for (const [key, thumb] of byKey) if (thumb.state === 'failed') byKey.delete(key);
  }

  return { get, request, retryFailed };
});
