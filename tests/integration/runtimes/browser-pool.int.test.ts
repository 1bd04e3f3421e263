import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svgIntrinsicSize, svgToImage, svgToPdf } from '../../../server/convert/browser-convert.js';
import { BadRequestError, EngineCrashedError, EngineUnavailableError } from '../../../server/errors.js';
import type { PageKind } from '../../../server/runtimes/browser-pool.js';
import { testContext } from '../../helpers/context.js';
import { startMarkerServer, type MarkerServer } from '../../helpers/marker-server.js';
import { pdfText } from '../../helpers/pdf-text.js';
import { jpegSize, pngSize } from '../../helpers/picture-checks.js';

const ctx = testContext();
const pool = ctx.browser;
const assetsDir = mkdtempSync(path.join(tmpdir(), 'pool-assets-'));
let marker: MarkerServer;

writeFileSync(path.join(assetsDir, 'probe.html'), '<!doctype html><html><head><title>probe page</title></head><body>probe</body></html>');
const probe: PageKind = {
  id: 'probe',
  maxPages: 2,
  javaScript: true,
  entry: '/probe/index.html',
  assets: { '/probe/index.html': path.join(assetsDir, 'probe.html') },
};

// A kind that serves a whole folder; beside the folder, files it must never serve.
const siteDir = path.join(assetsDir, 'site');
mkdirSync(path.join(siteDir, 'sub'), { recursive: true });
writeFileSync(path.join(siteDir, 'index.html'), '<!doctype html><html><head><title>site</title></head><body></body></html>');
writeFileSync(path.join(siteDir, 'sub', 'inside.txt'), 'INSIDE');
writeFileSync(path.join(assetsDir, 'secret.txt'), 'SECRET');
writeFileSync(path.join(assetsDir, 'site-secret.txt'), 'SIBLING');
symlinkSync(path.join(assetsDir, 'secret.txt'), path.join(siteDir, 'link.txt'));
const site: PageKind = {
  id: 'site',
  maxPages: 1,
  javaScript: true,
  entry: '/site/index.html',
  assets: {
    '/site/broken.js': () => {
      throw new Error('cannot produce this asset');
    },
  },
  assetDirs: { '/site/': siteDir },
};

const signal = () => AbortSignal.timeout(20_000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Living processes in Chromium's process group (Playwright makes the browser a group
 * leader). Zombies are left out: they have exited, and only PID 1 can reap orphans
 * (in a container without an init, dead renderers linger as zombies).
 */
