/**
 * What each bridge channel does, in plain TypeScript: Electron's dialogs, shell, windows
 * and the server child come in as small interfaces, so the whole desktop side runs (and is
 * tested) under Node against real files and a real server child.
 *
 * Files the renderer may read or write by path are only those the user chose in a dialog,
 * opened from Open Recent, the command line or the file manager, or had open last time:
 * a compromised page cannot name any other path.
 */
import path from 'node:path';
import type { EnginesResponse, ErrorBody, StudioConfigResponse } from '../shared/api.js';
import type { CloseChoice, IpcEvents, OpenedFile, RenderArgs } from '../shared/ipc.js';
import type { DraftStore } from './drafts.js';
import { BridgeError } from './errors.js';
import { readTextFile, writeFileAtomic, type FileWatcher } from './files.js';
import { IncludeError, PLANTUML_TYPES, resolveIncludes } from './includes.js';
import type { Handlers } from './ipc-router.js';
import { allowedExternalLink } from './security.js';
import type { SettingsStore } from './settings.js';
import type { ServerSupervisor } from './supervisor.js';

export interface Dialogs {
  /** The chosen file, or null when cancelled. */
  open(windowId: number, defaultDir: string | null): Promise<string | null>;
  save(windowId: number, suggestedName: string, defaultDir: string | null): Promise<string | null>;
  confirmClose(windowId: number, names: string[]): Promise<CloseChoice>;
}

export interface DesktopDeps {
  supervisor: Pick<ServerSupervisor, 'ready' | 'connection' | 'stack' | 'send' | 'updateSettings'>;
  settings: SettingsStore;
  drafts: DraftStore;
  watcher: FileWatcher;
  dialogs: Dialogs;
  openExternal(url: string): Promise<void>;
  /** Destroys the window for real (after the renderer settled its unsaved documents). */
  closeWindow(windowId: number): void;
  /** Pushes an event to every app window. */
  emit<E extends keyof IpcEvents>(event: E, payload: IpcEvents[E]): void;
  /** The OS's own recent list and the menu's Open Recent, after a change. */
  recentChanged?(files: string[]): void;
  versions: { app: string; electron: string; chrome: string; node: string };
}

export class Desktop {
  /** Paths the renderer may name (see above). */
  private readonly granted = new Set<string>();
  readonly handlers: Handlers;

  constructor(private readonly deps: DesktopDeps) {
    for (const file of [...deps.settings.recent, ...deps.settings.openFiles]) this.grant(file);
    this.handlers = this.createHandlers();
  }

  grant(file: string): string {
    const full = path.resolve(file);
    this.granted.add(full);
    return full;
  }

  isGranted(file: string): boolean {
    return this.granted.has(path.resolve(file));
  }

  /** Drafts from the last session name files that were granted then. */
  async restoreDrafts(): Promise<void> {
    for (const d of await this.deps.drafts.list()) if (d.path) this.grant(d.path);
  }

  /** Opens files given by the system (command line, second instance, open-file, Open Recent) and sends them to the window. */
  async openFromSystem(files: string[]): Promise<void> {
    const opened: OpenedFile[] = [];
    const errors: string[] = [];
    for (const file of files) {
      try {
        opened.push(await this.open(this.grant(file)));
      } catch (err) {
        errors.push((err as Error).message);
      }
    }
    if (opened.length || errors.length) this.deps.emit('studio:open-files', { files: opened, errors });
  }

  private async open(file: string): Promise<OpenedFile> {
    const opened = await readTextFile(file);
    this.deps.watcher.opened(opened.path, opened.mtimeMs, opened.text);
    await this.remember(opened.path);
    return opened;
  }

  private async remember(file: string): Promise<void> {
    const recent = await this.deps.settings.addRecent(file).catch(() => this.deps.settings.recent);
    this.deps.recentChanged?.(recent);
  }

  private lastFolder(): string | null {
    const last = this.deps.settings.recent[0];
    return last ? path.dirname(last) : null;
  }

  private async server(): Promise<{ url: string; secret: string }> {
    try {
      await this.deps.supervisor.ready();
    } catch (err) {
      throw new BridgeError('unavailable', (err as Error).message);
    }
    const connection = this.deps.supervisor.connection;
    if (!connection) throw new BridgeError('unavailable', 'The embedded server is restarting; try again in a moment.');
    return connection;
  }

  private async getJson<T>(route: string): Promise<T> {
    const { url, secret } = await this.server();
    const response = await fetch(`${url}/${route}`, { headers: { authorization: `Bearer ${secret}`, accept: 'application/json' } });
    if (!response.ok) throw new BridgeError('unavailable', `The embedded server answered ${response.status} for /${route}.`);
    return (await response.json()) as T;
  }

