import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { EngineTypeInfo, EnginesResponse, OutputFormat, Placement } from '../../shared/api';
import { DIAGRAM_TYPES, canonicalType, typeMeta } from '../domain/diagramTypes';
import { useStudioApi } from '../services/api';
import type { ServerInfo } from '../services/StudioApi';
import { DEFAULT_MAX_URI_LENGTH } from '../services/StudioApi';

export interface TypeChoice {
  type: string;
  label: string;
  placement: Placement | 'unknown';
  formats: OutputFormat[];
  message?: string;
}

const PLACEMENT_ORDER: Record<TypeChoice['placement'], number> = { local: 0, upstream: 1, unknown: 2, unavailable: 3 };

/** Formats Kroki produces per type, used before /api/engines answers. */
const FALLBACK_FORMATS: OutputFormat[] = ['svg'];

export const useEnginesStore = defineStore('engines', () => {
  const response = ref<EnginesResponse | null>(null);
  const server = ref<ServerInfo | null>(null);
  const loading = ref(false);
  const loadError = ref<string | null>(null);

  const infoByType = computed(() => {
    const map = new Map<string, EngineTypeInfo>();
    for (const info of response.value?.types ?? []) map.set(info.type, info);
    return map;
  });

  /** Every type the server knows (plus the UI's own list while it loads), aliases folded. */
  const choices = computed<TypeChoice[]>(() => {
    const names = new Set<string>(DIAGRAM_TYPES.map((m) => m.type));
    for (const info of response.value?.types ?? []) if (!info.aliasOf) names.add(info.type);
    return [...names]
      .map((type) => {
        const info = infoByType.value.get(type);
        return {
          type,
          label: typeMeta(type).label,
          placement: info ? info.placement : response.value ? 'unavailable' : 'unknown',
          formats: info?.formats ?? FALLBACK_FORMATS,
          message: info ? info.message : response.value ? 'Not known to this server' : undefined,
        } satisfies TypeChoice;
      })
      .sort((a, b) => PLACEMENT_ORDER[a.placement] - PLACEMENT_ORDER[b.placement] || a.label.localeCompare(b.label));
  });

  function choiceFor(type: string): TypeChoice | undefined {
    const canonical = canonicalType(type);
    return choices.value.find((c) => c.type === canonical);
  }

  function formatsFor(type: string): OutputFormat[] {
    return choiceFor(type)?.formats ?? FALLBACK_FORMATS;
  }

  const maxUriLength = computed(() => server.value?.maxUriLength ?? DEFAULT_MAX_URI_LENGTH);
  const upstreamUrl = computed(() => server.value?.upstream ?? response.value?.upstream.url ?? null);

  async function load(): Promise<void> {
    const api = useStudioApi();
    loading.value = true;
    loadError.value = null;
    try {
      const [engines, info] = await Promise.all([api.engines(), api.serverInfo()]);
      response.value = engines;
      server.value = info;
    } catch (error) {
      loadError.value = `Could not load the engine list: ${(error as Error).message}`;
    } finally {
      loading.value = false;
    }
  }

  return { response, server, loading, loadError, choices, maxUriLength, upstreamUrl, choiceFor, formatsFor, load };
});
