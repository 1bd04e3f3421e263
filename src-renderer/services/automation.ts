/**
 * A small read-only view of the studio on `window.krokiStudio`, for automation (the
 * e2e tests, the latency benchmark, screen-reader tooling). The page's CSP forbids
 * fetching the preview's blob: URL back, so the SVG text is read from the store here.
 */
import type { Pinia } from 'pinia';
import { useDocumentsStore } from '../stores/documents';
import { usePreviewStore } from '../stores/preview';

export interface StudioAutomation {
  /** The SVG text the preview currently shows for the active document. */
  previewSvg(): string | null;
  /** The error shown for the active document, if any. */
  previewError(): { message: string; line: number | null } | null;
  activeDocument(): { name: string; type: string; source: string } | null;
  /** Renders completed since load (successful ones). */
  renderCount(): number;
  /** The render delay in force now (the setting, raised for slow engines). */
  effectiveDebounceMs(): number;
  /** Request time (send -> whole answer received) of the picture on screen. */
  lastRequestMs(): number | null;
}

declare global {
  interface Window {
    krokiStudio?: StudioAutomation;
  }
}

export function installAutomation(pinia: Pinia): void {
  const documents = useDocumentsStore(pinia);
  const preview = usePreviewStore(pinia);
  const active = () => (documents.active ? preview.byDocument[documents.active.id] : undefined);
  window.krokiStudio = Object.freeze({
    previewSvg: () => (documents.active ? (preview.visiblePicture(documents.active.id, documents.active.type)?.svgText ?? null) : null),
    previewError: () => {
      const e = active()?.error;
      return e ? { message: e.message, line: e.line } : null;
    },
    activeDocument: () => {
      const d = documents.active;
      return d ? { name: d.name, type: d.type, source: d.source } : null;
    },
    renderCount: () => preview.renderCount,
    effectiveDebounceMs: () => preview.effectiveDebounceMs,
    lastRequestMs: () => active()?.picture?.durationMs ?? null,
  });
}
