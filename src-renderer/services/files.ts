/**
 * Opening and saving files in a browser: the File System Access API where the browser
 * has it (Chromium), otherwise an <input type=file> and a download. The Electron
 * transport replaces this with native dialogs.
 */
export interface OpenedFile {
  name: string;
  text: string;
  handle: FileSystemFileHandle | null;
}

interface FilePickerWindow {
  showOpenFilePicker?: (options?: unknown) => Promise<FileSystemFileHandle[]>;
  showSaveFilePicker?: (options?: { suggestedName?: string }) => Promise<FileSystemFileHandle>;
}

const pickerWindow = (): FilePickerWindow => window as unknown as FilePickerWindow;

export function hasFileSystemAccess(): boolean {
  return typeof pickerWindow().showOpenFilePicker === 'function' && typeof pickerWindow().showSaveFilePicker === 'function';
}

/** Files dropped on or picked by the user; anything larger is refused as not a diagram. */
export const MAX_OPEN_BYTES = 5 * 1024 * 1024;

export async function readFile(file: File): Promise<OpenedFile> {
  if (file.size > MAX_OPEN_BYTES) throw new Error(`${file.name} is larger than 5 MB`);
  return { name: file.name, text: await file.text(), handle: null };
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Returns null when the user cancels. */
export async function pickFiles(useNative: boolean): Promise<OpenedFile[] | null> {
  const picker = pickerWindow().showOpenFilePicker;
  if (useNative && picker) {
    try {
      const handles = await picker({ multiple: true });
      return Promise.all(handles.map(async (handle) => ({ ...(await readFile(await handle.getFile())), handle })));
    } catch (error) {
      if (isAbort(error)) return null;
      throw error;
    }
  }
  return new Promise((resolve, reject) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.addEventListener('change', () => {
      Promise.all([...(input.files ?? [])].map(readFile)).then(resolve, reject);
    });
    input.addEventListener('cancel', () => resolve(null));
    input.click();
  });
}

/** Saves through a handle, a save picker, or a download. Returns the saved name, or null if cancelled. */
export async function saveText(options: {
  name: string;
  text: string;
  handle: FileSystemFileHandle | null;
  useNative: boolean;
  forcePicker?: boolean;
}): Promise<{ name: string; handle: FileSystemFileHandle | null } | null> {
  const picker = pickerWindow().showSaveFilePicker;
  if (options.useNative && picker) {
    try {
      const handle = options.handle && !options.forcePicker ? options.handle : await picker({ suggestedName: options.name });
      const writable = await handle.createWritable();
      await writable.write(options.text);
      await writable.close();
      return { name: handle.name, handle };
    } catch (error) {
      if (isAbort(error)) return null;
      throw error;
    }
  }
  downloadBlob(new Blob([options.text], { type: 'text/plain;charset=utf-8' }), options.name);
  return { name: options.name, handle: null };
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
