/**
 * Chromium keeps only the last `--disable-features` switch, so the pool's own switch must
 * repeat the list playwright-core passes. This test reads both command lines from /proc and
 * fails when a playwright-core upgrade adds a feature the pool's list does not carry.
 */
import { readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
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
});
