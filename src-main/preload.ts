/**
 * The preload of every app window (sandboxed; bundled into one CommonJS file because a
 * sandboxed preload can load no module but Electron's): exposes `window.studioDesktop`
 * and nothing else.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { createBridge } from './bridge.js';

contextBridge.exposeInMainWorld(
  'studioDesktop',
  createBridge({
    invoke: (channel, args) => ipcRenderer.invoke(channel, args),
    subscribe: (channel, listener) => {
      const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(channel, wrapped);
      return () => void ipcRenderer.removeListener(channel, wrapped);
    },
    platform: process.platform,
  }),
);
