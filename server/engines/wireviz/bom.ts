/**
 * The BOM numbers WireViz shows in a diagram. With `mini_bom_mode` (the default) an
 * additional component appears in its part's node as `#<id> (<type>)`, where the id is
 * the line of the bill of materials it landed in. WireViz builds the whole BOM
 * (wv_bom.py: every connector, cable or wire, their additional components and
 * `additional_bom_items`), joins entries whose description, unit and part numbers are
 * equal, sorts them by those texts and numbers them from 1. Only that numbering reaches
 * the picture, so only the entries' keys are built here; the BOM itself is not drawn.
 */
import { translateColor } from './colors.js';
import type { AdditionalComponent, Cable, Connector, Harness } from './harness.js';
import { PyDict, PyFloat, PyList, pyStr, pyTruthy, type PyValue } from './pyyaml.js';

type Key = readonly string[];

/** WireViz's `clean_whitespace`: runs of white space to one space, no space before a comma. */
export function cleanWhitespace(text: string): string {
  return text
    .split(/\s+/)
    .filter((w) => w !== '')
    .join(' ')
    .replace(/ ,/g, ',');
}

/** WireViz's `make_str`: lists joined by `, `, None as empty. */
function makeStr(value: PyValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (value instanceof PyList) return value.items.map((v) => pyStr(v)).join(', ');
  return pyStr(value);
}

function key(fields: { description: PyValue; unit: PyValue; pn: PyValue; manufacturer: PyValue; mpn: PyValue; supplier: PyValue; spn: PyValue }): Key {
  return [fields.description, fields.unit, fields.pn, fields.manufacturer, fields.mpn, fields.supplier, fields.spn].map((v) =>
    // Entries are cleaned before their key is taken; cleaning twice changes nothing.
    cleanWhitespace(makeStr(typeof v === 'string' ? cleanWhitespace(v) : v)),
  );
}

export function partDescription(part: AdditionalComponent): string {
  return part.type.trimEnd() + (pyTruthy(part.subtype) ? `, ${pyStr(part.subtype).trimEnd()}` : '');
}

export function partKey(part: AdditionalComponent): Key {
  return key({ ...part, description: partDescription(part) });
}

function at(value: PyValue, index: number): PyValue {
  return value instanceof PyList ? (value.items[index] ?? null) : value;
}

function connectorKey(c: Connector, colorMode: string): Key {
  const description =
    'Connector' +
    (pyTruthy(c.type) ? `, ${pyStr(c.type)}` : '') +
    (pyTruthy(c.subtype) ? `, ${pyStr(c.subtype)}` : '') +
    (c.showPincount ? `, ${c.pincount} pins` : '') +
    (c.color ? `, ${translateColor(c.color, colorMode)}` : '');
  return key({ ...c, description, unit: null });
}

function cableKeys(c: Cable, colorMode: string): Key[] {
  const gauge = pyTruthy(c.gauge) ? `${pyStr(c.gauge)} ${c.gaugeUnit ?? 'None'}` : '';
  if (c.category !== 'bundle') {
    const description =
      'Cable' +
      (pyTruthy(c.type) ? `, ${pyStr(c.type)}` : '') +
      `, ${c.wirecount}` +
      (gauge ? ` x ${gauge}` : ' wires') +
      (c.shield ? ' shielded' : '') +
      (c.color ? `, ${translateColor(c.color, colorMode)}` : '');
    return [key({ ...c, description, unit: c.lengthUnit })];
  }
  return c.colors.map((color, i) => {
    const description =
      'Wire' + (pyTruthy(c.type) ? `, ${pyStr(c.type)}` : '') + (gauge ? `, ${gauge}` : '') + (color ? `, ${translateColor(color, colorMode)}` : '');
    return key({
      description,
      unit: c.lengthUnit,
      pn: at(c.pn, i),
      manufacturer: at(c.manufacturer, i),
      mpn: at(c.mpn, i),
      supplier: at(c.supplier, i),
      spn: at(c.spn, i),
    });
  });
}

function itemKey(item: PyDict): Key {
  const get = (k: string): PyValue => item.get(k) ?? null;
  return key({
    description: get('description'),
    unit: get('unit'),
    pn: get('pn'),
    manufacturer: get('manufacturer'),
    mpn: get('mpn'),
    supplier: get('supplier'),
    spn: get('spn'),
  });
}

/** Python's ordering of strings: by code point. */
function compareText(a: string, b: string): number {
  const ca = Array.from(a);
  const cb = Array.from(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < a.length; i++) {
    const d = compareText(a[i]!, b[i]!);
    if (d !== 0) return d;
  }
  return 0;
}

/** The BOM line numbers, by key (joined with a separator no text has). */
export function bomIds(harness: Harness): Map<string, number> {
  const keys: Key[] = [];
  const mode = harness.options.colorMode;
  for (const c of harness.connectors.values()) {
    if (!c.ignoreInBom) keys.push(connectorKey(c, mode));
    keys.push(...c.additionalComponents.map(partKey));
  }
  for (const c of harness.cables.values()) {
    if (!c.ignoreInBom) keys.push(...cableKeys(c, mode));
    keys.push(...c.additionalComponents.map(partKey));
  }
  keys.push(...harness.bomItems.map(itemKey));
  keys.sort(compareKeys);
  const ids = new Map<string, number>();
  for (const k of keys) {
    const id = k.join('\u0000');
    if (!ids.has(id)) ids.set(id, ids.size + 1);
  }
  return ids;
}

export function bomId(ids: ReadonlyMap<string, number>, part: AdditionalComponent): number {
  return ids.get(partKey(part).join('\u0000'))!;
}

/** Python's `*` of a quantity and a multiplier: a float if either is one. */
export function multiply(qty: PyValue, by: number | PyFloat): number | PyFloat {
  const a = qty instanceof PyFloat ? qty.value : Number(qty);
  const b = by instanceof PyFloat ? by.value : by;
  return qty instanceof PyFloat || by instanceof PyFloat ? new PyFloat(a * b) : a * b;
}
