/**
 * The Electron main process: one instance (a second one hands its files over and quits),
 * windows that come back where they were, the hardened renderer on the app:// scheme, the
 * bridge's channels through the IPC router, native menus and dialogs, and the server
 * child under the supervisor, stopped before the app exits. Everything with logic lives in
 * the modules it wires together; this file only connects them to Electron.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, type IpcMainInvokeEvent, type Session } from 'electron';
import { DIAGRAM_TYPES } from '../shared/diagram-types.js';
import type { CloseChoice, IpcEvents } from '../shared/ipc.js';
import { electronLauncher } from './child-electron.js';
import { Desktop } from './controller.js';
import { DraftStore } from './drafts.js';
import { FileWatcher } from './files.js';
import { IpcRouter, type IpcSender } from './ipc-router.js';
import { buildMenu } from './menu.js';
import { allowedExternalLink, APP_ENTRY, APP_SCHEME, appAsset, appHeaders, filesFromArgv, isAppUrl, rendererMayRequest, webPreferences } from './security.js';
import { SettingsStore } from './settings.js';
import { ServerSupervisor } from './supervisor.js';
import { MIN_SIZE, restoreWindow, type WindowState } from './window-state.js';

// A separate profile (tests, a portable install): settings, drafts, window state and caches go there.
if (process.env.KROKI_STUDIO_USER_DATA) app.setPath('userData', path.resolve(process.env.KROKI_STUDIO_USER_DATA));

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const ROOT = app.getAppPath();
const UI_DIR = path.join(ROOT, 'dist', 'ui');
const PRELOAD = path.join(ROOT, 'dist', 'desktop', 'preload.cjs');
const SERVER_ENTRY = path.join(ROOT, 'dist', 'server', 'desktop-main.js');
const EXTENSIONS = DIAGRAM_TYPES.flatMap((t) => t.extensions);
const log = (message: string) => process.stderr.write(`kroki-studio: ${message}\n`);

const windows = new Map<number, BrowserWindow>();
/** Windows whose renderer settled their unsaved documents: closing them goes through. */
const closable = new Set<number>();
const pendingFiles: string[] = [];
let desktop: Desktop | null = null;
let supervisor: ServerSupervisor | null = null;
let watcher: FileWatcher | null = null;
let settings: SettingsStore | null = null;
let quitting = false;
/** Quit was asked for (a window's close may hold it up while its unsaved documents are settled). */
let quitRequested = false;

function emit<E extends keyof IpcEvents>(event: E, payload: IpcEvents[E]): void {
  for (const win of windows.values()) if (!win.isDestroyed()) win.webContents.send(event, payload);
}

function senderOf(event: IpcMainInvokeEvent): IpcSender {
  const frame = event.senderFrame;
  const win = BrowserWindow.fromWebContents(event.sender);
  return {
    frameUrl: frame?.url ?? null,
    isMainFrame: !!frame && frame === event.sender.mainFrame,
    windowId: win && windows.get(win.id) === win ? win.id : null,
  };
}

function harden(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = rendererMayRequest(details.url);
    if (!allowed) log(`blocked a request from the page: ${details.url.slice(0, 120)}`);
    callback({ cancel: !allowed });
  });
  // Exports are blob: downloads of the page's own pictures; nothing else downloads.
  ses.on('will-download', (event, item) => {
    if (!item.getURL().startsWith(`blob:${APP_SCHEME}://`)) event.preventDefault();
  });
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const file = appAsset(UI_DIR, request.url);
    const body = file ? await readFile(file).catch(() => null) : null;
    if (!file || !body) return new Response('Not found', { status: 404 });
    return new Response(body, { status: 200, headers: appHeaders(file) });
  });
}

function rebuildMenu(): void {
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenu({
        platform: process.platform,
        appName: app.getName(),
        recent: settings?.recent ?? [],
        action: (action) => BrowserWindow.getFocusedWindow()?.webContents.send('studio:menu', { action }),
        openRecent: (file) => void desktop?.openFromSystem([file]),
        clearRecent: () => void settings?.clearRecent().then(rebuildMenu),
        about: () => void showAbout(),
        devTools: !app.isPackaged,
      }),
    ),
  );
}

async function showAbout(): Promise<void> {
  if (!desktop) return;
  const info = await desktop.handlers['studio:app-info']({}, { frameUrl: APP_ENTRY, isMainFrame: true, windowId: -1 });
  const engines = Object.entries(info.engines)
    .map(([type, version]) => `${type}: ${version}`)
    .join('\n');
  await dialog.showMessageBox({
    type: 'info',
    title: `About ${app.getName()}`,
    message: `${app.getName()} ${info.version}`,
    detail: `Electron ${info.electron} · Chromium ${info.chrome} · Node ${info.node}\n\nEngines:\n${engines || '(the embedded server is not running)'}`,
  });
}

function createWindow(): BrowserWindow {
  const displays = [screen.getPrimaryDisplay(), ...screen.getAllDisplays().filter((d) => d.id !== screen.getPrimaryDisplay().id)].map((d) => d.workArea);
  const state = restoreWindow(settings?.window ?? null, displays);
  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'Kroki Studio',
    icon: path.join(ROOT, 'build', 'icons', 'icon.png'),
    webPreferences: webPreferences(PRELOAD),
  });
  windows.set(win.id, win);
  if (state.maximized) win.maximize();
  if (state.fullScreen) win.setFullScreen(true);
  win.once('ready-to-show', () => win.show());

  const contents = win.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    if (allowedExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    if (allowedExternalLink(url)) void shell.openExternal(url);
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());

  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const saveState = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    const next: WindowState = { ...b, maximized: win.isMaximized(), fullScreen: win.isFullScreen() };
    void settings?.setWindow(next).catch(() => undefined);
  };
  const later = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveState, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  // A renderer that died cannot settle anything: its drafts are on disk, so the window may close.
  contents.on('render-process-gone', () => closable.add(win.id));
  win.on('close', (event) => {
    saveState();
    if (closable.has(win.id) || contents.isCrashed()) return;
    // The renderer settles unsaved documents (asks, saves or keeps drafts), then calls closeWindow.
    event.preventDefault();
    contents.send('studio:close-requested', {});
  });
  win.on('closed', () => {
    windows.delete(win.id);
    closable.delete(win.id);
    if (quitRequested && windows.size === 0) app.quit();
  });
  void win.loadURL(APP_ENTRY);
  return win;
}

