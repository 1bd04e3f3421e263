/**
 * The user-level actions shared by the toolbar, the shortcuts and drag-and-drop:
 * new/open/save documents, open edit links, and a status line for their outcome.
 */
import { ref } from 'vue';
import { defaultExtension } from '../domain/diagramTypes';
import { parseEditHash } from '../domain/links';
import { decodeDiagram } from '../services/encoding';
import { pickFiles, readFile, saveText, type OpenedFile } from '../services/files';
import { useDocumentsStore } from '../stores/documents';
import { usePreviewStore } from '../stores/preview';
import { useSettingsStore } from '../stores/settings';

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

  async function openDropped(files: File[]): Promise<void> {
    try {
      openFiles(await Promise.all(files.map(readFile)));
    } catch (error) {
      announce(`Could not open: ${(error as Error).message}`);
    }
  }

  async function open(): Promise<void> {
    try {
      const files = await pickFiles(settings.nativeFileDialogs);
      if (files) openFiles(files);
    } catch (error) {
      announce(`Could not open: ${(error as Error).message}`);
    }
  }

  async function save(saveAs = false): Promise<void> {
    const doc = documents.active;
    if (!doc) return;
    const name = /\.[\w]+$/.test(doc.name) ? doc.name : `${doc.name}${defaultExtension(doc.type)}`;
    try {
      const saved = await saveText({
        name,
        text: doc.source,
        handle: handles.get(doc.id) ?? null,
        useNative: settings.nativeFileDialogs,
        forcePicker: saveAs,
      });
      if (!saved) return;
      if (saved.handle) handles.set(doc.id, saved.handle);
      documents.markSaved(doc.id, saved.name);
      announce(`Saved ${saved.name}`);
    } catch (error) {
      announce(`Could not save: ${(error as Error).message}`);
    }
  }

  function closeTab(id?: string): void {
    const target = id ?? documents.active?.id;
    if (!target) return;
    handles.delete(target);
    preview.forget(target);
    documents.close(target);
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

  return { status, announce, newDocument, open, openDropped, openFiles, save, closeTab, openEditLink };
}
