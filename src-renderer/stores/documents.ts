import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { canonicalType, defaultExtension, typeFromFileName } from '../domain/diagramTypes';
import { firstExample } from '../../shared/examples';
import { readJson, STORAGE_KEYS, writeJson } from '../services/storage';

export interface StudioDocument {
  id: string;
  name: string;
  type: string;
  source: string;
  /** Source as last saved to or opened from a file; null if never saved. */
  savedSource: string | null;
  updatedAt: number;
  /** The file on disk (desktop only); null in the browser or before the first save. */
  path?: string | null;
  /** The file's modification time when last read or written (desktop), to notice changes made elsewhere. */
  mtimeMs?: number | null;
}

/** A closed tab, kept so it can be reopened where it was. */
export interface ClosedDocument {
  doc: StudioDocument;
  index: number;
}

export interface RecentDocument {
  name: string;
  type: string;
  source: string;
  openedAt: number;
}

interface DraftsSnapshot {
  documents: StudioDocument[];
  activeId: string | null;
}

const MAX_RECENT = 10;
const MAX_CLOSED = 20;
/** Recent entries keep their text so they reopen without file access; big files are cut off. */
const MAX_RECENT_SOURCE = 200_000;
const DRAFT_SAVE_DELAY_MS = 300;

let counter = 0;
function newId(): string {
  counter += 1;
  return `doc-${Date.now().toString(36)}-${counter}`;
}