async function confirmClose(windowId: number, names: string[]): Promise<CloseChoice> {
  const win = windows.get(windowId);
  const options = {
    type: 'warning' as const,
    buttons: ['Save', "Don't Save", 'Cancel'],
    defaultId: 0,
    cancelId: 2,
    message: names.length === 1 ? `Save the changes to ${names[0]}?` : `Save the changes to ${names.length} documents?`,
    detail: names.length === 1 ? 'Your changes are lost if you do not save them.' : `${names.join(', ')}\n\nYour changes are lost if you do not save them.`,
  };
  const { response } = win ? await dialog.showMessageBox(win, options) : await dialog.showMessageBox(options);
  return (['save', 'discard', 'cancel'] as const)[response] ?? 'cancel';
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  settings = await new SettingsStore(path.join(userData, 'settings.json')).load();
  const drafts = new DraftStore(path.join(userData, 'drafts'));
  harden(session.defaultSession);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  const childEnv: Record<string, string | undefined> = { ...process.env, STUDIO_CACHE_DIR: process.env.STUDIO_CACHE_DIR ?? path.join(userData, 'cache') };
  delete childEnv.ELECTRON_RUN_AS_NODE;
  delete childEnv.NODE_OPTIONS;
  const store = settings;
  supervisor = new ServerSupervisor({
    launcher: electronLauncher(SERVER_ENTRY, childEnv),
    settings: () => store.live(),
    events: {
      restarted: (reason) => emit('studio:server-restarted', { reason }),
      stackProgress: (progress) => emit('studio:stack-progress', progress),
      stackStatus: (status) => emit('studio:stack-status', status),
      stackError: (message) => emit('studio:stack-error', { message }),
      failed: (reason) => dialog.showErrorBox('Kroki Studio', `The embedded server stopped and was not restarted: ${reason}`),
    },
  });
  supervisor.start().catch((err: Error) => dialog.showErrorBox('Kroki Studio', `The embedded server did not start: ${err.message}`));

  watcher = new FileWatcher({
    changed: (change) => emit('studio:file-changed', change),
    removed: (file) => emit('studio:file-removed', { path: file }),
  });
  const dialogs = {
    open: async (windowId: number, defaultDir: string | null) => {
      const win = windows.get(windowId);
      const options = {
        properties: ['openFile' as const],
        defaultPath: defaultDir ?? app.getPath('documents'),
        filters: [
          { name: 'Diagrams', extensions: EXTENSIONS.map((e) => e.replace(/^\./, '').split('.').pop()!) },
          { name: 'All files', extensions: ['*'] },
        ],
      };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
    save: async (windowId: number, suggestedName: string, defaultDir: string | null) => {
      const win = windows.get(windowId);
      const options = { defaultPath: path.join(defaultDir ?? app.getPath('documents'), suggestedName) };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return result.canceled ? null : (result.filePath ?? null);
    },
    confirmClose,
  };
  desktop = new Desktop({
    supervisor,
    settings,
    drafts,
    watcher,
    dialogs,
    openExternal: (url) => shell.openExternal(url),
    closeWindow: (windowId) => {
      const win = windows.get(windowId);
      if (!win) return;
      closable.add(windowId);
      win.close();
    },
    emit,
    recentChanged: (files) => {
      if (files[0]) app.addRecentDocument(files[0]);
      rebuildMenu();
    },
    versions: { app: app.getVersion(), electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '', node: process.versions.node },
  });
  await desktop.restoreDrafts();
  const router = new IpcRouter(desktop.handlers, log);
  for (const channel of router.channels()) ipcMain.handle(channel, (event, args: unknown) => router.handle(channel, args, senderOf(event)));

  rebuildMenu();
  const win = createWindow();
  // Files from last time, from the command line and from macOS open-file, once the page listens.
  win.webContents.once('did-finish-load', () => {
    const files = [...new Set([...(store.openFiles ?? []), ...filesFromArgv(process.argv, process.cwd(), EXTENSIONS), ...pendingFiles.splice(0)])];
    if (files.length) void desktop?.openFromSystem(files);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    const win = [...windows.values()][0] ?? (desktop ? createWindow() : null);
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    const files = filesFromArgv(argv, cwd, EXTENSIONS);
    if (files.length) void desktop?.openFromSystem(files);
  });
  app.on('open-file', (event, file) => {
    event.preventDefault();
    if (desktop) void desktop.openFromSystem([file]);
    else pendingFiles.push(file);
  });
  app.on('before-quit', () => {
    quitRequested = true;
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (windows.size === 0 && desktop) createWindow();
  });
  // Nothing may outlive the app: the child stops its engines (Chromium, JVM, Python, TeX) before the app exits.
  app.on('will-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    watcher?.close();
    void (supervisor?.stop() ?? Promise.resolve()).finally(() => app.quit());
  });
  app.whenReady().then(start, (err: Error) => {
    dialog.showErrorBox('Kroki Studio', `The app could not start: ${err.message}`);
    app.quit();
  });
}
