/**
 * WireViz reads its input with PyYAML's `safe_load` (YAML 1.1), and what a value *is*
 * shows in the picture: `08500030` stays text (not an octal number), `1.0` is a float
 * that Python prints as `1.0`, `yes` is True. So the text is parsed by the `yaml`
 * package for its structure only (every scalar a string, positions kept), and plain
 * scalars are resolved here with PyYAML's own rules; quoted ones are always text.
 *
 * Values become Python-like values (`PyDict`, `PyList`, `PyFloat`, …) that remember the
 * line they came from, so that every later error can name it. Anchors, aliases and
 * `<<` merge keys work as in PyYAML.
 */
import { Alias, isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node as YamlNode } from 'yaml';
import { DiagramSyntaxError } from '../../errors.js';

/** A Python float: kept apart from ints because Python prints `1.0`, not `1`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyScalar = string | number | boolean | null | PyFloat;
export type PyValue = PyScalar | PyDict | PyList;

export class PyDict {
  /** Keys as Python's `str()` of the YAML key (designators are text in WireViz's files). */
  readonly entries = new Map<string, PyValue>();
  readonly keyLines = new Map<string, number>();
  constructor(readonly line: number) {}
  get(key: string): PyValue | undefined {
    return this.entries.get(key);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
  lineOf(key: string): number {
    return this.keyLines.get(key) ?? this.line;
  }
}

export class PyList {
  readonly items: PyValue[] = [];
  readonly lines: number[] = [];
  constructor(readonly line: number) {}
}

// PyYAML's implicit resolvers (resolver.py), YAML 1.1.
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const NULL = /^(?:~|null|Null|NULL|)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

function sexagesimal(text: string): number {
  let value = 0;
  for (const part of text.split(':')) value = value * 60 + Number(part);
  return value;
}

/** A plain scalar as PyYAML's SafeConstructor builds it. */
export function resolvePlain(text: string): PyScalar {
  if (NULL.test(text)) return null;
  if (BOOL.test(text)) return /^(?:yes|true|on)$/i.test(text);
  if (INT.test(text)) {
    let t = text.replace(/_/g, '');
    const sign = t.startsWith('-') ? -1 : 1;
    if (t[0] === '-' || t[0] === '+') t = t.slice(1);
    if (t === '0') return 0;
    if (t.startsWith('0b')) return sign * parseInt(t.slice(2), 2);
    if (t.startsWith('0x')) return sign * parseInt(t.slice(2), 16);
    if (t.startsWith('0')) return sign * parseInt(t, 8);
    if (t.includes(':')) return sign * sexagesimal(t);
    return sign * Number(t);
  }
  if (FLOAT.test(text)) {
    let t = text.replace(/_/g, '').toLowerCase();
    const sign = t.startsWith('-') ? -1 : 1;
    if (t[0] === '-' || t[0] === '+') t = t.slice(1);
    if (t === '.inf') return new PyFloat(sign * Infinity);
    if (t === '.nan') return new PyFloat(NaN);
    if (t.includes(':')) return new PyFloat(sign * sexagesimal(t));
    return new PyFloat(sign * Number(t));
  }
  // PyYAML would make a date of `2020-01-01`; Python prints a date as the same text.
  return text;
}

/** Python's `repr()` of a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = mantissa.replace(/\.?0+$/, '');
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const digits = mantissa.replace('-', '').replace('.', '');
  const negative = x < 0 ? '-' : '';
  const point = exp + 1;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = `${digits}${'0'.repeat(point - digits.length)}.0`;
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative + out;
}

function pyRepr(value: PyValue): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return pyStr(value);
}

/** Python's `str()` (what an f-string prints). */
export function pyStr(value: PyValue | undefined): string {
  if (value === undefined || value === null) return 'None';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return String(value);
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (value instanceof PyList) return `[${value.items.map(pyRepr).join(', ')}]`;
  return `{${[...value.entries].map(([k, v]) => `'${k}': ${pyRepr(v)}`).join(', ')}}`;
}

/** Python truthiness. */
export function pyTruthy(value: PyValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (value instanceof PyFloat) return value.value !== 0;
  if (value instanceof PyList) return value.items.length > 0;
  return value.entries.size > 0;
}

/** Python's `==` for the scalars WireViz compares (pins, labels, colours): 1 == 1.0 == True. */
export function pyEquals(a: PyValue | undefined, b: PyValue | undefined): boolean {
  const num = (v: PyValue | undefined): number | null =>
    typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : v instanceof PyFloat ? v.value : null;
  const na = num(a);
  const nb = num(b);
  if (na !== null || nb !== null) return na !== null && nb !== null && na === nb;
  return a === b;
}

