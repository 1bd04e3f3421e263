/**
 * The packaged shape of the desktop app, driven by Playwright's Electron support: launch,
 * the window shows the editor, typing updates the preview, open and save through stubbed
 * native dialogs, an external change reloads the file, the unsaved-changes prompt, the
 * server child restarted after being killed, and a quit that leaves no process behind.
 * Where no Electron binary exists (this CI cannot download it) the suite is reported as
 * skipped with the reason; it runs fully wherever one exists.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, commandLine, descendants, killTree, waitGone } from '../helpers/processes.js';
import { ROOT, buildDesktop, electronBinary } from './support.js';

const { path: binary, reason } = electronBinary();
let work = '';
let app: ElectronApplication;
let page: Page;
let mainPid = 0;

afterAll(async () => {
  if (app) await app.close().catch(() => undefined);
  if (mainPid) killTree(mainPid);
  if (work) rmSync(work, { recursive: true, force: true });
});

const editorText = () => page.locator('.cm-content').evaluate((el) => [...el.querySelectorAll('.cm-line')].map((l) => l.textContent ?? '').join('\n'));
async function typeDiagram(text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}
const previewSvg = () => page.evaluate(() => (window as unknown as { krokiStudio?: { previewSvg(): string | null } }).krokiStudio?.previewSvg() ?? null);
async function waitForPreview(match: string, timeoutMs = 60_000): Promise<void> {
  await expect.poll(previewSvg, { timeout: timeoutMs }).toContain(match);
}

describe.skipIf(reason !== null)(`Electron app${reason ? ` (skipped: ${reason})` : ''}`, () => {
  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'studio-electron-'));
    buildDesktop();
    app = await electron.launch({
      executablePath: binary!,
      args: [ROOT],
      env: {
        ...process.env,
        KROKI_STUDIO_USER_DATA: path.join(work, 'profile'),
        KROKI_STUDIO_POLICY_FILE: path.join(work, 'no-policy.json'),
        STUDIO_PRELOAD: 'in-process',
      },
    });
    mainPid = app.process().pid!;
    page = await app.firstWindow();
    await page.locator('.cm-content').waitFor({ timeout: 60_000 });
  }, 180_000);

  it('launches one window that shows the editor, with the bridge and without Node in the page', async () => {
    expect(await page.title()).toBe('Kroki Studio');
    expect(await page.evaluate(() => typeof (window as unknown as { studioDesktop?: unknown }).studioDesktop)).toBe('object');
    expect(await page.evaluate(() => typeof (globalThis as unknown as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => location.href)).toBe('app://studio/index.html');
    expect(app.windows()).toHaveLength(1);
  });

  it('updates the preview as a diagram is typed', async () => {
    await page.locator('[data-testid="type-picker"]').selectOption('graphviz');
    await typeDiagram('digraph { Electron -> Preview }');
    await waitForPreview('Preview');
  });

  it('opens and saves through the native dialogs (stubbed), writing the file', async () => {
    const file = path.join(work, 'opened.dot');
    writeFileSync(file, 'digraph { From -> Disk }');
    await app.evaluate(({ dialog }, chosen) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [chosen] })) as typeof dialog.showOpenDialog;
    }, file);
    await page.keyboard.press('Control+KeyO');
    await expect.poll(editorText).toBe('digraph { From -> Disk }');
    await waitForPreview('Disk');
    await typeDiagram('digraph { From -> Saved }');
    await page.keyboard.press('Control+KeyS');
    await expect.poll(() => readFileSync(file, 'utf8')).toBe('digraph { From -> Saved }');

    const target = path.join(work, 'save-as.dot');
    await app.evaluate(({ dialog }, chosen) => {
      dialog.showSaveDialog = (async () => ({ canceled: false, filePath: chosen })) as typeof dialog.showSaveDialog;
    }, target);
    await page.keyboard.press('Control+Shift+KeyS');
    await expect.poll(() => readFileSync(target, 'utf8')).toBe('digraph { From -> Saved }');
  });

  it('reloads the file when another program changes it', async () => {
    writeFileSync(path.join(work, 'save-as.dot'), 'digraph { Changed -> Outside }');
    await expect.poll(editorText, { timeout: 15_000 }).toBe('digraph { Changed -> Outside }');
  });

  it('asks before closing a tab with unsaved changes, and Cancel keeps it', async () => {
    await typeDiagram('digraph { Unsaved }');
    await app.evaluate(({ dialog }) => {
      (globalThis as unknown as { asked: string[] }).asked = [];
      dialog.showMessageBox = (async (_w: unknown, options: { message: string }) => {
        (globalThis as unknown as { asked: string[] }).asked.push(options.message);
        return { response: 2, checkboxChecked: false };
      }) as unknown as typeof dialog.showMessageBox;
    });
    await page.keyboard.press('Alt+KeyW');
    await expect.poll(() => app.evaluate(() => (globalThis as unknown as { asked: string[] }).asked)).toEqual(['Save the changes to save-as.dot?']);
    expect(await editorText()).toBe('digraph { Unsaved }');
  });

  it('restarts the server child after it is killed, and says so', async () => {
    const child = descendants(mainPid).find((pid) => commandLine(pid).includes('node.mojom.NodeService'));
    expect(child, 'the utility process running the server').toBeDefined();
    process.kill(child!, 'SIGKILL');
    await expect.poll(() => page.locator('[data-testid="status-message"]').textContent(), { timeout: 30_000 }).toMatch(/^The embedded server restarted/);
    await typeDiagram('digraph { After -> Restart }');
    await waitForPreview('Restart');
  });

  it('quits without leaving any process behind', async () => {
    await app.evaluate(({ dialog }) => {
      dialog.showMessageBox = (async () => ({ response: 1, checkboxChecked: false })) as unknown as typeof dialog.showMessageBox;
    });
    const tree = [mainPid, ...descendants(mainPid)];
    expect(tree.filter(alive).length).toBeGreaterThan(1);
    await app.close();
    expect(await waitGone(tree, 20_000)).toEqual([]);
    mainPid = 0;
  });
});
