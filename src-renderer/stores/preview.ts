import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { adaptiveDebounce, nextRenderAverage } from '../domain/debounce';
import { useStudioApi } from '../services/api';
import { RenderAborted, RenderError } from '../services/StudioApi';
import { useSettingsStore } from './settings';

export interface PreviewPicture {
  /** The SVG text as the server sent it; shown only through `url` (an <img>). */
  svgText: string;
  /** blob: URL of the SVG, for an <img>; scripts and external loads cannot run there. */
  url: string;
  type: string;
  source: string;
  durationMs: number;
}

export interface PreviewError {
  message: string;
  status: number;
  line: number | null;
  type: string;
}

export interface DocumentPreview {
  picture: PreviewPicture | null;
  error: PreviewError | null;
  rendering: boolean;
}

export interface RenderTarget {
  id: string;
  type: string;
  source: string;
  /** The document's file (desktop), for includes relative to it. */
  path?: string | null;
}

export const MIN_ZOOM = 0.1;
export const MAX_ZOOM = 8;
const ZOOM_STEP = 1.25;

export const usePreviewStore = defineStore('preview', () => {
  const byDocument = ref<Record<string, DocumentPreview>>({});
  /** Exponential average of recent render times, drives the adaptive debounce. */
  const averageRenderMs = ref<number | null>(null);
  const renderCount = ref(0);

  // Viewport: zoom factor and pan offset in CSS pixels. `fitRequests` asks the pane
  // (which knows the sizes) to fit; `fitMode` keeps fitting after each new picture.
  const zoom = ref(1);
  const panX = ref(0);
  const panY = ref(0);
  const fitMode = ref(true);
  const fitRequests = ref(0);

  const effectiveDebounceMs = computed(() => adaptiveDebounce(useSettingsStore().debounceMs, averageRenderMs.value));

  let timer: ReturnType<typeof setTimeout> | null = null;
  let sequence = 0;
  /** The render on the wire, and at most one waiting behind it. */
  let current: { sequence: number; controller: AbortController; startedAt: number; target: RenderTarget } | null = null;
  let queued: RenderTarget | null = null;
  /** Latest text+type asked for, per document: only its answer may show an error. */
  const requested = new Map<string, string>();
  /** Sequence of the picture on screen, per document: an older answer never replaces it. */
  const shown = new Map<string, number>();

  const keyOf = (t: RenderTarget): string => `${t.type}\n${t.source}`;

  function stateFor(id: string): DocumentPreview {
    byDocument.value[id] ??= { picture: null, error: null, rendering: false };
    return byDocument.value[id]!;
  }

  /** Renders after the adaptive pause; `immediate` for tab switches and type changes. */
  function schedule(target: RenderTarget, immediate = false): void {
    if (requested.get(target.id) === keyOf(target)) return;
    cancelPending();
    const delay = immediate ? 0 : effectiveDebounceMs.value;
    timer = setTimeout(() => {
      timer = null;
      render(target);
    }, delay);
  }

  function cancelPending(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  }

  /**
   * Starts a render now, or right after the one on the wire. A render that has already
   * run for long is cancelled instead of waited for: aborting every stale request would
   * make engines (a JVM, a browser page) throw away nearly finished work on each key.
   */
  function render(target: RenderTarget): void {
    requested.set(target.id, keyOf(target));
    if (target.source.trim() === '') {
      const state = stateFor(target.id);
      state.error = null;
      state.rendering = false;
      return;
    }
    stateFor(target.id).rendering = true;
    if (current) {
      const patience = Math.max(1500, (averageRenderMs.value ?? 0) * 3);
      if (performance.now() - current.startedAt < patience) {
        queued = target;
        return;
      }
      current.controller.abort();
      current = null;
    }
    void run(target);
  }

  async function run(target: RenderTarget): Promise<void> {
    const mySequence = ++sequence;
    const controller = new AbortController();
    current = { sequence: mySequence, controller, startedAt: performance.now(), target };
    const state = stateFor(target.id);
    // Marks for the performance timeline (devtools, the latency benchmark).
    performance.mark('studio:render-start');
    try {
      const result = await useStudioApi().render({
        type: target.type,
        format: 'svg',
        source: target.source,
        signal: controller.signal,
        documentPath: target.path ?? null,
      });
      averageRenderMs.value = nextRenderAverage(averageRenderMs.value, result.durationMs);
      if (mySequence < (shown.get(target.id) ?? 0)) return;
      const svgText = new TextDecoder().decode(result.bytes);
      const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
      if (state.picture) URL.revokeObjectURL(state.picture.url);
      state.picture = { svgText, url, type: target.type, source: target.source, durationMs: result.durationMs };
      shown.set(target.id, mySequence);
      performance.mark('studio:render-done');
      if (requested.get(target.id) === keyOf(target)) state.error = null;
      renderCount.value += 1;
    } catch (error) {
      if (error instanceof RenderAborted) return;
      // Only the answer to the latest text may report an error; the last good picture stays.
      if (requested.get(target.id) !== keyOf(target)) return;
      const e = error instanceof RenderError ? error : new RenderError((error as Error).message, 0);
      state.error = { message: e.message, status: e.status, line: e.line, type: target.type };
      // A failed request must not block retrying the same text later.
      requested.delete(target.id);
    } finally {
      if (current?.sequence === mySequence) current = null;
      if (!current && queued) {
        const next = queued;
        queued = null;
        void run(next);
      } else if (!current) {
        state.rendering = false;
      }
      if (current?.target.id !== target.id && queued?.id !== target.id) state.rendering = false;
    }
  }

  /**
   * The picture to show for a document of this type: one drawn for another type (just
   * switched) is never shown as if it were this type's.
   */
  function visiblePicture(id: string, type: string): PreviewPicture | null {
    const picture = byDocument.value[id]?.picture ?? null;
    return picture && picture.type === type ? picture : null;
  }

  /** Forgets a closed document's picture and frees its blob URL. */
  function forget(id: string): void {
    const state = byDocument.value[id];
    if (state?.picture) URL.revokeObjectURL(state.picture.url);
    delete byDocument.value[id];
    requested.delete(id);
    shown.delete(id);
    if (queued?.id === id) queued = null;
  }

  /** Renders again even if the text did not change (e.g. after the server came back). */
  function refresh(target: RenderTarget): void {
    requested.delete(target.id);
    schedule(target, true);
  }

  function setZoom(value: number): void {
    zoom.value = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, value));
    fitMode.value = false;
  }
  const zoomIn = (): void => setZoom(zoom.value * ZOOM_STEP);
  const zoomOut = (): void => setZoom(zoom.value / ZOOM_STEP);
  function actualSize(): void {
    setZoom(1);
    panX.value = 0;
    panY.value = 0;
  }
  function fit(): void {
    fitMode.value = true;
    fitRequests.value += 1;
  }
  function panBy(dx: number, dy: number): void {
    panX.value += dx;
    panY.value += dy;
  }

  function stop(): void {
    cancelPending();
    queued = null;
    current?.controller.abort();
    current = null;
  }

  return {
    byDocument,
    averageRenderMs,
    renderCount,
    zoom,
    panX,
    panY,
    fitMode,
    fitRequests,
    effectiveDebounceMs,
    stateFor,
    visiblePicture,
    schedule,
    render,
    refresh,
    forget,
    setZoom,
    zoomIn,
    zoomOut,
    actualSize,
    fit,
    panBy,
    stop,
  };
});