export function pyIndexOf(list: readonly PyValue[], value: PyValue): number {
  return list.findIndex((item) => pyEquals(item, value));
}

/** The number in an int or float value, else null. */
export function pyNumber(value: PyValue | undefined): number | null {
  if (typeof value === 'number') return value;
  if (value instanceof PyFloat) return value.value;
  return null;
}

/** Values built, aliases expanded: a small file of nested aliases could otherwise grow to billions ("billion laughs"). */
const MAX_VALUES = 500_000;

/** The YAML text as Python values, or a DiagramSyntaxError naming the line. */
export function loadYaml(source: string): PyValue {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { schema: 'failsafe', version: '1.1', lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineAt = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? lineAt(problem.pos[0]);
    throw new DiagramSyntaxError(`Invalid WireViz YAML at line ${line}: ${problem.message.split('\n')[0]}`, { line });
  }
  let built = 0;
  const building = new Set<YamlNode>();

  const convert = (node: YamlNode | Alias | null | undefined, fallbackLine: number): PyValue => {
    if (node == null) return null;
    const line = lineAt(node.range?.[0]) || fallbackLine;
    if (++built > MAX_VALUES) throw new DiagramSyntaxError(`The YAML expands to more than ${MAX_VALUES} values (aliases, line ${line})`, { line });
    if (isAlias(node)) {
      const target = node.resolve(doc) as YamlNode | undefined;
      if (!target) throw new DiagramSyntaxError(`Unknown YAML alias *${node.source} at line ${line}`, { line });
      if (building.has(target)) throw new DiagramSyntaxError(`A YAML alias refers to itself at line ${line}`, { line });
      return convert(target, line);
    }
    if (isScalar(node)) {
      const text = String((node as Scalar).value ?? '');
      if (node.tag && node.tag !== 'tag:yaml.org,2002:str' && node.tag !== '!') {
        // Explicit tags: the common ones as PyYAML reads them, any other is refused like safe_load does.
        if (node.tag === 'tag:yaml.org,2002:int' || node.tag === 'tag:yaml.org,2002:float' || node.tag === 'tag:yaml.org,2002:bool') {
          const v = resolvePlain(text);
          if (node.tag === 'tag:yaml.org,2002:float' && typeof v === 'number') return new PyFloat(v);
          return v;
        }
        if (node.tag === 'tag:yaml.org,2002:null') return null;
        throw new DiagramSyntaxError(`Unsupported YAML tag ${node.tag} at line ${line}`, { line });
      }
      return node.type === 'PLAIN' ? resolvePlain(text) : text;
    }
    building.add(node);
    try {
      if (isSeq(node)) {
        const list = new PyList(line);
        for (const item of node.items as Array<YamlNode | null>) {
          list.items.push(convert(item, line));
          list.lines.push(item ? lineAt(item.range?.[0]) : line);
        }
        return list;
      }
      if (isMap(node)) {
        const dict = new PyDict(line);
        const merged: PyDict[] = [];
        for (const pair of node.items) {
          const keyNode = pair.key as YamlNode | null;
          const keyLine = keyNode ? lineAt(keyNode.range?.[0]) : line;
          if (isScalar(keyNode) && keyNode.type === 'PLAIN' && keyNode.value === '<<') {
            const value = convert(pair.value as YamlNode, keyLine);
            const sources = value instanceof PyList ? value.items : [value];
            for (const s of sources) {
              if (!(s instanceof PyDict)) throw new DiagramSyntaxError(`A YAML merge key (<<) needs a mapping at line ${keyLine}`, { line: keyLine });
              merged.push(s);
            }
            continue;
          }
          const key = pyStr(convert(keyNode, keyLine));
          dict.entries.set(key, convert(pair.value as YamlNode, keyLine));
          dict.keyLines.set(key, keyLine);
        }
        if (merged.length === 0) return dict;
        // As PyYAML: merged keys come first, never override the mapping's own, and the first merged mapping wins.
        const result = new PyDict(line);
        for (const source of merged)
          for (const [k, v] of source.entries)
            if (!dict.entries.has(k) && !result.entries.has(k)) {
              result.entries.set(k, v);
              result.keyLines.set(k, source.lineOf(k));
            }
        for (const [k, v] of dict.entries) {
          result.entries.set(k, v);
          result.keyLines.set(k, dict.lineOf(k));
        }
        return result;
      }
    } finally {
      building.delete(node);
    }
    throw new DiagramSyntaxError(`Unsupported YAML node at line ${line}`, { line });
  };
  return convert(doc.contents as YamlNode | null, 1);
}
