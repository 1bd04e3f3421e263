/**
 * The renderer's hardening as data and pure checks, so each rule has a test without
 * Electron: the window's web preferences, the page's Content Security Policy (no inline
 * script, nothing from the network), which URLs are the app's own (served from the app://
 * scheme out of the built UI, never from disk paths the page names), and the allow-list
 * of links that may open in the system browser.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'studio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** No inline script, no eval, no remote anything; the preview's pictures are blob: and data: images. */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** BrowserWindow webPreferences: the isolated, sandboxed renderer with only the preload's bridge. */
export function webPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    // The spell checker would download dictionaries: no connection the user did not ask for.
    spellcheck: false,
    safeDialogs: true,
  } as const;
}

/** Whether a URL is one of the app's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Sites the app links to (docs, the engines' home pages); anything else stays closed. */
export const LINK_HOSTS = [
  'kroki.io',
  'docs.kroki.io',
  'github.com',
  'plantuml.com',
  'mermaid.js.org',
  'graphviz.org',
  'd2lang.com',
  'vega.github.io',
  'bpmn.io',
  'excalidraw.com',
  'nomnoml.com',
  'wavedrom.com',
  'c4model.com',
];

/** An external link may open in the system browser only if it is https (or http) to an allowed host, with no credentials. */
export function allowedExternalLink(url: string, hosts: readonly string[] = LINK_HOSTS): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  return hosts.some((h) => host === h || host.endsWith(`.${h}`));
}

/** The built UI file an app:// request names, or null for anything outside the UI folder. */
export function appAsset(uiDir: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const relative = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const root = path.resolve(uiDir);
  const file = path.resolve(root, relative);
  return file.startsWith(root + path.sep) ? file : null;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Headers every app:// response carries. */
export function appHeaders(file: string): Record<string, string> {
  return {
    'content-type': contentTypeOf(file),
    'content-security-policy': RENDERER_CSP,
    'x-content-type-options': 'nosniff',
    'cross-origin-opener-policy': 'same-origin',
  };
}

/** The renderer loads only the app's own files, blob: and data: pictures: no request leaves the machine from the page. */
export function rendererMayRequest(url: string): boolean {
  return /^(app:\/\/studio\/|blob:app:\/\/studio\/|data:|devtools:)/i.test(url);
}

/** Files named on a command line (a second instance, a file manager's "Open with"), resolved against its folder. */
export function filesFromArgv(argv: readonly string[], cwd: string, extensions: readonly string[]): string[] {
  const wanted = new Set(extensions.map((e) => e.toLowerCase()));
  return argv
    .slice(1)
    .filter((a) => !a.startsWith('-'))
    .map((a) => path.resolve(cwd, a))
    .filter((f) => [...wanted].some((ext) => f.toLowerCase().endsWith(ext)));
}
