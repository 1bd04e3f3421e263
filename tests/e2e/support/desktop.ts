/**
 * The desktop app without Electron: the built renderer in a real Chromium, its preload
 * bridge (src-main/bridge.ts, the very code the preload runs) wired through Playwright's
 * exposeBinding to the real main-process modules (IPC router, file service, drafts,
 * settings, include resolver) and a real server child under the supervisor. What stands in
 * for Electron: the UI is served over loopback HTTP with the app:// scheme's headers (CSP
 * included) and that origin is reported to the router as app://studio, as Electron's
 * protocol handler would; dialogs are scripted.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { build } from 'esbuild';
import type { Frame, Page } from 'playwright-core';
import type { CloseChoice, IpcEvents } from '../../../shared/ipc.js';
import type { IpcRouter } from '../../../src-main/ipc-router.js';
import { APP_ORIGIN, appAsset, appHeaders } from '../../../src-main/security.js';
import { ROOT, UI_DIR } from './studio.js';

/** Serves dist/ui as app:// would: only files inside it, with the app's headers. */
export async function serveUi(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = appAsset(UI_DIR, `${APP_ORIGIN}${req.url ?? '/'}`);
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, appHeaders(file)).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The preload, bundled for the page: window.studioDesktop from createBridge over the test's binding. */
export async function bridgeScript(): Promise<string> {
  const out = await build({
    stdin: {
      contents: `
        import { createBridge } from './src-main/bridge.ts';
        const listeners = new Map();
        const revive = (v) => {
          if (v && typeof v === 'object') {
            if (typeof v.__bytes === 'string') return Uint8Array.from(atob(v.__bytes), (c) => c.charCodeAt(0));
            for (const k of Object.keys(v)) v[k] = revive(v[k]);
          }
          return v;
        };
        const invoke = window.__studioInvoke;
        delete window.__studioInvoke;
        window.__studioEmit = (channel, payload) => { for (const l of listeners.get(channel) ?? []) l(payload); };
        const bridge = createBridge({
          invoke: async (channel, args) => revive(await invoke(channel, args)),
          subscribe: (channel, listener) => {
            const set = listeners.get(channel) ?? new Set();
            set.add(listener);
            listeners.set(channel, set);
            return () => set.delete(listener);
          },
          platform: 'linux',
        });
        Object.defineProperty(window, 'studioDesktop', { value: bridge, writable: false, configurable: false });
      `,
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

const encode = (v: unknown): unknown => {
  if (v instanceof Uint8Array) return { __bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)]));
  return v;
};

/** Wires a page to the router: its main frame on the UI origin counts as app://studio, window 1. */
export async function wirePage(page: Page, router: IpcRouter, uiOrigin: string): Promise<void> {
  const senderUrl = (frame: Frame) => {
    const url = frame.url();
    return url.startsWith(`${uiOrigin}/`) ? `${APP_ORIGIN}${url.slice(uiOrigin.length)}` : url;
  };
  await page.exposeBinding('__studioInvoke', async ({ frame }, channel: string, args: unknown) =>
    encode(await router.handle(channel, args, { frameUrl: senderUrl(frame), isMainFrame: frame === page.mainFrame(), windowId: 1 })),
  );
  await page.addInitScript({ content: await bridgeScript() });
}

export function emitter(page: () => Page | null) {
  return <E extends keyof IpcEvents>(event: E, payload: IpcEvents[E]): void => {
    void page()
      ?.evaluate(([e, p]) => (window as unknown as { __studioEmit(e: string, p: unknown): void }).__studioEmit(e, p), [event, payload] as const)
      .catch(() => undefined);
  };
}

/** Dialogs with scripted answers, recording what was asked. */
export class ScriptedDialogs {
  opens: (string | null)[] = [];
  saves: (string | null)[] = [];
  closeChoices: CloseChoice[] = [];
  asked: { kind: string; detail: unknown }[] = [];
  async open(_windowId: number, defaultDir: string | null): Promise<string | null> {
    this.asked.push({ kind: 'open', detail: defaultDir });
    return this.opens.shift() ?? null;
  }
  async save(_windowId: number, suggestedName: string): Promise<string | null> {
    this.asked.push({ kind: 'save', detail: suggestedName });
    return this.saves.shift() ?? null;
  }
  async confirmClose(_windowId: number, names: string[]): Promise<CloseChoice> {
    this.asked.push({ kind: 'confirm-close', detail: names });
    return this.closeChoices.shift() ?? 'cancel';
  }
}

export const desktopPath = (...parts: string[]) => path.join(ROOT, ...parts);
