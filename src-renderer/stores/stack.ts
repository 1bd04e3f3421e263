import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PullProgress, StackStatus } from '../../shared/stack';
import { useStudioApi } from '../services/api';
import { useEnginesStore } from './engines';

export interface LayerProgress {
  key: string;
  service: string;
  layer: string;
  status: string;
  current: number;
  total: number | null;
  /** Pulled, or already there (Docker gives no byte counts then). */
  done: boolean;
}

const DONE = new Set(['Pull complete', 'Already exists']);

/** The local Kroki stack: its status, the pull progress of a start, its last log lines. */
export const useStackStore = defineStore('stack', () => {
  const status = ref<StackStatus | null>(null);
  const layers = ref<Record<string, LayerProgress>>({});
  const logs = ref('');
  const busy = ref<'up' | 'down' | null>(null);
  const error = ref<string | null>(null);
  const listening = ref(false);
  let stop: (() => void) | null = null;

  const available = computed(() => useStudioApi().stack !== undefined);
  const progress = computed(() => Object.values(layers.value));
  const running = computed(() => status.value !== null && status.value.state !== 'down');

  function onProgress(p: PullProgress): void {
    const key = `${p.service}/${p.layer}`;
    if (p.layer === p.image) return;
    const was = layers.value[key];
    const total = p.total ?? was?.total ?? null;
    const done = DONE.has(p.status) || (was?.done ?? false);
    const current = done && total ? total : (p.current ?? was?.current ?? 0);
    layers.value = { ...layers.value, [key]: { key, service: p.service, layer: p.layer, status: p.status, current, total, done } };
  }

  function onStatus(s: StackStatus): void {
    const wasUp = status.value?.krokiUrl ?? null;
    status.value = s;
    // The upstream changed: the type list shows the stack's types at once.
    if ((s.krokiUrl ?? null) !== wasUp) void useEnginesStore().load();
  }

  /** Starts listening to the server's stack events (idempotent) and reads the status. */
  async function connect(): Promise<void> {
    const api = useStudioApi().stack;
    if (!api) return;
    if (!stop) {
      stop = api.events({ progress: onProgress, status: onStatus, error: (e) => (error.value = e.message) });
      listening.value = true;
    }
    await refresh();
  }

  function disconnect(): void {
    stop?.();
    stop = null;
    listening.value = false;
  }

  async function refresh(): Promise<void> {
    const api = useStudioApi().stack;
    if (!api) return;
    try {
      onStatus(await api.status());
    } catch (e) {
      error.value = (e as Error).message;
    }
  }

  async function loadLogs(tail = 40): Promise<void> {
    const api = useStudioApi().stack;
    if (!api) return;
    try {
      logs.value = await api.logs({ tail });
    } catch (e) {
      logs.value = '';
      error.value = (e as Error).message;
    }
  }

  async function start(): Promise<void> {
    const api = useStudioApi().stack;
    if (!api || busy.value) return;
    busy.value = 'up';
    error.value = null;
    layers.value = {};
    try {
      onStatus(await api.up());
    } catch (e) {
      error.value = (e as Error).message;
      await refresh();
    } finally {
      busy.value = null;
    }
    await loadLogs();
  }

  async function halt(): Promise<void> {
    const api = useStudioApi().stack;
    if (!api || busy.value) return;
    busy.value = 'down';
    error.value = null;
    try {
      onStatus(await api.down());
      layers.value = {};
      logs.value = '';
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      busy.value = null;
    }
  }

  return { status, layers, logs, busy, error, listening, available, progress, running, connect, disconnect, refresh, loadLogs, start, halt };
});
