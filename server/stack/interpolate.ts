/**
 * Compose's variable interpolation in a stack file's values: `$VAR`, `${VAR}`,
 * `${VAR:-default}` / `${VAR-default}` (default when unset or empty / only when unset),
 * `${VAR:?message}` / `${VAR?message}` (required), `${VAR:+other}` / `${VAR+other}`
 * (other when set), defaults that hold variables themselves, and `$$` for a literal `$`.
 */

export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolationError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, env: Env): string {
  const [out, end] = expand(text, 0, env, false);
  if (end !== text.length) throw new InterpolationError(`unexpected "}" at column ${end + 1} in "${text}"`);
  return out;
}

/** Expands from `start` up to the end, or up to the `}` closing a `${...}` when `nested`; returns the text and where it stopped. */
function expand(text: string, start: number, env: Env, nested: boolean): [string, number] {
  let out = '';
  let i = start;
  while (i < text.length) {
    const c = text[i]!;
    if (nested && c === '}') return [out, i];
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '{') {
      const [value, end] = braced(text, i + 2, env);
      out += value;
      i = end + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (name) {
      out += env[name] ?? '';
      i += 1 + name.length;
      continue;
    }
    // A lone `$` (end of text, or not followed by a name) stays as it is, as in compose.
    out += '$';
    i++;
  }
  if (nested) throw new InterpolationError(`"\${" without its closing "}" in "${text}"`);
  return [out, i];
}

/** `${...}` from just after the brace; returns the value and the index of the closing brace. */
function braced(text: string, start: number, env: Env): [string, number] {
  const name = NAME.exec(text.slice(start))?.[0];
  if (!name) throw new InterpolationError(`invalid variable name after "\${" in "${text}"`);
  let i = start + name.length;
  const value = env[name];
  if (text[i] === '}') return [value ?? '', i];
  const colon = text[i] === ':';
  if (colon) i++;
  const op = text[i];
  if (op !== '-' && op !== '?' && op !== '+')
    throw new InterpolationError(`invalid "\${${name}${colon ? ':' : ''}${op ?? ''}" in "${text}" (expected :-, -, :?, ?, :+ or +)`);
  const [word, end] = expand(text, i + 1, env, true);
  const set = colon ? value !== undefined && value !== '' : value !== undefined;
  if (op === '-') return [set ? value! : word, end];
  if (op === '+') return [set ? word : '', end];
  if (!set) throw new InterpolationError(`required variable ${name} is ${value === undefined ? 'not set' : 'empty'}${word ? `: ${word}` : ''}`);
  return [value!, end];
}