function groupMembers(pgid: number): number[] {
  let pids: number[];
  try {
    pids = execFileSync('pgrep', ['-g', String(pgid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
  return pids.filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return !/^\d+ \(.*\) [ZX] /.test(stat);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** Tag a page the first time it is used, so reuse can be seen. */
const tagPage = (tag: string) => (page: import('playwright-core').Page) =>
  page.evaluate((t) => {
    const w = window as unknown as { __tag?: string };
    w.__tag ??= t;
    return w.__tag;
  }, tag);

beforeAll(async () => {
  marker = await startMarkerServer();
  await pool.start();
});

afterAll(async () => {
  await ctx.close();
  await marker.close();
  rmSync(assetsDir, { recursive: true, force: true });
});

describe('browser pool', () => {
  it('launches one Chromium and reports its pid and version', async () => {
    expect(pool.available()).toEqual({ ok: true });
    expect(pool.state()).toBe('ready');
    expect(pool.version()).toMatch(/^\d+\.\d+\.\d+/);
    const pid = pool.pid()!;
    expect(pid).toBeGreaterThan(0);
    expect(groupMembers(pid)).toContain(pid);
    await pool.start(); // memoised: no second browser
    expect(pool.pid()).toBe(pid);
  });

  it('opens a page of a kind from its local assets and reuses it', async () => {
    const first = await pool.withPage(probe, { signal: signal() }, async (page) => [await page.title(), await tagPage('one')(page)]);
    expect(first).toEqual(['probe page', 'one']);
    const second = await pool.withPage(probe, { signal: signal() }, tagPage('two'));
    expect(second).toBe('one');
    expect(pool.stats().kinds.probe).toMatchObject({
      open: 1,
      idle: 1,
      waiting: 0,
    });
  });

  it('blocks every request except the page’s own assets, unless network is allowed', async () => {
    marker.hits.length = 0;
    const blocked = await pool.withPage(probe, { signal: signal() }, (page) =>
      page.evaluate(async (url) => {
        const result: string[] = [];
        await fetch(`${url}/fetch`).then(
          () => result.push('fetched'),
          () => result.push('blocked'),
        );
        await new Promise<void>((resolve) => {
          const img = new Image();
          img.onload = img.onerror = () => resolve();
          img.src = `${url}/img`;
        });
        return result;
      }, marker.url),
    );
    expect(blocked).toEqual(['blocked']);
    expect(marker.hits).toEqual([]);
    // Positive control: the same page reaches the marker when the caller allows it.
    await pool.withPage(probe, { signal: signal(), allowNetwork: true }, (page) =>
      page.evaluate((url) => fetch(`${url}/allowed`, { mode: 'no-cors' }).then(() => 'ok'), marker.url),
    );
    expect(marker.hits).toEqual(['/allowed']);
  });

  it('serves an asset folder’s files and nothing outside it: no traversal, no link out, no file: URL', async () => {
    const fetched = await pool.withPage(site, { signal: signal(), allowNetwork: true }, (page) =>
      page.evaluate(
        async (urls) => {
          const out: Record<string, string> = {};
          for (const u of urls) {
            out[u] = await fetch(u).then(
              async (r) => `${r.status} ${await r.text()}`,
              () => 'blocked',
            );
          }
          return out;
        },
        [
          '/site/sub/inside.txt',
          '/site/sub/../sub/inside.txt',
          '/site/..%2fsecret.txt',
          '/site/sub%2f..%2f..%2fsecret.txt',
          '/site/%2e%2e/secret.txt',
          '/site/..%5csecret.txt',
          '/site-secret.txt',
          '/site/link.txt',
          '/site/sub',
          '/site/%zz',
          'file://' + path.join(assetsDir, 'secret.txt'),
          '/site/broken.js',
        ],
      ),
    );
    // An asset that cannot be produced is answered at once, not left pending.
    expect(fetched['/site/broken.js']).toBe('500 asset unreadable');
    delete fetched['/site/broken.js'];
    expect(fetched['/site/sub/inside.txt']).toBe('200 INSIDE');
    expect(fetched['/site/sub/../sub/inside.txt']).toBe('200 INSIDE');
    for (const [url, answer] of Object.entries(fetched)) {
      if (url.includes('inside')) continue;
      expect(answer, url).toMatch(/^(404 not found|blocked)$/);
    }
  });

  it('caps pages per kind; extra callers wait and all finish', async () => {
    let running = 0;
    let peak = 0;
    const job = () =>
      pool.withPage(probe, { signal: signal() }, async () => {
        running++;
        peak = Math.max(peak, running);
        // Hold the page until a second one runs too: opening a page can take longer than a
        // job on a loaded machine, and the cap (not timing) is what this test is about.
        const until = Date.now() + 8000;
        while (peak < 2 && Date.now() < until) await sleep(20);
        await sleep(50);
        running--;
        return true;
      });
    const jobs = Array.from({ length: 5 }, job);
    await sleep(50);
    expect(pool.stats().kinds.probe!.waiting).toBeGreaterThan(0);
    expect(await Promise.all(jobs)).toEqual([true, true, true, true, true]);
    expect(peak).toBe(2);
    expect(pool.stats().kinds.probe!.open).toBeLessThanOrEqual(2);
  });

  it('a waiter whose signal aborts leaves the queue at once', async () => {
    const release: (() => void)[] = [];
    const hold = () => pool.withPage(probe, { signal: signal() }, () => new Promise<void>((r) => release.push(r)));
    const holders = [hold(), hold()];
    await expect.poll(() => release.length).toBe(2);
    const controller = new AbortController();
    const waiting = pool.withPage(probe, { signal: controller.signal }, async () => 'ran');
    await expect.poll(() => pool.stats().kinds.probe!.waiting).toBe(1);
    controller.abort(new Error('gave up waiting'));
    await expect(waiting).rejects.toThrow('gave up waiting');
    expect(pool.stats().kinds.probe!.waiting).toBe(0);
    release.forEach((r) => r());
    await Promise.all(holders);
  });

  it('a timed-out render rejects at once and its page is closed, never reused', async () => {
    await pool.withPage(probe, { signal: signal() }, tagPage('doomed'));
    let doomedPage: import('playwright-core').Page | undefined;
    const started = Date.now();
    const hung = pool.withPage(probe, { signal: AbortSignal.timeout(200) }, (page) => {
      doomedPage = page;
      return page.evaluate(() => new Promise(() => {})); // never settles
    });
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(1500);
    await expect.poll(() => doomedPage!.isClosed()).toBe(true);
    // Whatever page serves next, it is not the closed one, and it works.
    const tag = await pool.withPage(probe, { signal: signal() }, async (page) => {
      expect(page).not.toBe(doomedPage);
      return page.title();
    });
    expect(tag).toBe('probe page');
  });

  it('a page stuck in a busy loop is closed on timeout and the kind keeps working', async () => {
    let stuckPage: import('playwright-core').Page | undefined;
    const stuck = pool.withPage(probe, { signal: AbortSignal.timeout(300) }, (page) => {
      stuckPage = page;
      return page.evaluate(() => {
        for (;;) {
          // spin: the renderer never returns
        }
      });
    });
    await expect(stuck).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect.poll(() => stuckPage!.isClosed(), { timeout: 10_000 }).toBe(true);
    const titles = await Promise.all([1, 2].map(() => pool.withPage(probe, { signal: signal() }, (page) => page.title())));
    expect(titles).toEqual(['probe page', 'probe page']);
    expect(pool.stats().kinds.probe!.open).toBeLessThanOrEqual(2);
  });

  it('a page crash is reported as EngineCrashedError and the page is replaced', async () => {
    let crashed: import('playwright-core').Page | undefined;
    const err = await pool
      .withPage(probe, { signal: signal() }, async (page) => {
        crashed = page;
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Page.crash').catch(() => undefined);
        await page.evaluate(() => document.title);
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineCrashedError);
    const title = await pool.withPage(probe, { signal: signal() }, async (page) => {
      expect(page).not.toBe(crashed);
      return page.title();
    });
    expect(title).toBe('probe page');
  });

  it('recovers from SIGKILL: in-flight work rejects, the restart is counted, the next call relaunches', async () => {
    const pid = pool.pid()!;
    const before = pool.stats().restarts;
    const inFlight = pool.withPage(probe, { signal: signal() }, (page) => page.evaluate(() => new Promise(() => {}))).catch((e: unknown) => e);
    await sleep(100);
    process.kill(pid, 'SIGKILL');
    expect(await inFlight).toBeInstanceOf(EngineCrashedError);
    expect(pool.stats().restarts).toBe(before + 1);
    expect(ctx.restarts).toContain('browser');
    expect(await pool.withPage(probe, { signal: signal() }, (page) => page.title())).toBe('probe page');
    expect(pool.pid()).not.toBe(pid);
    await expect.poll(() => groupMembers(pid)).toEqual([]);
  });

  it('stop() leaves no Chromium process, fails waiting work, and a later start works', async () => {
    await pool.withPage(probe, { signal: signal() }, (page) => page.title());
    const pid = pool.pid()!;
    expect(groupMembers(pid).length).toBeGreaterThan(1); // browser + zygotes/renderers
    await pool.stop();
    expect(pool.state()).toBe('stopped');
    expect(pool.pid()).toBeNull();
    expect(groupMembers(pid)).toEqual([]);
    await pool.start();
    expect(pool.state()).toBe('ready');
    expect(pool.pid()).not.toBe(pid);
  });

  it('stop() while work runs rejects it as unavailable', async () => {
    const running = pool.withPage(probe, { signal: signal() }, (page) => page.evaluate(() => new Promise(() => {}))).catch((e: unknown) => e);
    await sleep(100);
    await pool.stop();
    expect(await running).toBeInstanceOf(EngineUnavailableError);
    await pool.start();
  });
});

describe('browser conversions', () => {
  const svg = [
    '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">',
    '<rect width="240" height="120" fill="#fde"/>',
    '<text id="t" x="10" y="40" font-size="20">Conversion label</text>',
    '<foreignObject x="10" y="60" width="220" height="40"><div xmlns="http://www.w3.org/1999/xhtml">Html inside</div></foreignObject>',
    `<image href="MARKER/svg-image" x="0" y="0" width="10" height="10"/>`,
    `<script>document.getElementById('t').textContent = 'SCRIPT RAN'; fetch('MARKER/svg-script');</script>`,
    '</svg>',
  ].join('');
  const hostileSvg = () => svg.replaceAll('MARKER', marker.url);

  it('reads the intrinsic size from width/height or viewBox', () => {
    expect(svgIntrinsicSize(svg)).toEqual({ width: 240, height: 120 });
    expect(svgIntrinsicSize('<svg viewBox="0 0 50 25"></svg>')).toEqual({
      width: 50,
      height: 25,
    });
    expect(svgIntrinsicSize('<svg width="100%" viewBox="0 0 50 25"></svg>')).toEqual({ width: 50, height: 25 });
    expect(svgIntrinsicSize('<svg width="1in" height="72pt"></svg>')).toEqual({
      width: 96,
      height: 96,
    });
    expect(svgIntrinsicSize('<svg stroke-width="3" width="30" height="20"></svg>')).toEqual({ width: 30, height: 20 });
  });

  it('prints SVG to a one-page PDF with its text (HTML labels included) and runs no script', async () => {
    marker.hits.length = 0;
    const pdf = await svgToPdf(pool, hostileSvg());
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text).toContain('Conversion label');
    expect(text).toContain('Html inside');
    expect(text).not.toContain('SCRIPT RAN');
    expect(marker.hits).toEqual([]);
    expect((pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) ?? []).length).toBe(1);
  });

  it('screenshots SVG to PNG and JPEG with scale and background', async () => {
    marker.hits.length = 0;
    const png = await svgToImage(pool, hostileSvg(), 'png');
    expect(pngSize(png)).toEqual({ width: 240, height: 120 });
    const sparse = await svgToImage(pool, '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><circle cx="20" cy="15" r="5"/></svg>', 'png');
    expect(pngSize(sparse)).toEqual({ width: 40, height: 30 });
    expect(sparse[25]).toBe(6); // RGBA: transparent by default
    const png2 = await svgToImage(pool, hostileSvg(), 'png', {
      scale: 2,
      background: '#ffffff',
    });
    expect(pngSize(png2)).toEqual({ width: 480, height: 240 });
    const jpeg = await svgToImage(pool, hostileSvg(), 'jpeg', {
      scale: 1.5,
      quality: 80,
    });
    expect(jpegSize(jpeg)).toEqual({ width: 360, height: 180 });
    expect(marker.hits).toEqual([]);
  });

  it('rejects bad input with 400s', async () => {
    await expect(svgToImage(pool, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g></svg>', 'png')).rejects.toBeInstanceOf(BadRequestError);
    await expect(
      svgToImage(pool, svg, 'png', {
        background: 'red;}body{background:url(x)',
      }),
    ).rejects.toBeInstanceOf(BadRequestError);
    await expect(svgToImage(pool, svg, 'png', { scale: 0 })).rejects.toBeInstanceOf(BadRequestError);
    await expect(svgToPdf(pool, '<svg xmlns="http://www.w3.org/2000/svg" width="90000" height="10"/>')).rejects.toBeInstanceOf(BadRequestError);
  });
});
