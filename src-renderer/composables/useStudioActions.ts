/**
 * The user-level actions shared by the toolbar, the shortcuts, the desktop menus and
 * drag-and-drop: new/open/save/close documents, reopen a closed tab, open edit links, and
 * a status line for their outcome. In the desktop app files go through the bridge (native
 * dialogs, atomic saves, a refusal when the file changed on disk); in a browser through the
 * File System Access API or a download.
 */
import { ref } from 'vue';
import type { OpenedFile as DesktopFile } from '../../shared/ipc';
import { defaultExtension } from '../domain/diagramTypes';
import { parseEditHash } from '../domain/links';
import { DesktopError, desktopBridge, unwrap } from '../services/desktop';
import { decodeDiagram } from '../services/encoding';
import { pickFiles, readFile, saveText, type OpenedFile } from '../services/files';
import { useDocumentsStore } from '../stores/documents';
import { usePreviewStore } from '../stores/preview';
import { useSettingsStore } from '../stores/settings';
import { askUnsaved } from './useUnsavedPrompt';

/** File handles cannot be stored in localStorage; they live for the page's lifetime. */
const handles = new Map<string, FileSystemFileHandle>();
const status = ref('');
let statusTimer: ReturnType<typeof setTimeout> | null = null;

function announce(message: string): void {
  status.value = message;
  if (statusTimer) clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    status.value = '';
    statusTimer = null;
  }, 6000);
}

export function useStudioActions() {
  const documents = useDocumentsStore();
  const preview = usePreviewStore();
  const settings = useSettingsStore();

  function newDocument(type?: string): void {
    documents.create({ type });
  }

  function openFiles(files: OpenedFile[]): void {
    for (const file of files) {
      const doc = documents.openText(file.name, file.text);
      if (file.handle) handles.set(doc.id, file.handle);
    }
    if (files.length) announce(`Opened ${files.map((f) => f.name).join(', ')}`);
  }

  /** Files from the desktop (dialog, Open Recent, the system): an open one is shown again, reloaded if it has no edits. */
  function openDesktopFiles(files: DesktopFile[]): void {
    for (const file of files) {
      const open = documents.findByPath(file.path);
      if (open) {
        if (!documents.isDirty(open) && open.source !== file.text) documents.reload(open.id, file.text, file.mtimeMs);
        documents.activate(open.id);
      } else documents.openText(file.name, file.text, undefined, { path: file.path, mtimeMs: file.mtimeMs });
    }
    if (files.length) announce(`Opened ${files.map((f) => f.name).join(', ')}`);
  }

  async function openDropped(files: File[]): Promise<void> {
    try {
      openFiles(await Promise.all(files.map(readFile)));
    } catch (error) {
      announce(`Could not open: ${(error as Error).message}`);
    }
  }

  async function open(): Promise<void> {
    try {
      const bridge = desktopBridge();
      if (bridge) {
        const file = await unwrap(bridge.openFile({}));
        if (file) openDesktopFiles([file]);
        return;
      }
      const files = await pickFiles(settings.nativeFileDialogs);
      if (files) openFiles(files);
    } catch (error) {
      announce(`Could not open: ${(error as Error).message}`);
    }
  }

  /** Saves a document (the active one by default); resolves true once it is on disk. */
  async function save(saveAs = false, id?: string): Promise<boolean> {
    const doc = id ? documents.documents.find((d) => d.id === id) : documents.active;
    if (!doc) return false;
    const name = /\.[\w]+$/.test(doc.name) ? doc.name : `${doc.name}${defaultExtension(doc.type)}`;
    const text = doc.source;
    try {
      const bridge = desktopBridge();
      if (bridge) {
        let saved;
        if (doc.path && !saveAs) {
          try {
            saved = await unwrap(bridge.saveFile({ path: doc.path, text, expectedMtimeMs: doc.mtimeMs ?? undefined }));
          } catch (error) {
            if (!(error instanceof DesktopError && error.code === 'conflict')) throw error;
            if (!window.confirm(`${doc.name} changed on disk since you opened it. Overwrite it with your version?`)) return false;
            saved = await unwrap(bridge.saveFile({ path: doc.path, text }));
          }
        } else {
          saved = await unwrap(bridge.saveFileAs({ text, suggestedName: name }));
          if (!saved) return false;
        }
        documents.markSaved(doc.id, saved.name, { path: saved.path, mtimeMs: saved.mtimeMs }, text);
        announce(`Saved ${saved.name}`);
        return true;
      }
      const saved = await saveText({
        name,
        text,
        handle: handles.get(doc.id) ?? null,
        useNative: settings.nativeFileDialogs,
        forcePicker: saveAs,
      });
      if (!saved) return false;
      if (saved.handle) handles.set(doc.id, saved.handle);
      documents.markSaved(doc.id, saved.name, undefined, text);
      announce(`Saved ${saved.name}`);
      return true;
    } catch (error) {
      announce(`Could not save: ${(error as Error).message}`);
      return false;
    }
  }

  /** Closes a tab; with unsaved text it asks first (save, don't save, cancel). Resolves true when closed. */
  async function closeTab(id?: string): Promise<boolean> {
    const target = id ?? documents.active?.id;
    const doc = target ? documents.documents.find((d) => d.id === target) : undefined;
    if (!doc) return false;
    if (documents.isDirty(doc)) {
      documents.activate(doc.id);
      const choice = await askUnsaved([doc.name]);
      if (choice === 'cancel') return false;
      if (choice === 'save' && !(await save(false, doc.id))) return false;
    }
    handles.delete(doc.id);
    preview.forget(doc.id);
    documents.close(doc.id);
    announce(`Closed ${doc.name}. Reopen it with Alt+Shift+T.`);
    return true;
  }

  function reopenTab(): void {
    const doc = documents.reopenClosed();
    announce(doc ? `Reopened ${doc.name}` : 'No closed tab to reopen');
  }

  /** Opens `#/<type>/<encoded>` as a new tab, then clears the hash so a reload does not reopen it. */
  async function openEditLink(hash: string): Promise<boolean> {
    const link = parseEditHash(hash);
    if (!link) return false;
    try {
      const source = await decodeDiagram(link.encoded);
      documents.create({ type: link.type, source, name: `shared${defaultExtension(link.type)}` });
      announce(`Opened a shared ${link.type} diagram`);
    } catch {
      announce('The edit link could not be decoded');
    }
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return true;
  }

  return { status, announce, newDocument, open, openDropped, openFiles, openDesktopFiles, save, closeTab, reopenTab, openEditLink };
}
