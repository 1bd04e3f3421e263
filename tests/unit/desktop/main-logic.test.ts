/**
 * The main process's pure parts: window placement, menus built from the shortcut table,
 * the hardening rules (web preferences, CSP, app URLs, the link allow-list, app:// files),
 * the IPC router's sender and argument checks, and settings with the offline policy (real
 * files in a temporary folder).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, describe, expect, it } from 'vitest';
import { SHORTCUTS } from '../../../shared/shortcuts.js';
import { BRIDGE_METHODS, type IpcChannel } from '../../../shared/ipc.js';
import { BridgeError } from '../../../src-main/errors.js';
import { CHANNEL_SCHEMAS } from '../../../src-main/ipc-schemas.js';
import { IpcRouter, type Handlers, type IpcSender } from '../../../src-main/ipc-router.js';
import { accelerator, buildMenu } from '../../../src-main/menu.js';
import {
  allowedExternalLink,
  appAsset,
  appHeaders,
  APP_ENTRY,
  filesFromArgv,
  isAppUrl,
  RENDERER_CSP,
  rendererMayRequest,
  webPreferences,
} from '../../../src-main/security.js';
import { OFFLINE_ENV, POLICY_FILE_ENV, SettingsStore, policyFilePath, readPolicy } from '../../../src-main/settings.js';
import { restoreWindow } from '../../../src-main/window-state.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('window state', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 870 };
  const monitor = { x: 1440, y: 0, width: 2560, height: 1400 };
  it('opens centred with the default size the first time', () => {
    expect(restoreWindow(null, [laptop])).toEqual({ x: 80, y: 25, width: 1280, height: 820, maximized: false, fullScreen: false });
  });
  it('comes back where it was, maximised if it was', () => {
    expect(restoreWindow({ x: 1600, y: 100, width: 1000, height: 700, maximized: true, fullScreen: false }, [laptop, monitor])).toEqual({
      x: 1600,
      y: 100,
      width: 1000,
      height: 700,
      maximized: true,
      fullScreen: false,
    });
  });
  it('moves back onto a screen when its monitor is gone, and shrinks to a smaller screen', () => {
    expect(restoreWindow({ x: 1600, y: 100, width: 1000, height: 700, maximized: false, fullScreen: false }, [laptop])).toEqual({
      x: 220,
      y: 85,
      width: 1000,
      height: 700,
      maximized: false,
      fullScreen: false,
    });
    expect(restoreWindow({ x: 10, y: 10, width: 3000, height: 2000, maximized: false, fullScreen: false }, [laptop])).toMatchObject({
      x: 0,
      y: 0,
      width: 1440,
      height: 870,
    });
  });
  it('ignores a corrupt saved state and enforces a minimum size', () => {
    expect(restoreWindow({ x: Number.NaN, y: 0, width: 10, height: 10 }, [laptop])).toMatchObject({ width: 1280, height: 820 });
    expect(restoreWindow({ x: 100, y: 100, width: 10, height: 10 }, [laptop])).toMatchObject({ width: 640, height: 420 });
  });
});

describe('menus', () => {
  const actions: string[] = [];
  const opened: string[] = [];
  const menu = (platform: NodeJS.Platform, recent: string[] = []) =>
    buildMenu({
      platform,
      appName: 'Kroki Studio',
      recent,
      action: (a) => actions.push(a),
      openRecent: (f) => opened.push(f),
      clearRecent: () => opened.push('(cleared)'),
      about: () => actions.push('about'),
      devTools: false,
    });
  const flat = (items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
    items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);

  it("turns the web UI's combos into Electron accelerators", () => {
    expect(accelerator('Ctrl+Shift+KeyS')).toBe('CmdOrCtrl+Shift+S');
    expect(accelerator('Alt+Equal')).toBe('Alt+=');
    expect(accelerator('Alt+Digit9')).toBe('Alt+9');
    expect(accelerator('F1')).toBe('F1');
  });

  it("shows every shortcut action with the web UI's keys, never registered twice, and runs the action", () => {
    const items = flat(menu('linux'));
    for (const s of SHORTCUTS) {
      const item = items.find((i) => i.accelerator === accelerator(s.combo) || (s.action === 'help' && i.label === 'Keyboard Shortcuts'));
      expect(item, s.action).toBeDefined();
      if (item?.accelerator) expect(item.registerAccelerator).toBe(false);
    }
    const save = items.find((i) => i.label === 'Save')!;
    expect(save.accelerator).toBe('CmdOrCtrl+S');
    (save.click as () => void)();
    expect(actions).toContain('save');
  });

  it('lists recent files under Open Recent, with Clear Recent; an app menu on macOS only', () => {
    const linux = menu('linux', ['/home/u/a.puml', '/home/u/b.mmd']);
    const recent = flat(linux).find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    expect(recent.map((i) => i.label ?? i.type)).toEqual(['/home/u/a.puml', '/home/u/b.mmd', 'separator', 'Clear Recent']);
    (recent[1]!.click as () => void)();
    expect(opened).toEqual(['/home/u/b.mmd']);
    expect(linux[0]!.label).toBe('&File');
    expect(menu('darwin')[0]!.label).toBe('Kroki Studio');
    expect((flat(menu('linux')).find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[])[0]).toMatchObject({ enabled: false });
  });
});

describe('hardening rules', () => {
  it('runs the renderer isolated and sandboxed, without Node, webviews or spell-check downloads', () => {
    expect(webPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    });
  });

  it('has a CSP without inline or remote script and without remote connections', () => {
    const directives = Object.fromEntries(RENDERER_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(RENDERER_CSP).not.toMatch(/unsafe-eval|https?:|\*/);
    expect(appHeaders('/ui/index.html')).toMatchObject({ 'content-security-policy': RENDERER_CSP, 'content-type': 'text/html; charset=utf-8' });
  });

  it('knows its own pages and serves only files inside the built UI', () => {
    expect(isAppUrl(APP_ENTRY)).toBe(true);
    expect(isAppUrl('app://other/index.html')).toBe(false);
    expect(isAppUrl('file:///etc/passwd')).toBe(false);
    expect(isAppUrl('https://studio/')).toBe(false);
    expect(appAsset('/ui', 'app://studio/')).toBe('/ui/index.html');
    expect(appAsset('/ui', 'app://studio/assets/x.js?v=1')).toBe('/ui/assets/x.js');
    expect(appAsset('/ui', 'app://studio/../../etc/passwd')).toBe('/ui/etc/passwd');
    expect(appAsset('/ui', 'app://studio/%2e%2e/%2e%2e/etc/passwd')).toBe('/ui/etc/passwd');
    expect(appAsset('/ui', 'app://studio/%2F..%2F..%2Fetc%2Fpasswd')).toBeNull();
    expect(appAsset('/ui', 'app://studio/a%00b')).toBeNull();
    expect(appAsset('/ui', 'app://evil/index.html')).toBeNull();
  });

  it('opens only allowed https/http links in the system browser', () => {
    expect(allowedExternalLink('https://docs.kroki.io/kroki/setup/')).toBe(true);
    expect(allowedExternalLink('https://github.com/yuzutech/kroki')).toBe(true);
    expect(allowedExternalLink('https://evil.example/')).toBe(false);
    expect(allowedExternalLink('https://github.com.evil.example/')).toBe(false);
    expect(allowedExternalLink('file:///etc/passwd')).toBe(false);
    expect(allowedExternalLink('javascript:alert(1)')).toBe(false);
    expect(allowedExternalLink('https://user:pw@github.com/')).toBe(false);
    expect(allowedExternalLink('smb://kroki.io/share')).toBe(false);
  });
});

