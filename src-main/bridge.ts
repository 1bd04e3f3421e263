/**
 * Builds `window.studioDesktop` from the table in shared/ipc.ts: one named method per
 * channel (the page cannot pick a channel), and `on()` for the allow-listed events only,
 * handing listeners the payload and never Electron's event object. The preload calls it
 * with ipcRenderer; the browser test calls it with a Playwright binding, so both run the
 * same code.
 */
import { BRIDGE_EVENTS, BRIDGE_METHODS, type DesktopBridge, type IpcEvent } from '../shared/ipc.js';

export interface BridgeTransport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  /** Subscribes to a channel; returns the unsubscribe function. */
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
  platform: string;
}

export function createBridge(transport: BridgeTransport): DesktopBridge {
  const methods: Record<string, (args?: unknown) => Promise<unknown>> = {};
  for (const [name, channel] of Object.entries(BRIDGE_METHODS)) methods[name] = (args?: unknown) => transport.invoke(channel, args ?? {});
  const on = (event: IpcEvent, listener: (payload: never) => void): (() => void) => {
    if (!(BRIDGE_EVENTS as readonly string[]).includes(event)) throw new Error(`Unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    return transport.subscribe(event, (payload) => listener(payload as never));
  };
  return Object.freeze({ ...methods, on, platform: transport.platform }) as unknown as DesktopBridge;
}
