/**
 * Chromium keeps only the last `--disable-features` switch, so the pool's own switch must
 * repeat the list playwright-core passes. This test reads both command lines from /proc and
 * fails when a playwright-core upgrade adds a feature the pool's list does not carry.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { PageKind } from '../../../server/runtimes/browser-pool.js';
import { testContext } from '../../helpers/context.js';

const ctx = testContext();

afterAll(async () => {
  await ctx.close();
});

/** The browser process's features to disable, as Chromium reads them (the last switch wins). */
function disabledFeatures(pid: number): string[] {
  const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  const last = args.filter((a) => a.startsWith('--disable-features=')).at(-1);
  return last ? last.slice('--disable-features='.length).split(',') : [];
}

async function browserPid(browser: Browser): Promise<number> {
  const cdp = await browser.newBrowserCDPSession();
  const info = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  return info.processInfo.find((p) => p.type === 'browser')!.id;
}

describe('Chromium launch switches', () => {
  it("keep every feature playwright-core disables, plus the pool's own", async () => {
    const plain = await chromium.launch({ executablePath: ctx.config.chromiumPath!, headless: true, args: ['--no-sandbox'] });
    let playwrights: string[];
    try {
      playwrights = disabledFeatures(await browserPid(plain));
    } finally {
      await plain.close();
    }
    expect(playwrights.length).toBeGreaterThan(3);

    await ctx.browser.start();
    const ours = disabledFeatures(ctx.browser.pid()!);
    expect(ours).toEqual(expect.arrayContaining(playwrights));
    expect(ours).toEqual(expect.arrayContaining(['LocalNetworkAccessChecks', 'LocalNetworkAccessChecksWebSockets', 'SpareRendererForSitePerProcess']));
  });

  it('build no address-bar popup (a WebUI renderer of its own) next to the pages', async () => {
    const blank: PageKind = {
      id: 'blank',
      maxPages: 1,
      javaScript: false,
      entry: '/blank.html',
      assets: { '/blank.html': () => Buffer.from('<!doctype html><p>x</p>') },
    };
    await ctx.browser.withPage(blank, { signal: AbortSignal.timeout(20_000) }, async (page) => {
      expect(await page.textContent('p')).toBe('x');
    });
    // Chromium builds that popup a moment after start-up, when it has nothing else to do.
    await new Promise((r) => setTimeout(r, 2000));
    const pid = ctx.browser.pid()!;
    let members: string[] = [];
    try {
      members = execFileSync('pgrep', ['-g', String(pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter(Boolean);
    } catch {
      // pgrep exits 1 when nothing matches
    }
    expect(members.length).toBeGreaterThan(1); // the browser and at least the page's renderer
    const webUi = members.filter((m) => {
      try {
        // Chromium's child processes rewrite their command line as one space-separated string.
        return readFileSync(`/proc/${m}/cmdline`, 'utf8').split(/[\0 ]/).includes('--top-chrome-webui');
      } catch {
        return false; // exited meanwhile
      }
    });
    expect(webUi).toEqual([]);
  });
});
