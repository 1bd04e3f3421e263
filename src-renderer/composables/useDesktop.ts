/**
 * The desktop app's side of the renderer (nothing happens in a browser): menu items run
 * the same actions as the shortcuts; files from the system open as tabs; a file changed on
 * disk is reloaded when its tab has no edits and asked about when it has; unsaved documents
 * are kept as drafts by the main process and offered again after a crash; closing the
 * window settles unsaved documents first; a restarted server child is announced and the
 * preview drawn again.
 */
import { onBeforeUnmount, onMounted, watch } from 'vue';
import type { Draft } from '../../shared/ipc';
import type { ShortcutAction } from '../../shared/shortcuts';
import { desktopBridge, unwrap } from '../services/desktop';
import { useDocumentsStore, type StudioDocument } from '../stores/documents';
import { usePreviewStore } from '../stores/preview';
import { askUnsaved } from './useUnsavedPrompt';
import { useStudioActions } from './useStudioActions';

const DRAFT_DELAY_MS = 400;

export function useDesktop(handlers: Partial<Record<ShortcutAction, () => void>>): void {
  const bridge = desktopBridge();
  if (!bridge) return;
  const documents = useDocumentsStore();
  const preview = usePreviewStore();
  const actions = useStudioActions();
  const unsubscribe: (() => void)[] = [];

  const toDraft = (d: StudioDocument): Draft => ({ id: d.id, name: d.name, type: d.type, source: d.source, path: d.path ?? null, updatedAt: d.updatedAt });
  const saveDrafts = () => bridge.saveDrafts({ drafts: documents.documents.filter((d) => documents.isDirty(d)).map(toDraft) });

  let draftTimer: ReturnType<typeof setTimeout> | null = null;
  let lastPaths = '';
  watch(
    () => documents.documents,
    () => {
      if (draftTimer) clearTimeout(draftTimer);
      draftTimer = setTimeout(() => {
        draftTimer = null;
        void saveDrafts();
      }, DRAFT_DELAY_MS);
      const paths = documents.documents.map((d) => d.path).filter((p): p is string => !!p);
      if (paths.join('\n') !== lastPaths) {
        lastPaths = paths.join('\n');
        void bridge.watchFiles({ paths });
      }
    },
    { deep: true },
  );

  async function recoverDrafts(): Promise<void> {
    const drafts = await unwrap(bridge!.listDrafts({})).catch(() => [] as Draft[]);
    const missing = drafts.filter((d) => !documents.documents.some((doc) => doc.id === d.id || (d.path && doc.path === d.path && doc.source === d.source)));
    for (const d of missing) {
      const doc = documents.create({ type: d.type, source: d.source, name: d.name, path: d.path });
      if (d.path) {
        // The file as it is on disk now is the saved state; the draft's text is the edit.
        const file = await unwrap(bridge!.openFile({ path: d.path })).catch(() => null);
        if (file) Object.assign(doc, { savedSource: file.text, mtimeMs: file.mtimeMs });
      }
    }
    if (missing.length) actions.announce(`Recovered ${missing.length} unsaved document${missing.length === 1 ? '' : 's'} from the last session`);
  }

  async function settleAndClose(): Promise<void> {
    const dirty = documents.documents.filter((d) => documents.isDirty(d));
    if (dirty.length) {
      const choice = await askUnsaved(dirty.map((d) => d.name));
      if (choice === 'cancel') return;
      if (choice === 'save') {
        for (const d of dirty) if (!(await actions.save(false, d.id))) return;
      } else {
        // Don't save: untitled documents go, files go back to what is on disk.
        for (const d of dirty) {
          if (d.savedSource === null) documents.close(d.id);
          else d.source = d.savedSource;
        }
      }
    }
    await saveDrafts();
    documents.flush();
    await bridge!.closeWindow({});
  }

  onMounted(() => {
    void recoverDrafts();
    const types = [...new Set(documents.documents.map((d) => d.type))];
    if (types.length) void bridge.warm({ types });
    unsubscribe.push(
      bridge.on('studio:menu', ({ action }) => handlers[action]?.()),
      bridge.on('studio:open-files', ({ files, errors }) => {
        actions.openDesktopFiles(files);
        if (errors.length) actions.announce(`Could not open: ${errors.join('; ')}`);
      }),
      bridge.on('studio:file-changed', ({ path, mtimeMs, text }) => {
        const doc = documents.findByPath(path);
        if (!doc) return;
        if (doc.source === text) {
          Object.assign(doc, { savedSource: text, mtimeMs });
          return;
        }
        if (!documents.isDirty(doc)) {
          documents.reload(doc.id, text, mtimeMs);
          actions.announce(`Reloaded ${doc.name}: it changed on disk`);
        } else if (
          window.confirm(
            `${doc.name} changed on disk. Reload it and lose your unsaved edits?\n\nCancel keeps your version; saving it later asks before overwriting.`,
          )
        ) {
          documents.reload(doc.id, text, mtimeMs);
          actions.announce(`Reloaded ${doc.name}`);
        }
      }),
      bridge.on('studio:file-removed', ({ path }) => {
        const doc = documents.findByPath(path);
        if (doc) actions.announce(`${doc.name} was deleted or moved on disk; saving writes it again`);
      }),
      bridge.on('studio:server-restarted', ({ reason }) => {
        actions.announce(`The embedded server restarted (${reason}); drawing again`);
        const doc = documents.active;
        if (doc) preview.refresh({ id: doc.id, type: doc.type, source: doc.source, path: doc.path ?? null });
      }),
      bridge.on('studio:close-requested', () => void settleAndClose()),
    );
  });
  onBeforeUnmount(() => {
    for (const off of unsubscribe.splice(0)) off();
    if (draftTimer) clearTimeout(draftTimer);
  });
}
