/**
 * The desktop app's bridge (`window.studioDesktop`, put there by Electron's preload) as the
 * renderer uses it: null in a browser, and every call unwrapped from its `{ ok, value |
 * error }` reply into a value or a DesktopError that keeps the error's code, status and line.
 */
import type { DesktopBridge, IpcError, IpcReply } from '../../shared/ipc';

declare global {
  interface Window {
    studioDesktop?: DesktopBridge;
  }
}

export class DesktopError extends Error {
  readonly code: IpcError['code'];
  readonly status: number | undefined;
  readonly line: number | null;
  constructor(error: IpcError) {
    super(error.message);
    this.name = 'DesktopError';
    this.code = error.code;
    this.status = error.status;
    this.line = error.line ?? null;
  }
}

export function desktopBridge(): DesktopBridge | null {
  return typeof window !== 'undefined' && window.studioDesktop ? window.studioDesktop : null;
}

export const isDesktop = (): boolean => desktopBridge() !== null;

export async function unwrap<T>(reply: Promise<IpcReply<T>>): Promise<T> {
  const r = await reply;
  if (r.ok) return r.value;
  throw new DesktopError(r.error);
}
