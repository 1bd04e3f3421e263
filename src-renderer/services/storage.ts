/** JSON values in localStorage that never throw (private mode, quota, corrupt data). */
export function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function writeJson(key: string, value: unknown): boolean {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

export const STORAGE_KEYS = {
  settings: 'kroki-studio.settings.v1',
  drafts: 'kroki-studio.drafts.v1',
  recent: 'kroki-studio.recent.v1',
} as const;
