/**
 * Which StudioApi the app uses. The HTTP transport is the default; Electron's preload
 * (or a test) installs another one with `setStudioApi` before the app mounts.
 */
import { HttpStudioApi, pageBaseUrl } from './HttpStudioApi';
import type { StudioApi } from './StudioApi';

let current: StudioApi | null = null;

export function useStudioApi(): StudioApi {
  current ??= new HttpStudioApi(pageBaseUrl());
  return current;
}

export function setStudioApi(api: StudioApi): void {
  current = api;
}
