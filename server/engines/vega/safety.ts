/**
 * Vega secure mode, used by the Vega worker.
 *
 * Secure mode (anything but `unsafe`, like Kroki): a spec must not read files or fetch
 * from the network. Two barriers: (1) a spec that names a `url` anywhere (data, nested
 * marks, image marks, encodings) is refused before it runs, with a clear message; (2) the
 * loader given to the View refuses every URL, which also covers URLs computed at run time
 * (signals, expressions, image URLs taken from data).
 */
import * as vega from 'vega';
import { BadRequestError } from '../../errors.js';

export class UnsafeUrlError extends BadRequestError {}

/** Path (e.g. `marks[0].data[1].url`) of the first `url` property, or null. */
export function findUrl(value: unknown, at = ''): string | null {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUrl(value[i], `${at}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const here = at ? `${at}.${key}` : key;
      if (key === 'url') return here;
      const found = findUrl(child, here);
      if (found) return found;
    }
  }
  return null;
}

export function refusal(uri: string): UnsafeUrlError {
  return new UnsafeUrlError(`Loading "${uri}" is not allowed: in secure mode a Vega spec may not read files or fetch URLs. Use inline "values" instead.`);
}

/** A loader that refuses every URL and records what was asked for. */
export function secureLoader(blocked: string[]): vega.Loader {
  const base = vega.loader();
  const refuse = async (uri: string): Promise<never> => {
    blocked.push(uri);
    throw refusal(uri);
  };
  return Object.assign(base, {
    load: refuse,
    sanitize: refuse,
    http: refuse,
    file: refuse,
  }) as vega.Loader;
}

/** Collects Vega's errors instead of printing them. */
export function quietLogger(errors: string[]): vega.LoggerInterface {
  let level = vega.Error;
  const logger: vega.LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level as never;
      level = l;
      return logger as never;
    },
    error(...args: readonly unknown[]) {
      errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
      return logger;
    },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  } as vega.LoggerInterface;
  return logger;
}