describe('what the page may load, and files from a command line', () => {
  it('lets the page load only its own files and pictures', () => {
    expect(rendererMayRequest('app://studio/assets/index.js')).toBe(true);
    expect(rendererMayRequest('blob:app://studio/7f0c')).toBe(true);
    expect(rendererMayRequest('data:image/png;base64,AAAA')).toBe(true);
    for (const url of [
      'https://kroki.io/graphviz/svg',
      'http://127.0.0.1:8080/api/engines',
      'ws://127.0.0.1:1/',
      'file:///etc/passwd',
      'app://other/x',
      'blob:https://evil.example/1',
    ])
      expect(rendererMayRequest(url), url).toBe(false);
  });

  it('takes diagram files from argv (a second instance, Open With), resolved against its folder', () => {
    expect(filesFromArgv(['/opt/kroki-studio/kroki-studio', '--no-sandbox', 'a.puml', '/abs/b.MMD', 'notes.txt', '.'], '/home/u', ['.puml', '.mmd'])).toEqual([
      '/home/u/a.puml',
      '/abs/b.MMD',
    ]);
  });
});

describe('IPC router', () => {
  const calls: string[] = [];
  const handlers = new Proxy({} as Handlers, {
    get: (_t, channel: string) => async (args: unknown) => {
      calls.push(channel);
      if (channel === 'studio:file-save') throw new BridgeError('read-only', 'the folder is read-only');
      if (channel === 'studio:engines') throw new Error('boom');
      return { echoed: args };
    },
  });
  const log: string[] = [];
  const router = new IpcRouter(handlers, (m) => log.push(m));
  const own: IpcSender = { frameUrl: 'app://studio/index.html', isMainFrame: true, windowId: 1 };

  it('has a schema for every bridge method and nothing else', () => {
    expect(router.channels().sort()).toEqual(Object.values(BRIDGE_METHODS).sort());
    expect(Object.keys(CHANNEL_SCHEMAS).every((c) => c.startsWith('studio:'))).toBe(true);
  });

  it("passes the app's own top frame with good arguments", async () => {
    expect(await router.handle('studio:file-open', { path: '/home/u/a.puml' }, own)).toEqual({ ok: true, value: { echoed: { path: '/home/u/a.puml' } } });
    expect(await router.handle('studio:recent-files', undefined, own)).toEqual({ ok: true, value: { echoed: {} } });
  });

  it('refuses unknown channels and foreign senders before any handler runs', async () => {
    calls.length = 0;
    const cases: [string, IpcSender, string][] = [
      ['studio:nope', own, 'Unknown channel "studio:nope".'],
      ['__proto__', own, 'Unknown channel "__proto__".'],
      ['studio:recent-files', { ...own, isMainFrame: false }, 'Refused: the sender is a sub-frame.'],
      ['studio:recent-files', { ...own, frameUrl: 'https://evil.example/' }, 'Refused: the sender\'s page "https://evil.example/" is not the app\'s own.'],
      ['studio:recent-files', { ...own, frameUrl: 'file:///tmp/x.html' }, 'Refused: the sender\'s page "file:///tmp/x.html" is not the app\'s own.'],
      ['studio:recent-files', { ...own, frameUrl: null }, "Refused: the sender's page null is not the app's own."],
      ['studio:recent-files', { ...own, windowId: null }, 'Refused: the sender is not an app window.'],
    ];
    for (const [channel, sender, message] of cases)
      expect(await router.handle(channel, {}, sender)).toEqual({ ok: false, error: { code: 'forbidden', message } });
    expect(calls).toEqual([]);
    expect(log.length).toBe(cases.length);
  });

  it('refuses bad arguments with the field named', async () => {
    calls.length = 0;
    const bad: [IpcChannel, unknown, RegExp][] = [
      ['studio:file-open', { path: 'relative/a.puml' }, /path: must be an absolute path/],
      ['studio:file-open', { path: '/a', extra: 1 }, /Unrecognized key/],
      ['studio:file-save', { path: '/a', text: 42 }, /text: /],
      ['studio:file-save', { path: '/a', text: 'x'.repeat(5 * 1024 * 1024 + 1) }, /text: /],
      ['studio:file-save-as', { text: '', suggestedName: '../../etc/passwd' }, /suggestedName: must be a file name/],
      ['studio:render', { type: 'Graph Viz', format: 'svg', source: '' }, /type: must be a diagram type name/],
      ['studio:render', { type: 'graphviz', format: 'exe', source: '' }, /format: /],
      ['studio:settings-set', { krokiUrl: 'javascript:alert(1)' }, /krokiUrl: must be an http or https URL/],
      ['studio:stack', { action: 'rm -rf' }, /action/],
      ['studio:drafts-save', { drafts: [{ id: '../x', name: 'a', type: 'mermaid', source: '', path: null, updatedAt: 1 }] }, /drafts\.0\.id/],
      ['studio:recent-files', 'not an object', /arguments: /],
    ];
    for (const [channel, args, message] of bad) {
      const reply = await router.handle(channel, args, own);
      expect(reply.ok, channel).toBe(false);
      expect(!reply.ok && reply.error.code).toBe('invalid-args');
      expect(!reply.ok && reply.error.message, JSON.stringify(args).slice(0, 80)).toMatch(message);
    }
    expect(calls).toEqual([]);
  });

  it("returns a handler's error as data: its code for bridge errors, 'internal' for the rest", async () => {
    expect(await router.handle('studio:file-save', { path: '/a', text: 'x' }, own)).toEqual({
      ok: false,
      error: { code: 'read-only', message: 'the folder is read-only' },
    });
    expect(await router.handle('studio:engines', {}, own)).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
  });
});

