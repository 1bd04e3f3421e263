/**
 * Where the window opens: the size and place it had, as long as that is still on a
 * screen (a monitor unplugged since must not leave the window off-screen), else centred
 * on the primary display; maximised and full-screen states come back too.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState extends Rect {
  maximized: boolean;
  fullScreen: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 640, height: 420 };
/** How much of the title bar must be on a screen for the saved place to count. */
const VISIBLE = 80;

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The bounds to open with, given the saved state and the work areas of the displays (primary first). */
export function restoreWindow(saved: Partial<WindowState> | null, displays: readonly Rect[]): WindowState {
  const primary = displays[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  const centred = (width: number, height: number): WindowState => {
    const w = Math.min(width, primary.width);
    const h = Math.min(height, primary.height);
    return {
      x: Math.round(primary.x + (primary.width - w) / 2),
      y: Math.round(primary.y + (primary.height - h) / 2),
      width: w,
      height: h,
      maximized: false,
      fullScreen: false,
    };
  };
  const numbers = saved && [saved.x, saved.y, saved.width, saved.height].every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!saved || !numbers) return centred(DEFAULT_SIZE.width, DEFAULT_SIZE.height);
  const width = Math.max(MIN_SIZE.width, Math.round(saved.width!));
  const height = Math.max(MIN_SIZE.height, Math.round(saved.height!));
  const titleBar: Rect = { x: saved.x!, y: saved.y!, width, height: Math.min(height, 40) };
  const home = displays.find((d) => overlap(titleBar, d) >= Math.min(VISIBLE * 20, titleBar.width * titleBar.height));
  const flags = { maximized: saved.maximized === true, fullScreen: saved.fullScreen === true };
  if (!home) return { ...centred(width, height), ...flags };
  // On its screen, but bigger than it now is: shrink to fit and keep it on that screen.
  const w = Math.min(width, home.width);
  const h = Math.min(height, home.height);
  const x = Math.min(Math.max(Math.round(saved.x!), home.x), home.x + home.width - w);
  const y = Math.min(Math.max(Math.round(saved.y!), home.y), home.y + home.height - h);
  return { x, y, width: w, height: h, ...flags };
}
