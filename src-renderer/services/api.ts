/**
 * Which StudioApi the app uses: the desktop bridge when Electron's preload put one on the
 * window, else HTTP to the server the page came from. A test may install another one with
 * `setStudioApi` before the app mounts.
 */
import { desktopBridge } from './desktop';
import { HttpStudioApi, pageBaseUrl } from './HttpStudioApi';
import { IpcStudioApi } from './IpcStudioApi';
import type { StudioApi } from './StudioApi';

let current: StudioApi | null = null;

export function useStudioApi(): StudioApi {
  if (!current) {
    const bridge = desktopBridge();
    current = bridge ? new IpcStudioApi(bridge) : new HttpStudioApi(pageBaseUrl());
  }
  return current;
}

export function setStudioApi(api: StudioApi): void {
  current = api;
}
