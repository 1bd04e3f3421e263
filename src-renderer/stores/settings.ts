import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { readJson, STORAGE_KEYS, writeJson } from '../services/storage';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface PersistedSettings {
  theme: ThemeChoice;
  darkPreview: boolean;
  debounceMs: number;
  fontSize: number;
  /** Editor share of the split view, 0.15..0.85. */
  splitRatio: number;
  /** Use the File System Access API for open/save when the browser has it. */
  nativeFileDialogs: boolean;
}

export const DEFAULT_SETTINGS: PersistedSettings = {
  theme: 'system',
  darkPreview: false,
  debounceMs: 250,
  fontSize: 14,
  splitRatio: 0.45,
  nativeFileDialogs: true,
};

export const clampRatio = (r: number): number => Math.min(0.85, Math.max(0.15, r));

export const useSettingsStore = defineStore('settings', () => {
  const saved = { ...DEFAULT_SETTINGS, ...readJson<Partial<PersistedSettings>>(STORAGE_KEYS.settings, {}) };
  const theme = ref<ThemeChoice>(saved.theme);
  const darkPreview = ref(saved.darkPreview);
  const debounceMs = ref(saved.debounceMs);
  const fontSize = ref(saved.fontSize);
  const splitRatio = ref(clampRatio(saved.splitRatio));
  const nativeFileDialogs = ref(saved.nativeFileDialogs);
  /** What the OS prefers; kept current by useTheme. */
  const systemPrefersDark = ref(false);

  const resolvedTheme = computed<'light' | 'dark'>(() => (theme.value === 'system' ? (systemPrefersDark.value ? 'dark' : 'light') : theme.value));

  function toggleTheme(): void {
    theme.value = resolvedTheme.value === 'dark' ? 'light' : 'dark';
  }

  function setSplitRatio(r: number): void {
    splitRatio.value = clampRatio(r);
  }

  function reset(): void {
    Object.assign(saved, DEFAULT_SETTINGS);
    theme.value = DEFAULT_SETTINGS.theme;
    darkPreview.value = DEFAULT_SETTINGS.darkPreview;
    debounceMs.value = DEFAULT_SETTINGS.debounceMs;
    fontSize.value = DEFAULT_SETTINGS.fontSize;
    splitRatio.value = DEFAULT_SETTINGS.splitRatio;
    nativeFileDialogs.value = DEFAULT_SETTINGS.nativeFileDialogs;
  }

  watch(
    [theme, darkPreview, debounceMs, fontSize, splitRatio, nativeFileDialogs],
    () => {
      writeJson(STORAGE_KEYS.settings, {
        theme: theme.value,
        darkPreview: darkPreview.value,
        debounceMs: debounceMs.value,
        fontSize: fontSize.value,
        splitRatio: splitRatio.value,
        nativeFileDialogs: nativeFileDialogs.value,
      } satisfies PersistedSettings);
    },
    { flush: 'sync' },
  );

  return {
    theme,
    darkPreview,
    debounceMs,
    fontSize,
    splitRatio,
    nativeFileDialogs,
    systemPrefersDark,
    resolvedTheme,
    toggleTheme,
    setSplitRatio,
    reset,
  };
});
