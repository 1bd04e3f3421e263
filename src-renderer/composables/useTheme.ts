/** Applies the chosen theme to <html data-theme> and follows the OS when set to "system". */
import { onBeforeUnmount, watchEffect } from 'vue';
import { useSettingsStore } from '../stores/settings';

export function useTheme(): void {
  const settings = useSettingsStore();
  const media = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  const onChange = (): void => {
    settings.systemPrefersDark = media?.matches ?? false;
  };
  onChange();
  media?.addEventListener('change', onChange);
  const stop = watchEffect(() => {
    document.documentElement.dataset.theme = settings.resolvedTheme;
  });
  onBeforeUnmount(() => {
    media?.removeEventListener('change', onChange);
    stop();
  });
}