  /** Renders through the server child; PlantUML includes are inlined here first. */
  async render(args: RenderArgs): Promise<{ body: Uint8Array; contentType: string }> {
    let source = args.source;
    let lineMap: number[] | null = null;
    if (PLANTUML_TYPES.has(args.type) && /^\s*!include/im.test(source)) {
      const documentPath = args.documentPath && this.isGranted(args.documentPath) ? args.documentPath : null;
      try {
        const resolved = await resolveIncludes(source, { documentPath, root: this.deps.settings.effective().includeRoot });
        source = resolved.source;
        lineMap = resolved.lineMap;
      } catch (err) {
        if (err instanceof IncludeError) throw new BridgeError('render', err.message, { status: 400, line: err.line });
        throw err;
      }
    }
    const { url, secret } = await this.server();
    const query = new URLSearchParams(args.options ?? {}).toString();
    const request = () =>
      fetch(`${url}/${encodeURIComponent(args.type)}/${args.format}${query ? `?${query}` : ''}`, {
        method: 'POST',
        body: source,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' },
      });
    let response: Response;
    try {
      // A kept-alive socket the server closed just then fails the request; a render changes
      // nothing, so it is sent once more on a fresh socket.
      response = await request().catch(() => request());
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      throw new BridgeError('unavailable', `The embedded server cannot be reached: ${(err as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
    }
    const body = new Uint8Array(await response.arrayBuffer());
    if (!response.ok) {
      let message = new TextDecoder().decode(body).trim() || `Render failed with HTTP ${response.status}`;
      let line: number | null = null;
      try {
        const parsed = JSON.parse(message) as Partial<ErrorBody>;
        if (parsed.error?.message) {
          message = parsed.error.message;
          line = typeof parsed.error.line === 'number' && parsed.error.line > 0 ? parsed.error.line : null;
        }
      } catch {
        // plain text
      }
      // A line of the expanded source becomes the document's own line.
      if (line !== null && lineMap) line = lineMap[line - 1] ?? line;
      throw new BridgeError('render', message, { status: response.status, line });
    }
    return { body, contentType: response.headers.get('content-type') ?? 'application/octet-stream' };
  }

  private createHandlers(): Handlers {
    const d = this.deps;
    return {
      'studio:file-open': async ({ path: file }, sender) => {
        if (file !== undefined) {
          if (!this.isGranted(file))
            throw new BridgeError('forbidden', `${file} was not opened through a dialog, Open Recent or the system; open it with File → Open.`);
          return this.open(file);
        }
        const chosen = await d.dialogs.open(sender.windowId, this.lastFolder());
        return chosen ? this.open(this.grant(chosen)) : null;
      },
      'studio:file-save': async ({ path: file, text, expectedMtimeMs }) => {
        if (!this.isGranted(file)) throw new BridgeError('forbidden', `${file} was not chosen in a dialog; use Save As.`);
        const saved = await writeFileAtomic(file, text, { expectedMtimeMs });
        d.watcher.saved(saved.path, saved.mtimeMs, text);
        await this.remember(saved.path);
        return saved;
      },
      'studio:file-save-as': async ({ text, suggestedName }, sender) => {
        const chosen = await d.dialogs.save(sender.windowId, suggestedName, this.lastFolder());
        if (!chosen) return null;
        const saved = await writeFileAtomic(this.grant(chosen), text);
        d.watcher.saved(saved.path, saved.mtimeMs, text);
        await this.remember(saved.path);
        return saved;
      },
      'studio:file-watch': async ({ paths }) => {
        const files = paths.filter((p) => this.isGranted(p)).map((p) => path.resolve(p));
        await d.watcher.set(files);
        await d.settings.setOpenFiles(files).catch(() => undefined);
        return null;
      },
      'studio:recent-files': async () => d.settings.recent,
      'studio:confirm-close': async ({ names }, sender) => d.dialogs.confirmClose(sender.windowId, names),
      'studio:drafts-list': async () => d.drafts.list(),
      'studio:drafts-save': async ({ drafts }) => {
        await d.drafts.saveAll(drafts.map((draft) => ({ ...draft, path: draft.path && this.isGranted(draft.path) ? draft.path : null })));
        return null;
      },
      'studio:render': async (args) => this.render(args),
      'studio:engines': async () => this.getJson<EnginesResponse>('api/engines'),
      'studio:server-info': async () => this.getJson<StudioConfigResponse>('api/config'),
      'studio:warm': async ({ types }) => {
        await this.server();
        d.supervisor.send({ type: 'warm', types });
        return null;
      },
      'studio:settings-get': async () => d.settings.effective(),
      'studio:settings-set': async (change) => {
        const next = await d.settings.update(change);
        d.supervisor.updateSettings(d.settings.live());
        return next;
      },
      'studio:stack': async (request) => {
        try {
          return await d.supervisor.stack(request);
        } catch (err) {
          throw new BridgeError('unavailable', (err as Error).message);
        }
      },
      'studio:app-info': async () => {
        const engines: Record<string, string> = {};
        try {
          for (const t of (await this.getJson<EnginesResponse>('api/engines')).types)
            if (t.engine && !t.aliasOf) engines[t.type] = `${t.engine.id} ${t.engine.version}`;
        } catch {
          // the About box still shows the app's own versions
        }
        return { version: d.versions.app, electron: d.versions.electron, chrome: d.versions.chrome, node: d.versions.node, engines };
      },
      'studio:open-external': async ({ url }) => {
        if (!allowedExternalLink(url)) return false;
        await d.openExternal(url);
        return true;
      },
      'studio:close-window': async (_args, sender) => {
        d.closeWindow(sender.windowId);
        return null;
      },
    };
  }
}