describe('settings and the offline policy', () => {
  it('finds the policy in the environment, then the policy file; an unreadable file means offline', async () => {
    expect(policyFilePath('linux', {})).toBe('/etc/kroki-studio/policy.json');
    expect(policyFilePath('win32', { ProgramData: 'D:\\PD' })).toBe('D:\\PD\\Kroki Studio\\policy.json');
    expect(await readPolicy('linux', { [OFFLINE_ENV]: '1' })).toEqual({ offline: true, source: `environment variable ${OFFLINE_ENV}` });
    const file = path.join(dir, 'policy.json');
    expect(await readPolicy('linux', { [POLICY_FILE_ENV]: file })).toBeNull();
    writeFileSync(file, '{"offline": true}');
    expect(await readPolicy('linux', { [POLICY_FILE_ENV]: file })).toEqual({ offline: true, source: `policy file ${file}` });
    writeFileSync(file, '{"offline": false}');
    expect(await readPolicy('linux', { [POLICY_FILE_ENV]: file })).toBeNull();
    writeFileSync(file, '{offline: tru');
    expect(await readPolicy('linux', { [POLICY_FILE_ENV]: file })).toEqual({ offline: true, source: `policy file ${file} (unreadable, so offline)` });
  });

  it('starts with no upstream (no public Kroki unless chosen), keeps changes across a restart, and survives a corrupt file', async () => {
    const file = path.join(dir, 'settings.json');
    const store = await new SettingsStore(file).load('linux', { [POLICY_FILE_ENV]: path.join(dir, 'none.json') });
    expect(store.effective()).toEqual({ krokiUrl: null, safeMode: 'secure', offline: false, includeRoot: null, policy: null });
    await store.update({ krokiUrl: 'https://kroki.example.com/', safeMode: 'safe' });
    await store.addRecent('/home/u/a.puml');
    await store.addRecent('/home/u/b.mmd');
    await store.addRecent('/home/u/a.puml');
    const again = await new SettingsStore(file).load('linux', { [POLICY_FILE_ENV]: path.join(dir, 'none.json') });
    expect(again.effective()).toMatchObject({ krokiUrl: 'https://kroki.example.com', safeMode: 'safe' });
    expect(again.recent).toEqual(['/home/u/a.puml', '/home/u/b.mmd']);
    await expect(again.update({ krokiUrl: 'ftp://x' })).rejects.toThrow('The Kroki URL must start with http:// or https://.');
    writeFileSync(file, '{"settings": {"krokiUrl": "javascript:1", "safeMode": "none"}, "recent": ["relative", 3]}');
    const broken = await new SettingsStore(file).load('linux', {});
    expect(broken.effective()).toMatchObject({ krokiUrl: null, safeMode: 'secure' });
    expect(broken.recent).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8')).settings.krokiUrl).toBe('javascript:1'); // loading never writes
  });

  it('offline (by the user or a policy) allows only a loopback upstream and cannot be turned off against the policy', async () => {
    const file = path.join(dir, 'offline.json');
    const user = await new SettingsStore(file).load('linux', {});
    await user.update({ krokiUrl: 'https://kroki.io' });
    expect(user.live().krokiUrl).toBe('https://kroki.io');
    await user.update({ offline: true });
    expect(user.live().krokiUrl).toBeNull();
    await expect(user.update({ krokiUrl: 'https://kroki.io' })).rejects.toThrow(
      'Offline mode allows only a Kroki on this machine (localhost or 127.0.0.1), not kroki.io.',
    );
    await user.update({ krokiUrl: 'http://127.0.0.1:8000' });
    expect(user.live().krokiUrl).toBe('http://127.0.0.1:8000');

    const managed = await new SettingsStore(path.join(dir, 'managed.json')).load('linux', { [OFFLINE_ENV]: 'true' });
    expect(managed.effective()).toMatchObject({ offline: true, policy: { offline: true, source: `environment variable ${OFFLINE_ENV}` } });
    const err = await managed.update({ offline: false }).catch((e: unknown) => e as BridgeError);
    expect(err).toBeInstanceOf(BridgeError);
    expect((err as BridgeError).code).toBe('forbidden');
    await expect(managed.update({ krokiUrl: 'https://kroki.io' })).rejects.toThrow(/Offline mode allows only/);
  });
});

describe('Electron behind small interfaces', () => {
  it('only the Electron glue (main, preload, the utilityProcess launcher) loads electron at run time', () => {
    const dir = path.resolve(import.meta.dirname, '..', '..', '..', 'src-main');
    const loading = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /^import (?!type )[^;]*from 'electron';/m.test(readFileSync(path.join(dir, f), 'utf8')))
      .sort();
    expect(loading).toEqual(['child-electron.ts', 'main.ts', 'preload.ts']);
  });
});
