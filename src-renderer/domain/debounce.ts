/**
 * Adaptive render delay: never shorter than the user's setting, and at least twice the
 * recent render time, so a slow engine is not asked for a picture on every pause while
 * a fast one stays immediate. The render time is an exponential moving average so one
 * cold start does not slow typing down for long.
 */
export const MAX_DEBOUNCE_MS = 2000;

export function nextRenderAverage(previous: number | null, sampleMs: number): number {
  return previous === null ? sampleMs : previous * 0.7 + sampleMs * 0.3;
}

export function adaptiveDebounce(baseMs: number, averageRenderMs: number | null): number {
  const adaptive = averageRenderMs === null ? 0 : averageRenderMs * 2;
  return Math.round(Math.min(MAX_DEBOUNCE_MS, Math.max(baseMs, adaptive)));
}
