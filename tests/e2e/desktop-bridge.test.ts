/**
 * The desktop renderer end to end except for Electron itself: the built UI in a real
 * Chromium under the app's CSP, `window.studioDesktop` built by the preload's own code, and
 * every call going through the real IPC router into the real main-process modules and a
 * real server child (support/desktop.ts says what stands in for Electron). Covers: the
 * preview drawn through the bridge (the page opens no connection of its own), open and save
 * through (scripted) native dialogs with atomic writes, external changes (silent reload,
 * asked with edits, a save conflict), the unsaved-changes prompt for a tab and for the
 * window, drafts on disk, PlantUML includes next to the document, the server child killed
 * and restarted, menu actions, and the router refusing what the page may not ask.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeLauncher } from '../../src-main/child-node.js';
import { Desktop } from '../../src-main/controller.js';
import { DraftStore } from '../../src-main/drafts.js';
import { FileWatcher } from '../../src-main/files.js';
import { IpcRouter } from '../../src-main/ipc-router.js';
import { SettingsStore } from '../../src-main/settings.js';
import { ServerSupervisor } from '../../src-main/supervisor.js';
import { killTree } from '../helpers/processes.js';
import { ScriptedDialogs, desktopPath, emitter, serveUi, wirePage } from './support/desktop.js';
import { editorText, ensureUiBuilt, launchChromium, pageErrors, previewSvg, selectType, typeDiagram, waitForPreview } from './support/studio.js';

const work = mkdtempSync(path.join(os.tmpdir(), 'studio-desktop-e2e-'));
const docs = path.join(work, 'docs');
const userData = path.join(work, 'user-data');
const dialogs = new ScriptedDialogs();
const refused: string[] = [];
const closedWindows: number[] = [];
const external: string[] = [];
let page: Page | null = null;
let context: BrowserContext;
let browser: Browser;
let ui: Awaited<ReturnType<typeof serveUi>>;
let supervisor: ServerSupervisor;
let watcher: FileWatcher;
const requests: string[] = [];

beforeAll(async () => {
  ensureUiBuilt();
  const { mkdirSync } = await import('node:fs');
  mkdirSync(docs, { recursive: true });
  const settings = await new SettingsStore(path.join(userData, 'settings.json')).load('linux', { KROKI_STUDIO_POLICY_FILE: path.join(work, 'no-policy.json') });
  const emit = emitter(() => page);
  supervisor = new ServerSupervisor({
    launcher: nodeLauncher({
      entry: desktopPath('server', 'desktop-main.ts'),
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, STUDIO_PRELOAD: 'in-process,jvm', LOG_LEVEL: 'warn', STUDIO_JVM_WARMUP: '50' },
      stdio: 'ignore',
    }),
    settings: () => settings.live(),
    restartDelaysMs: [100],
    events: { restarted: (reason) => emit('studio:server-restarted', { reason }) },
  });
  await supervisor.start();
  watcher = new FileWatcher(
    { changed: (c) => emit('studio:file-changed', c), removed: (f) => emit('studio:file-removed', { path: f }) },
    { debounceMs: 50, pollMs: 500 },
  );
  const desktop = new Desktop({
    supervisor,
    settings,
    drafts: new DraftStore(path.join(userData, 'drafts')),
    watcher,
    dialogs,
    openExternal: async (url) => void external.push(url),
    closeWindow: (id) => void closedWindows.push(id),
    emit,
    versions: { app: '0.0.0-test', electron: 'none', chrome: 'none', node: process.versions.node },
  });
  const router = new IpcRouter(desktop.handlers, (m) => refused.push(m));
  ui = await serveUi();
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const p = await context.newPage();
  p.on('request', (r) => requests.push(r.url()));
  await wirePage(p, router, ui.origin);
  await p.goto(`${ui.origin}/index.html`);
  await p.locator('.cm-content').waitFor();
  page = p;
}, 180_000);

afterAll(async () => {
  const p = page;
  page = null;
  await context?.close();
  await browser?.close();
  watcher?.close();
  const pid = supervisor?.connection?.pid;
  await supervisor?.stop();
  if (pid) killTree(pid);
  await ui?.close();
  rmSync(work, { recursive: true, force: true });
  if (p) expect(pageErrors(p)).toEqual([]);
});

const P = () => page!;
const tabNames = () => P().locator('[role="tab"] .name').allTextContents();
const status = () => P().locator('[data-testid="status-message"]').textContent();
const bridgeCall = (method: string, args: unknown) =>
  P().evaluate(([m, a]) => (window as unknown as { studioDesktop: Record<string, (x: unknown) => Promise<unknown>> }).studioDesktop[m]!(a), [
    method,
    args,
  ] as const);

describe('desktop renderer over the bridge', () => {
  it('draws the preview through the bridge; the page itself requests nothing but its own files', async () => {
    expect(await P().evaluate(() => typeof (window as unknown as { studioDesktop?: unknown }).studioDesktop)).toBe('object');
    await selectType(P(), 'graphviz');
    await typeDiagram(P(), 'digraph { Bridge -> Main -> Child }');
    const svg = await waitForPreview(P(), (s) => s.includes('Child'));
    expect(svg).toContain('Bridge');
    const own = (u: string) => u.startsWith(`${ui.origin}/`) || u.startsWith('blob:') || u.startsWith('data:');
    expect(requests.filter((u) => !own(u))).toEqual([]);
    expect(requests.some((u) => /\/graphviz\/svg/.test(u))).toBe(false);
  });

  it('opens a file chosen in the open dialog and saves it atomically', async () => {
    const file = path.join(docs, 'flow.dot');
    writeFileSync(file, 'digraph { Opened -> FromDisk }');
    dialogs.opens.push(file);
    await P().keyboard.press('Control+KeyO');
    await expect.poll(() => tabNames()).toContain('flow.dot');
    expect(await editorText(P())).toBe('digraph { Opened -> FromDisk }');
    await waitForPreview(P(), (s) => s.includes('FromDisk'));

    await typeDiagram(P(), 'digraph { Opened -> Saved }');
    await P().keyboard.press('Control+KeyS');
    await expect.poll(() => readFileSync(file, 'utf8')).toBe('digraph { Opened -> Saved }');
    expect(readdirSync(docs)).toEqual(['flow.dot']);
    await expect.poll(() => status()).toBe('Saved flow.dot');
    expect(await P().locator('[role="tab"][aria-selected="true"] .dirty').count()).toBe(0);
  });

  it('reloads a file changed on disk when its tab has no edits', async () => {
    const file = path.join(docs, 'flow.dot');
    writeFileSync(file, 'digraph { Changed -> Elsewhere }');
    await expect.poll(() => editorText(P()), { timeout: 10_000 }).toBe('digraph { Changed -> Elsewhere }');
    await expect.poll(() => status()).toBe('Reloaded flow.dot: it changed on disk');
    await waitForPreview(P(), (s) => s.includes('Elsewhere'));
  });

  it('asks before reloading over local edits, and a save over a newer file asks before overwriting', async () => {
    const file = path.join(docs, 'flow.dot');
    await typeDiagram(P(), 'digraph { My -> Edit }');
    const questions: string[] = [];
    const answer = (accept: boolean) => P().once('dialog', (d) => void (questions.push(d.message()), accept ? d.accept() : d.dismiss()));
    answer(false); // keep my version
    writeFileSync(file, 'digraph { Their -> Edit }');
    await expect.poll(() => questions.length, { timeout: 10_000 }).toBe(1);
    expect(questions[0]).toMatch(/^flow\.dot changed on disk\. Reload it and lose your unsaved edits\?/);
    expect(await editorText(P())).toBe('digraph { My -> Edit }');

    answer(true); // overwrite theirs
    await P().keyboard.press('Control+KeyS');
    await expect.poll(() => questions.length).toBe(2);
    expect(questions[1]).toBe('flow.dot changed on disk since you opened it. Overwrite it with your version?');
    await expect.poll(() => readFileSync(file, 'utf8')).toBe('digraph { My -> Edit }');
  });

  it('asks before closing a tab with unsaved changes (native prompt), and Cancel keeps it', async () => {
    await typeDiagram(P(), 'digraph { Not -> Saved }');
    dialogs.closeChoices.push('cancel');
    await P().keyboard.press('Alt+KeyW');
    await expect.poll(() => dialogs.asked.filter((a) => a.kind === 'confirm-close').length).toBe(1);
    expect(dialogs.asked.at(-1)).toEqual({ kind: 'confirm-close', detail: ['flow.dot'] });
    expect(await tabNames()).toContain('flow.dot');

    dialogs.closeChoices.push('discard');
    await P().keyboard.press('Alt+KeyW');
    await expect.poll(() => tabNames()).not.toContain('flow.dot');
    expect(readFileSync(path.join(docs, 'flow.dot'), 'utf8')).toBe('digraph { My -> Edit }');
  });

  it('keeps unsaved documents as drafts on disk', async () => {
    await selectType(P(), 'graphviz');
    await typeDiagram(P(), 'digraph { Draft -> KeptOnDisk }');
    const draftDir = path.join(userData, 'drafts');
    await expect
      .poll(() => {
        try {
          return readdirSync(draftDir).map((f) => JSON.parse(readFileSync(path.join(draftDir, f), 'utf8')).source as string);
        } catch {
          return [];
        }
      })
      .toContain('digraph { Draft -> KeptOnDisk }');
  });

  it('resolves a PlantUML include next to the document and refuses one outside its folder', async () => {
    const main = path.join(docs, 'seq.puml');
    writeFileSync(path.join(docs, 'actors.iuml'), 'participant Included\n');
    writeFileSync(main, '@startuml\n!include actors.iuml\nAlice -> Included : hi\n@enduml\n');
    dialogs.opens.push(main);
    await P().keyboard.press('Control+KeyO');
    await expect.poll(() => tabNames()).toContain('seq.puml');
    await waitForPreview(P(), (s) => s.includes('Included') && s.includes('Alice'), 90_000);

    await typeDiagram(P(), '@startuml\n!include /etc/passwd\n@enduml');
    const error = P().locator('[data-testid="preview-error"]');
    await expect.poll(() => error.textContent(), { timeout: 20_000 }).toMatch(/line 2.*outside/s);
  });

  it('settles unsaved documents when the window is asked to close', async () => {
    dialogs.closeChoices.push('cancel');
    const before = dialogs.asked.length;
    await P().evaluate(() => (window as unknown as { __studioEmit(e: string, p: unknown): void }).__studioEmit('studio:close-requested', {}));
    await expect.poll(() => dialogs.asked.length).toBe(before + 1);
    expect(closedWindows).toEqual([]);
  });

  it('runs menu actions like the shortcuts', async () => {
    const count = (await tabNames()).length;
    await P().evaluate(() => (window as unknown as { __studioEmit(e: string, p: unknown): void }).__studioEmit('studio:menu', { action: 'new' }));
    await expect.poll(async () => (await tabNames()).length).toBe(count + 1);
  });

  it('tells the user when the server child was killed and restarted, and draws again', async () => {
    await selectType(P(), 'graphviz');
    await typeDiagram(P(), 'digraph { Before -> Crash }');
    await waitForPreview(P(), (s) => s.includes('Crash'));
    process.kill(supervisor.connection!.pid!, 'SIGKILL');
    await expect.poll(() => status(), { timeout: 30_000 }).toBe('The embedded server restarted (the server ended by SIGKILL); drawing again');
    await typeDiagram(P(), 'digraph { After -> Restart }');
    await waitForPreview(P(), (s) => s.includes('Restart'), 30_000);
  });

  it('offers offline mode in Settings, which refuses a public Kroki as upstream', async () => {
    await P().keyboard.press('Alt+Comma');
    const offline = P().locator('[data-testid="settings-offline"]');
    await offline.waitFor();
    await offline.check();
    const message = P().locator('[data-testid="settings-desktop-message"]');
    await expect.poll(() => message.textContent()).toBe('Saved.');
    expect(JSON.parse(readFileSync(path.join(userData, 'settings.json'), 'utf8')).settings.offline).toBe(true);
    const url = P().locator('[data-testid="settings-kroki-url"]');
    await url.fill('https://kroki.io');
    await url.press('Tab');
    await expect.poll(() => message.textContent()).toBe('Offline mode allows only a Kroki on this machine (localhost or 127.0.0.1), not kroki.io.');
    await url.fill('http://127.0.0.1:8000');
    await url.press('Tab');
    await expect.poll(() => message.textContent()).toBe('Saved.');
    await offline.uncheck();
    await url.fill('');
    await url.press('Tab');
    await P().keyboard.press('Escape');
  });

  it('refuses through the router what the page may not ask: paths it was not given, bad arguments, unknown links', async () => {
    const denied = (await bridgeCall('openFile', { path: '/etc/passwd' })) as { ok: boolean; error: { code: string; message: string } };
    expect(denied).toEqual({
      ok: false,
      error: { code: 'forbidden', message: '/etc/passwd was not opened through a dialog, Open Recent or the system; open it with File → Open.' },
    });
    const save = (await bridgeCall('saveFile', { path: path.join(work, 'evil.sh'), text: 'x' })) as { ok: boolean; error: { code: string } };
    expect(save.error.code).toBe('forbidden');
    const bad = (await bridgeCall('render', { type: 'Not A Type', format: 'svg', source: '' })) as { ok: boolean; error: { code: string; message: string } };
    expect(bad.error.code).toBe('invalid-args');
    expect(bad.error.message).toMatch(/type: must be a diagram type name/);
    expect(await bridgeCall('openExternal', { url: 'https://evil.example/' })).toEqual({ ok: true, value: false });
    expect(await bridgeCall('openExternal', { url: 'https://docs.kroki.io/' })).toEqual({ ok: true, value: true });
    expect(external).toEqual(['https://docs.kroki.io/']);
    expect(refused.some((m) => m.startsWith('refused studio:render: bad arguments'))).toBe(true);
    // The bridge has its named methods and nothing generic.
    const keys = await P().evaluate(() => Object.keys((window as unknown as { studioDesktop: object }).studioDesktop).sort());
    expect(keys).not.toContain('invoke');
    expect(keys).not.toContain('send');
    expect(await previewSvg(P())).not.toBeNull();
  });
});
