/**
 * What the engines drawing in pages of the shared browser have in common: the setting for
 * their number of warm pages, one page kind per configuration (the two make the whole
 * runtime of an engine with no other setting), the check that their page script finished
 * setting up its library before the page serves renders, and the 400 for a refusal the
 * page reports.
 */
import type { Page } from 'playwright-core';
import { DiagramSyntaxError } from '../../errors.js';
import type { PageKind } from '../../runtimes/browser-pool.js';
import type { BrowserRuntime, EngineEnv, SettingSpec, SettingsSchema } from '../spec.js';

/** `STUDIO_<ENGINE>_PAGES`: warm pages, i.e. renders at once. */
export function pagesSetting(env: string, label: string): SettingSpec & { kind: 'int' } {
  return { env, kind: 'int', default: 1, min: 1, max: 16, description: `Warm ${label} pages (renders at once).` };
}

/**
 * The engine's page kind for a configuration, made once: the pool tells kinds apart by id
 * and keeps the first one registered, so each render must hand it the same object.
 */
export function kindPerConfig(make: (env: EngineEnv) => PageKind): (env: EngineEnv) => PageKind {
  const kinds = new WeakMap<object, PageKind>();
  return (env) => {
    let kind = kinds.get(env.config);
    if (!kind) {
      kind = make(env);
      kinds.set(env.config, kind);
    }
    return kind;
  };
}

/**
 * The browser runtime of an engine whose one setting is its number of warm pages (`setting`,
 * `STUDIO_<ENGINE>_PAGES`): the kind is made with that number, once per configuration.
 */
export function pagesRuntime(setting: string, label: string, kind: (maxPages: number) => PageKind): BrowserRuntime {
  const settings = { pages: pagesSetting(setting, label) } as const satisfies SettingsSchema;
  // An int setting is a number once the configuration is validated at start (config.ts).
  const pages = (env: EngineEnv): number => env.settings(settings).pages as number;
  return { kind: 'browser', settings, pages, page: kindPerConfig((env) => kind(pages(env))) };
}

/** A kind's `prepare`: fails unless the page script set `window[global].ready` to true. */
export function pageReady(global: string, failure: string): (page: Page) => Promise<void> {
  return async (page) => {
    const ready = await page.evaluate((name) => (window as unknown as Record<string, { ready?: unknown } | undefined>)[name]?.ready === true, global);
    if (!ready) throw new Error(failure);
  };
}

/** The library's refusal reported by a page, on one line and bounded, with its line when it named one. */
export function pageSyntaxError(message: string, line: number | undefined, fallback: string): DiagramSyntaxError {
  const clean = message.replace(/\s+/g, ' ').trim().slice(0, 2000);
  return new DiagramSyntaxError(clean || fallback, line !== undefined && line > 0 ? { line } : {});
}
