/**
 * Validates merged Kroki options against an engine's schema, once, for every engine: a
 * bad value is a 400 that names the option and what it accepts. Unknown options are
 * ignored, as Kroki does (clients send options meant for other engines).
 */
import { BadRequestError, humanList } from '../errors.js';
import type { OptionSpec, OptionsSchema, OptionValue } from '../engines/spec.js';

function quoted(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

function check(name: string, spec: OptionSpec, raw: string): OptionValue {
  switch (spec.kind) {
    case 'flag':
      return true;
    case 'enum': {
      const v = raw.trim().toLowerCase();
      const found = spec.values.find((allowed) => allowed.toLowerCase() === v);
      if (found === undefined) throw new BadRequestError(`Invalid value for option ${name}: ${quoted(raw)}. Must be one of ${humanList(spec.values)}.`);
      return found;
    }
    case 'number': {
      const n = raw.trim() === '' ? NaN : Number(raw);
      const range =
        spec.above !== undefined && spec.max !== undefined
          ? `greater than ${spec.above} and at most ${spec.max}`
          : spec.above !== undefined
            ? `greater than ${spec.above}`
            : spec.max !== undefined
              ? `at most ${spec.max}`
              : '';
      const bad =
        !Number.isFinite(n) ||
        (spec.integer && !Number.isInteger(n)) ||
        (spec.above !== undefined && n <= spec.above) ||
        (spec.max !== undefined && n > spec.max);
      if (bad)
        throw new BadRequestError(
          `Invalid value for option ${name}: ${quoted(raw)}. Must be ${spec.integer ? 'a whole number' : 'a number'}${range ? ` ${range}` : ''}.`,
        );
      return n;
    }
    case 'string':
      if (spec.pattern && !spec.pattern.test(raw))
        throw new BadRequestError(`Invalid value for option ${name}: ${quoted(raw)}${spec.hint ? ` (${spec.hint})` : ''}.`);
      return raw;
  }
}

/** The typed values of the named options given; throws BadRequestError on the first bad one. */
export function validateOptions(schema: OptionsSchema | undefined, options: Readonly<Record<string, string>>): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  if (!schema) return values;
  for (const [key, raw] of Object.entries(options)) {
    const named = schema.named?.[key];
    if (named) {
      values[key] = check(key, named, raw);
      continue;
    }
    for (const [prefix, family] of Object.entries(schema.prefixed ?? {})) {
      if (!key.startsWith(prefix)) continue;
      const suffix = key.slice(prefix.length);
      if (!family.suffix.test(suffix)) throw new BadRequestError(`Invalid option name ${key}: ${quoted(suffix)} is not ${family.suffixHint}.`);
      check(key, family.value, raw);
    }
  }
  return values;
}

/** Options as /api/engines publishes them. */
export function describeOptions(schema: OptionsSchema | undefined): Array<{ name: string; kind: string; description: string; values?: readonly string[] }> {
  if (!schema) return [];
  const rows: Array<{ name: string; kind: string; description: string; values?: readonly string[] }> = [];
  for (const [name, spec] of Object.entries(schema.named ?? {}))
    rows.push({ name, kind: spec.kind, description: spec.description, ...(spec.kind === 'enum' ? { values: spec.values } : {}) });
  for (const [prefix, family] of Object.entries(schema.prefixed ?? {}))
    rows.push({ name: `${prefix}<name>`, kind: family.value.kind, description: family.value.description });
  if (schema.passthrough) rows.push({ name: schema.passthrough.name, kind: 'string', description: schema.passthrough.description });
  return rows;
}