export const useDocumentsStore = defineStore('documents', () => {
  const snapshot = readJson<DraftsSnapshot>(STORAGE_KEYS.drafts, { documents: [], activeId: null });
  const documents = ref<StudioDocument[]>(Array.isArray(snapshot.documents) ? snapshot.documents : []);
  const activeId = ref<string | null>(snapshot.activeId);
  const recent = ref<RecentDocument[]>(readJson<RecentDocument[]>(STORAGE_KEYS.recent, []));
  /** Tabs closed in this session, the last one last (Reopen Closed Tab). */
  const closed = ref<ClosedDocument[]>([]);
  /** True once drafts were restored from a previous session (shown to the user). */
  const restoredDrafts = ref(documents.value.length > 0);

  const active = computed<StudioDocument | null>(() => documents.value.find((d) => d.id === activeId.value) ?? documents.value[0] ?? null);

  function isDirty(doc: StudioDocument): boolean {
    return doc.savedSource !== null ? doc.source !== doc.savedSource : doc.source.trim().length > 0;
  }

  function uniqueName(base: string): string {
    const names = new Set(documents.value.map((d) => d.name));
    if (!names.has(base)) return base;
    const dot = base.indexOf('.');
    const stem = dot > 0 ? base.slice(0, dot) : base;
    const ext = dot > 0 ? base.slice(dot) : '';
    for (let i = 2; ; i++) if (!names.has(`${stem}-${i}${ext}`)) return `${stem}-${i}${ext}`;
  }

  function create(
    options: { type?: string; source?: string; name?: string; saved?: boolean; path?: string | null; mtimeMs?: number | null } = {},
  ): StudioDocument {
    const type = canonicalType(options.type ?? active.value?.type ?? 'mermaid');
    const source = options.source ?? firstExample(type)?.source ?? '';
    const doc: StudioDocument = {
      id: newId(),
      name: options.name ?? uniqueName(`untitled${defaultExtension(type)}`),
      type,
      source,
      savedSource: options.saved ? source : null,
      updatedAt: Date.now(),
      path: options.path ?? null,
      mtimeMs: options.mtimeMs ?? null,
    };
    documents.value.push(doc);
    activeId.value = doc.id;
    return doc;
  }

  /** Opens file contents in a new tab; the type comes from the extension, else the current type. */
  function openText(name: string, text: string, type?: string, file?: { path: string; mtimeMs: number }): StudioDocument {
    const detected = type ?? typeFromFileName(name) ?? active.value?.type ?? 'mermaid';
    const doc = create({ type: detected, source: text, name, saved: true, path: file?.path ?? null, mtimeMs: file?.mtimeMs ?? null });
    remember(doc);
    return doc;
  }

  function findByPath(path: string): StudioDocument | undefined {
    return documents.value.find((d) => d.path === path);
  }

  /** The file changed on disk: take its text as the saved state. */
  function reload(id: string, text: string, mtimeMs: number): void {
    const doc = find(id);
    if (!doc) return;
    doc.source = text;
    doc.savedSource = text;
    doc.mtimeMs = mtimeMs;
    doc.updatedAt = Date.now();
  }

  function remember(doc: StudioDocument): void {
    const entry: RecentDocument = {
      name: doc.name,
      type: doc.type,
      source: doc.source.slice(0, MAX_RECENT_SOURCE),
      openedAt: Date.now(),
    };
    recent.value = [entry, ...recent.value.filter((r) => r.name !== doc.name)].slice(0, MAX_RECENT);
    writeJson(STORAGE_KEYS.recent, recent.value);
  }

  function find(id: string): StudioDocument | undefined {
    return documents.value.find((d) => d.id === id);
  }

  function activate(id: string): void {
    if (find(id)) activeId.value = id;
  }

  function cycle(step: 1 | -1): void {
    const list = documents.value;
    if (list.length === 0 || !active.value) return;
    const index = list.findIndex((d) => d.id === active.value!.id);
    activeId.value = list[(index + step + list.length) % list.length]!.id;
  }

  function close(id: string): void {
    const index = documents.value.findIndex((d) => d.id === id);
    if (index < 0) return;
    const [doc] = documents.value.splice(index, 1);
    // An empty untitled tab is not worth reopening.
    if (doc && (doc.source.trim() !== '' || doc.path)) closed.value = [...closed.value, { doc, index }].slice(-MAX_CLOSED);
    if (activeId.value === id) activeId.value = documents.value[Math.min(index, documents.value.length - 1)]?.id ?? null;
    if (documents.value.length === 0) create();
  }

  /** Reopens the last closed tab where it was; an untouched lone empty tab makes room. Returns it, or null when none is left. */
  function reopenClosed(): StudioDocument | null {
    const entry = closed.value[closed.value.length - 1];
    if (!entry) return null;
    closed.value = closed.value.slice(0, -1);
    const lone = documents.value.length === 1 ? documents.value[0]! : null;
    if (lone && lone.savedSource === null && lone.source === (firstExample(lone.type)?.source ?? '') && lone.path == null) documents.value.splice(0, 1);
    const doc = { ...entry.doc, id: find(entry.doc.id) ? newId() : entry.doc.id };
    documents.value.splice(Math.min(entry.index, documents.value.length), 0, doc);
    activeId.value = doc.id;
    return doc;
  }

  function updateSource(id: string, source: string): void {
    const doc = find(id);
    if (!doc || doc.source === source) return;
    doc.source = source;
    doc.updatedAt = Date.now();
  }

  /** Changing the type of an empty document loads that type's example. */
  function setType(id: string, type: string): void {
    const doc = find(id);
    if (!doc) return;
    const canonical = canonicalType(type);
    const wasEmpty = doc.source.trim() === '';
    doc.type = canonical;
    if (wasEmpty) doc.source = firstExample(canonical)?.source ?? '';
    const extension = defaultExtension(canonical);
    if (doc.savedSource === null && /^untitled(-\d+)?\.[\w.]+$/.test(doc.name) && !doc.name.endsWith(extension)) {
      doc.name = uniqueName(`untitled${extension}`);
    }
    doc.updatedAt = Date.now();
  }

  function rename(id: string, name: string): void {
    const doc = find(id);
    if (doc && name.trim()) doc.name = name.trim();
  }

  function markSaved(id: string, name?: string, file?: { path: string; mtimeMs: number }, text?: string): void {
    const doc = find(id);
    if (!doc) return;
    if (name) doc.name = name;
    // `text`: what was written (the user may have typed on while the save ran).
    doc.savedSource = text ?? doc.source;
    if (file) {
      doc.path = file.path;
      doc.mtimeMs = file.mtimeMs;
    }
    remember(doc);
  }

  function persistNow(): void {
    writeJson(STORAGE_KEYS.drafts, { documents: documents.value, activeId: activeId.value } satisfies DraftsSnapshot);
  }

  // Drafts are written shortly after each change, and immediately when the page hides,
  // so a reload or a crash loses at most a fraction of a second of typing.
  let timer: ReturnType<typeof setTimeout> | null = null;
  watch(
    [documents, activeId],
    () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        persistNow();
      }, DRAFT_SAVE_DELAY_MS);
    },
    { deep: true },
  );
  function flush(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    persistNow();
  }

  if (documents.value.length === 0) create({ type: 'mermaid' });
  else if (!find(activeId.value ?? '')) activeId.value = documents.value[0]!.id;

  return {
    documents,
    activeId,
    recent,
    closed,
    restoredDrafts,
    active,
    isDirty,
    create,
    openText,
    findByPath,
    reload,
    reopenClosed,
    activate,
    cycle,
    close,
    updateSource,
    setType,
    rename,
    markSaved,
    remember,
    flush,
  };
});
