/**
 * WireViz's YAML (as pyyaml.ts loads it) → a harness: connectors, cables/bundles and
 * their connections, with the defaults and checks of WireViz's data classes and of its
 * `parse()` (wireviz.py) and `Harness.connect()`, in the version Kroki runs (0.3.x):
 *
 * - sections `metadata`, `options`, `tweak`, `connectors`, `cables`, `connections`,
 *   `additional_bom_items`; any other top-level key is ignored, as WireViz ignores it;
 * - an attribute a component, image, option or tweak does not have is refused (WireViz
 *   fails on it with Python's "unexpected keyword argument"), naming its line;
 * - connection sets alternate connectors and cables, list pins as `[1-4]` ranges, pin
 *   numbers or pin labels, wires as numbers, colours or labels, or `s` for the shield;
 *   connectors marked `autogenerate` are copied for every use (`_F1_1`, `_F1_2`, …).
 *
 * Every WireViz error is a DiagramSyntaxError with the line of what caused it.
 */
import { DiagramSyntaxError } from '../../errors.js';
import { COLOR_CODES } from './colors.js';
import { loadYaml, PyDict, pyEquals, PyFloat, pyIndexOf, PyList, pyNumber, pyStr, pyTruthy, type PyScalar, type PyValue } from './pyyaml.js';

export interface Image {
  src: string;
  scale: string;
  width: PyValue;
  height: PyValue;
  fixedsize: boolean;
  bgcolor: string | null;
  caption: PyValue;
}

export interface AdditionalComponent {
  type: string;
  subtype: PyValue;
  manufacturer: PyValue;
  mpn: PyValue;
  supplier: PyValue;
  spn: PyValue;
  pn: PyValue;
  qty: PyValue;
  unit: PyValue;
  qtyMultiplier: string | null;
  bgcolor: string | null;
  line: number;
}

interface Part {
  name: string;
  bgcolor: string | null;
  bgcolorTitle: string | null;
  manufacturer: PyValue;
  mpn: PyValue;
  supplier: PyValue;
  spn: PyValue;
  pn: PyValue;
  type: PyValue;
  image: Image | null;
  notes: PyValue;
  color: string | null;
  ignoreInBom: boolean;
  additionalComponents: AdditionalComponent[];
  line: number;
}

export interface Connector extends Part {
  kind: 'connector';
  style: string | null;
  subtype: PyValue;
  pincount: number;
  pins: PyScalar[];
  pinlabels: PyValue[];
  pincolors: PyValue[];
  showName: boolean;
  showPincount: boolean;
  hideDisconnectedPins: boolean;
  autogenerate: boolean;
  loops: Array<[PyValue, PyValue]>;
  /** Which sides wires attach to (set while drawing, as WireViz does). */
  portsLeft: boolean;
  portsRight: boolean;
  /** Pins some connection uses. */
  visiblePins: PyScalar[];
}

export interface Connection {
  fromName: string | null;
  /** Zero-based pin index. */
  fromPort: number | null;
  /** Wire number (1-based), or `s`/another text for the shield. */
  viaPort: number | string;
  toName: string | null;
  toPort: number | null;
}

export interface Cable extends Part {
  kind: 'cable';
  category: string | null;
  gauge: PyValue;
  gaugeUnit: string | null;
  showEquiv: boolean;
  length: number | PyFloat;
  lengthUnit: string;
  wirecount: number;
  shield: boolean | string;
  colors: string[];
  wirelabels: PyValue[];
  showName: boolean;
  showWirecount: boolean;
  showWirenumbers: boolean;
  connections: Connection[];
}

export interface Options {
  fontname: string;
  bgcolor: string;
  bgcolorNode: string;
  bgcolorConnector: string;
  bgcolorCable: string;
  bgcolorBundle: string;
  colorMode: string;
  miniBomMode: boolean;
}

export interface Tweak {
  override: Map<string, Map<string, string | null>> | null;
  append: string[];
}

export interface Harness {
  options: Options;
  tweak: Tweak;
  connectors: Map<string, Connector>;
  cables: Map<string, Cable>;
  /** additional_bom_items as written (they only move the BOM numbers shown for additional components). */
  bomItems: PyDict[];
}

/**
 * Pins of a connector, wires of a cable and pins of one range: WireViz has no limit, but a
 * typo like `pincount: 40000000` would only exhaust the worker's memory; no harness drawing
 * can show that many.
 */
const MAX_PARTS = 10_000;

function fail(message: string, line: number): never {
  throw new DiagramSyntaxError(`${message} (line ${line})`, { line });
}

// ---- reading attributes ------------------------------------------------------------

type Kind = 'text' | 'bool' | 'int' | 'number' | 'any' | 'list' | 'dict' | 'color';

/** An attribute reader over one YAML mapping that refuses keys it was not told of. */
class Attributes {
  private readonly used = new Set<string>();
  constructor(
    readonly dict: PyDict,
    private readonly what: string,
  ) {}

  lineOf(key: string): number {
    return this.dict.lineOf(key);
  }

  raw(key: string): PyValue | undefined {
    this.used.add(key);
    return this.dict.get(key);
  }

  get(key: string, kind: 'text' | 'color'): string | null;
  get(key: string, kind: 'bool'): boolean | null;
  get(key: string, kind: 'int'): number | null;
  get(key: string, kind: 'number'): number | PyFloat | null;
  get(key: string, kind: 'list'): PyList | null;
  get(key: string, kind: 'dict'): PyDict | null;
  get(key: string, kind: 'any'): PyValue;
  get(key: string, kind: Kind): PyValue {
    const value = this.raw(key);
    if (value === undefined || value === null) return null;
    const bad = (expects: string): never => fail(`${this.what}: ${key} must be ${expects}, not ${pyStr(value)}`, this.lineOf(key));
    switch (kind) {
      case 'any':
        return value;
      case 'text':
      case 'color':
        if (value instanceof PyDict || value instanceof PyList) bad(kind === 'color' ? 'a colour' : 'text');
        return pyStr(value);
      case 'bool':
        return typeof value === 'boolean' ? value : bad('true or false');
      case 'int':
        return typeof value === 'number' && Number.isInteger(value) ? value : bad('a whole number');
      case 'number':
        return typeof value === 'number' || value instanceof PyFloat ? value : bad('a number');
      case 'list':
        return value instanceof PyList ? value : bad('a list');
      case 'dict':
        return value instanceof PyDict ? value : bad('a mapping');
    }
  }

  /** Refuses every key not read, as a data class refuses an unexpected keyword argument. */
  done(): void {
    for (const key of this.dict.entries.keys())
      if (!this.used.has(key)) fail(`${this.what} has no attribute ${JSON.stringify(key)} (unexpected keyword argument)`, this.lineOf(key));
  }
}

function listItems(list: PyList | null): PyValue[] {
  return list ? [...list.items] : [];
}

function scalarItems(list: PyList | null, what: string): PyScalar[] {
  return listItems(list).map((item, i) => {
    if (item instanceof PyDict || item instanceof PyList) fail(`${what}: item ${i + 1} must be a single value`, list!.lines[i]!);
    return item;
  });
}

// ---- data classes --------------------------------------------------------------------

function readImage(dict: PyDict, owner: string): Image {
  const a = new Attributes(dict, `${owner}.image`);
  const src = a.get('src', 'text');
  if (src === null) fail(`${owner}.image needs a src`, dict.line);
  let scale = a.get('scale', 'text');
  const width = a.get('width', 'number');
  const height = a.get('height', 'number');
  let fixedsize = a.get('fixedsize', 'bool');
  const bgcolor = a.get('bgcolor', 'color');
  const caption = a.get('caption', 'any');
  a.done();
  const w = width === null ? null : pyNumber(width);
  const h = height === null ? null : pyNumber(height);
  if (fixedsize === null) fixedsize = Boolean(w || h) && scale === null;
  if (scale === null) scale = !w && !h ? 'false' : w && h ? 'both' : 'true';
  // WireViz reads the image's aspect ratio from the file; Studio never opens it, which is
  // what WireViz falls back to when it cannot: a ratio of 1.
  let fw: PyValue = width;
  let fh: PyValue = height;
  if (fixedsize) {
    if (h && !w) fw = height;
    else if (w && !h) fh = width;
  }
  return { src, scale, width: fw, height: fh, fixedsize, bgcolor, caption };
}

function readAdditionalComponents(list: PyList | null, owner: string): AdditionalComponent[] {
  return listItems(list).map((item, i) => {
    const line = list!.lines[i]!;
    if (!(item instanceof PyDict)) fail(`${owner}.additional_components: item ${i + 1} must be a mapping`, line);
    const a = new Attributes(item, `${owner}.additional_components[${i + 1}]`);
    const type = a.get('type', 'text');
    if (type === null) fail(`${owner}.additional_components[${i + 1}] needs a type`, line);
    const part: AdditionalComponent = {
      type,
      subtype: a.get('subtype', 'any'),
      manufacturer: a.get('manufacturer', 'any'),
      mpn: a.get('mpn', 'any'),
      supplier: a.get('supplier', 'any'),
      spn: a.get('spn', 'any'),
      pn: a.get('pn', 'any'),
      qty: a.get('qty', 'number') ?? 1,
      unit: a.get('unit', 'any'),
      qtyMultiplier: a.get('qty_multiplier', 'text'),
      bgcolor: a.get('bgcolor', 'color'),
      line,
    };
    a.done();
    return part;
  });
}

function readPart(a: Attributes, name: string, line: number) {
  const image = a.get('image', 'dict');
  return {
    name,
    bgcolor: a.get('bgcolor', 'color'),
    bgcolorTitle: a.get('bgcolor_title', 'color'),
    manufacturer: a.get('manufacturer', 'any'),
    mpn: a.get('mpn', 'any'),
    supplier: a.get('supplier', 'any'),
    spn: a.get('spn', 'any'),
    pn: a.get('pn', 'any'),
    type: a.get('type', 'any'),
    image: image ? readImage(image, name) : null,
    notes: a.get('notes', 'any'),
    color: a.get('color', 'color'),
    ignoreInBom: a.get('ignore_in_bom', 'bool') ?? false,
    additionalComponents: readAdditionalComponents(a.get('additional_components', 'list'), name),
    line,
  };
}

export function readConnector(name: string, dict: PyDict, line: number): Connector {
  const a = new Attributes(dict, `Connector ${name}`);
  const part = readPart(a, name, line);
  const style = a.get('style', 'text');
  a.get('category', 'any');
  const subtype = a.get('subtype', 'any');
  let pincount = a.get('pincount', 'int');
  let pins = scalarItems(a.get('pins', 'list'), `${name}.pins`);
  const pinlabels = listItems(a.get('pinlabels', 'list'));
  const pincolors = listItems(a.get('pincolors', 'list'));
  const showName = a.get('show_name', 'bool');
  const showPincount = a.get('show_pincount', 'bool');
  const hideDisconnectedPins = a.get('hide_disconnected_pins', 'bool') ?? false;
  const autogenerate = a.get('autogenerate', 'bool') ?? false;
  const loopList = a.get('loops', 'list');
  a.done();

  if (style === 'simple') {
    if (pincount && pincount > 1) fail(`Connector ${name}: connectors with style set to simple may only have one pin`, a.lineOf('pincount'));
    pincount = 1;
  }
  if (!pincount) {
    pincount = Math.max(pins.length, pinlabels.length, pincolors.length);
    if (!pincount) fail(`Connector ${name}: you need to specify at least one, pincount, pins, pinlabels, or pincolors`, line);
  }
  if (pincount > MAX_PARTS) fail(`Connector ${name}: at most ${MAX_PARTS} pins, not ${pincount}`, a.lineOf('pincount'));
  if (pins.length === 0) pins = Array.from({ length: pincount }, (_, i) => i + 1);
  if (pins.some((p, i) => pyIndexOf(pins, p) !== i)) fail(`Connector ${name}: pins are not unique`, a.lineOf('pins'));
  const loops = listItems(loopList).map((loop, i): [PyValue, PyValue] => {
    if (!(loop instanceof PyList) || loop.items.length !== 2) fail(`Connector ${name}: loops must be between exactly two pins`, loopList!.lines[i]!);
    return [loop.items[0]!, loop.items[1]!];
  });
  return {
    kind: 'connector',
    ...part,
    style,
    subtype,
    pincount,
    pins,
    pinlabels,
    pincolors,
    showName: showName ?? !autogenerate,
    showPincount: showPincount ?? style !== 'simple',
    hideDisconnectedPins,
    autogenerate,
    loops,
    portsLeft: false,
    portsRight: false,
    visiblePins: [],
  };
}

/** `"0.25 mm2"` / `"2 m"`: a number and a unit separated by one space, as WireViz splits them. */
function numberAndUnit(text: string): [string, string] | null {
  const parts = text.split(' ');
  return parts.length === 2 ? [parts[0]!, parts[1]!] : null;
}

export function readCable(name: string, dict: PyDict, line: number): Cable {
  const a = new Attributes(dict, `Cable ${name}`);
  const part = readPart(a, name, line);
  const category = a.get('category', 'text');
  let gauge = a.get('gauge', 'any');
  let gaugeUnit = a.get('gauge_unit', 'text');
  const showEquiv = a.get('show_equiv', 'bool') ?? false;
  const lengthRaw = a.get('length', 'any');
  let lengthUnit = a.get('length_unit', 'text');
  let wirecount = a.get('wirecount', 'int');
  const shieldRaw = a.get('shield', 'any');
  let colors = scalarItems(a.get('colors', 'list'), `${name}.colors`).map((c) => (c === null ? '' : pyStr(c)));
  const wirelabels = listItems(a.get('wirelabels', 'list'));
  const colorCode = a.get('color_code', 'text');
  const showName = a.get('show_name', 'bool') ?? true;
  const showWirecount = a.get('show_wirecount', 'bool') ?? true;
  const showWirenumbers = a.get('show_wirenumbers', 'bool');
  a.done();

  if (typeof gauge === 'string') {
    const split = numberAndUnit(gauge);
    if (!split) fail(`Cable ${name} gauge=${gauge} - Gauge must be a number, or number and unit separated by a space`, a.lineOf('gauge'));
    gauge = split[0];
    gaugeUnit = split[1].toUpperCase() === 'AWG' ? 'AWG' : split[1].replace(/mm2/g, 'mm\u00B2');
  } else if (gauge !== null) {
    if (pyNumber(gauge) === null) fail(`Cable ${name}: gauge must be a number, or number and unit separated by a space`, a.lineOf('gauge'));
    gaugeUnit ??= 'mm\u00B2';
  }

  let length: number | PyFloat;
  if (typeof lengthRaw === 'string') {
    const split = numberAndUnit(lengthRaw);
    const value = split && /^\s*[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf(?:inity)?|nan)\s*$/i.test(split[0]) ? Number(split[0]) : NaN;
    if (!split || (Number.isNaN(value) && !/nan/i.test(split[0])))
      fail(`Cable ${name} length=${lengthRaw} - Length must be a number, or number and unit separated by a space`, a.lineOf('length'));
    // Python's float(): printed back as a float (`2.0 m`).
    length = new PyFloat(/inf/i.test(split[0]) ? (split[0].startsWith('-') ? -Infinity : Infinity) : value);
    lengthUnit = split[1];
  } else if (lengthRaw === null && !dict.has('length')) {
    length = 0;
    lengthUnit ??= 'm';
  } else {
    const n = typeof lengthRaw === 'boolean' ? Number(lengthRaw) : pyNumber(lengthRaw);
    if (n === null) fail(`Cable ${name} length has a non-numeric value`, a.lineOf('length'));
    length = lengthRaw instanceof PyFloat ? lengthRaw : n;
    lengthUnit ??= 'm';
  }

  if (wirecount && wirecount > MAX_PARTS) fail(`Cable ${name}: at most ${MAX_PARTS} wires, not ${wirecount}`, a.lineOf('wirecount'));
  if (wirecount) {
    if (colors.length > 0) {
      // custom colours, repeated or cut below
    } else if (colorCode) {
      const code = COLOR_CODES[colorCode];
      if (!code) fail(`Cable ${name}: unknown color code ${colorCode} (WireViz knows ${Object.keys(COLOR_CODES).join(', ')})`, a.lineOf('color_code'));
      colors = [...code];
    } else colors = Array.from({ length: wirecount }, () => '');
    while (colors.length < wirecount) colors = [...colors, ...colors];
    colors = colors.slice(0, wirecount);
  } else {
    if (colors.length === 0) fail(`Cable ${name}: unknown number of wires. Must specify wirecount or colors (implicit length)`, line);
    wirecount = colors.length;
  }

  const shield: boolean | string = typeof shieldRaw === 'string' ? shieldRaw : pyTruthy(shieldRaw);
  if (wirelabels.length > 0 && shield && wirelabels.some((l) => l === 's'))
    fail(`Cable ${name}: "s" may not be used as a wire label for a shielded cable`, a.lineOf('wirelabels'));
  for (const field of ['manufacturer', 'mpn', 'supplier', 'spn', 'pn'] as const) {
    const value = part[field];
    if (value instanceof PyList) {
      if (category !== 'bundle') fail(`Cable ${name}: lists of part data are only supported for bundles`, a.lineOf(field));
      if (value.items.length !== wirecount) fail(`Cable ${name}: lists of part data must match wirecount`, a.lineOf(field));
    }
  }
  return {
    kind: 'cable',
    ...part,
    category,
    gauge,
    gaugeUnit,
    showEquiv,
    length,
    lengthUnit: lengthUnit!,
    wirecount,
    shield,
    colors,
    wirelabels,
    showName,
    showWirecount,
    showWirenumbers: showWirenumbers ?? category !== 'bundle',
    connections: [],
  };
}

function readOptions(dict: PyDict | null): Options {
  const a = new Attributes(dict ?? new PyDict(1), 'options');
  const fontname = a.get('fontname', 'text') ?? 'arial';
  const bgcolor = a.get('bgcolor', 'color') ?? 'WH';
  const bgcolorNode = a.get('bgcolor_node', 'color') || bgcolor;
  const bgcolorConnector = a.get('bgcolor_connector', 'color') || bgcolorNode;
  const bgcolorCable = a.get('bgcolor_cable', 'color') || bgcolorNode;
  const bgcolorBundle = a.get('bgcolor_bundle', 'color') || bgcolorCable;
  const colorMode = a.get('color_mode', 'text') ?? 'SHORT';
  const miniBomMode = a.get('mini_bom_mode', 'bool') ?? true;
  a.done();
  return { fontname, bgcolor, bgcolorNode, bgcolorConnector, bgcolorCable, bgcolorBundle, colorMode, miniBomMode };
}

function readTweak(dict: PyDict | null): Tweak {
  const tweak: Tweak = { override: null, append: [] };
  if (!dict) return tweak;
  const a = new Attributes(dict, 'tweak');
  const override = a.get('override', 'any');
  const append = a.get('append', 'any');
  a.done();
  if (override !== null) {
    if (!(override instanceof PyDict)) fail('tweak.override must be a mapping of names to attributes', a.lineOf('override'));
    tweak.override = new Map();
    for (const [name, attrs] of override.entries) {
      if (!(attrs instanceof PyDict)) fail(`tweak.override.${name} must be a mapping of attributes`, override.lineOf(name));
      const map = new Map<string, string | null>();
      for (const [attr, value] of attrs.entries) {
        if (value !== null && typeof value !== 'string') fail(`tweak.override.${name}.${attr} must be text or null`, attrs.lineOf(attr));
        map.set(attr, value);
      }
      tweak.override.set(name, map);
    }
  }
  if (append !== null) {
    const items = append instanceof PyList ? append.items : [append];
    items.forEach((item, i) => {
      if (typeof item !== 'string') fail(`tweak.append${append instanceof PyList ? `[${i + 1}]` : ''} must be text`, a.lineOf('append'));
      tweak.append.push(item);
    });
  }
  return tweak;
}

// ---- connections ------------------------------------------------------------------------

/** WireViz's `expand()`: `'1-4'` → 1, 2, 3, 4 (or down), an int stays, anything else becomes its text. */
export function expand(value: PyValue): PyScalar[] {
  const items = value instanceof PyList ? value.items : [value];
  const out: PyScalar[] = [];
  const int = (s: string): number | null => (/^\s*[-+]?\d+\s*$/.test(s) ? parseInt(s, 10) : null);
  for (const item of items) {
    const e = pyStr(item);
    if (e.includes('-')) {
      const [x, y] = [e.slice(0, e.indexOf('-')), e.slice(e.indexOf('-') + 1)];
      const a = int(x);
      const b = int(y);
      if (a === null || b === null) out.push(e);
      else if (Math.abs(b - a) >= MAX_PARTS) throw new DiagramSyntaxError(`The range ${e} is too long (at most ${MAX_PARTS} pins)`);
      else if (a <= b) for (let n = a; n <= b; n++) out.push(n);
      else for (let n = a; n >= b; n--) out.push(n);
    } else out.push(int(e) ?? e);
  }
  return out;
}

function connect(
  harness: Harness,
  from: [string, PyScalar] | null,
  via: [string, PyScalar],
  to: [string, PyScalar] | null,
  lines: { from: number; via: number; to: number },
): void {
  const pinIndex = (end: [string, PyScalar] | null, line: number): number | null => {
    if (!end) return null;
    const [name] = end;
    let [, pin] = end;
    const connector = harness.connectors.get(name);
    if (!connector) fail(`${name} is not a connector`, line);
    const byPin = pyIndexOf(connector.pins, pin);
    const byLabel = pyIndexOf(connector.pinlabels, pin);
    if (byPin >= 0 && byLabel >= 0 && byPin !== byLabel) fail(`${name}:${pyStr(pin)} is defined both in pinlabels and pins, for different pins.`, line);
    if (byLabel >= 0) {
      if (connector.pinlabels.filter((l) => pyEquals(l, pin)).length > 1) fail(`${name}:${pyStr(pin)} is defined more than once.`, line);
      pin = connector.pins[byLabel]!;
    }
    const index = pyIndexOf(connector.pins, pin);
    if (index < 0) fail(`${name}:${pyStr(pin)} not found.`, line);
    if (pyIndexOf(connector.visiblePins, pin) < 0) connector.visiblePins.push(pin);
    return index;
  };
  const fromPort = pinIndex(from, lines.from);
  const toPort = pinIndex(to, lines.to);
  const line = lines.via;

  const [cableName, wireRaw] = via;
  const cable = harness.cables.get(cableName)!;
  let wire: PyScalar = wireRaw;
  const byColor = pyIndexOf(cable.colors, wire);
  const byLabel = pyIndexOf(cable.wirelabels, wire);
  if (byColor >= 0 && byLabel >= 0 && byColor !== byLabel)
    fail(`${cableName}:${pyStr(wire)} is defined both in colors and wirelabels, for different wires.`, line);
  const count = (list: readonly PyValue[]) => list.filter((c) => pyEquals(c, wire)).length;
  if (byColor >= 0) {
    if (count(cable.colors) > 1) fail(`${cableName}:${pyStr(wire)} is used for more than one wire.`, line);
    wire = byColor + 1;
  } else if (byLabel >= 0) {
    if (count(cable.wirelabels) > 1) fail(`${cableName}:${pyStr(wire)} is used for more than one wire.`, line);
    wire = byLabel + 1;
  }
  let viaPort: number | string;
  if (typeof wire === 'number' && Number.isInteger(wire)) {
    if (wire < 1 || wire > cable.wirecount) fail(`${cableName}:${wire} not found (the cable has ${cable.wirecount} wires).`, line);
    viaPort = wire;
  } else if (wire === 's') viaPort = 's';
  else fail(`${cableName}:${pyStr(wire)} is not a wire number, colour or label of ${cableName}, nor s for its shield.`, line);
  cable.connections.push({ fromName: from?.[0] ?? null, fromPort, viaPort, toName: to?.[0] ?? null, toPort });
}

function readConnections(harness: Harness, list: PyList, connectorDefs: PyDict, cableDefs: PyDict): void {
  const sections = [connectorDefs, cableDefs] as const;
  const sectionNames = ['connectors', 'cables'] as const;
  const autogenerated = new Map<string, number>();
  list.items.forEach((connection, ci) => {
    const line = list.lines[ci]!;
    if (!(connection instanceof PyList) || connection.items.length === 0) fail('A connection set must be a non-empty list', line);
    const itemLine = (i: number) => connection.lines[i] ?? line;
    let first: PyValue = connection.items[0] ?? null;
    if (first instanceof PyList) first = first.items[0] ?? null;
    else if (first instanceof PyDict) first = [...first.entries.keys()][0] ?? null;
    const firstName = pyStr(first);
    let expected = sections.findIndex((s) => s.has(firstName));
    if (expected < 0) fail(`${firstName} (the first item of this connection set) is not a connector or cable`, itemLine(0));
    expected = 1 - expected;

    let itemcount: number | null = null;
    connection.items.forEach((item, i) => {
      expected = 1 - expected;
      const section = sections[expected]!;
      const sectionName = sectionNames[expected]!;
      let count: number;
      if (item instanceof PyList) {
        count = item.items.length;
        for (const sub of item.items) if (!section.has(pyStr(sub))) fail(`${pyStr(sub)} is not in ${sectionName}`, itemLine(i));
      } else if (item instanceof PyDict) {
        if (item.entries.size !== 1) fail('Dicts may contain only one key here!', itemLine(i));
        const [key, value] = [...item.entries][0]!;
        count = expand(value).length;
        if (!section.has(key)) fail(`${key} is not in ${sectionName}`, itemLine(i));
      } else {
        if (!section.has(pyStr(item))) fail(`${pyStr(item)} is not in ${sectionName}`, itemLine(i));
        return;
      }
      if (itemcount !== null && count !== itemcount) fail('All lists and dict lists must be the same length!', itemLine(i));
      itemcount = count;
    });
    if (itemcount === null) fail('No item revealed the number of connections to make!', line);
    const n: number = itemcount;

    const instance = (name: string, i: number): [string, PyScalar] => {
      const def = connectorDefs.get(name);
      if (!(def instanceof PyDict)) fail(`${name} is not in connectors`, itemLine(i));
      if (def.get('autogenerate') !== true) return [name, 1];
      const k = (autogenerated.get(name) ?? 0) + 1;
      autogenerated.set(name, k);
      const id = `_${name}_${k}`;
      harness.connectors.set(id, readConnector(id, def, connectorDefs.lineOf(name)));
      return [id, 1];
    };
    const resolved: Array<Array<[string, PyScalar]>> = connection.items.map((item, i) => {
      if (item instanceof PyList) return item.items.map((sub) => instance(pyStr(sub), i));
      if (item instanceof PyDict) {
        const [key, value] = [...item.entries][0]!;
        return expand(value).map((pin): [string, PyScalar] => [key, pin]);
      }
      return Array.from({ length: n }, () => instance(pyStr(item), i));
    });
    resolved.forEach((items, i) => {
      if (!harness.cables.has(items[0]![0])) return;
      items.forEach((via, j) => {
        const from = i === 0 ? null : resolved[i - 1]![j]!;
        const to = i === resolved.length - 1 ? null : resolved[i + 1]![j]!;
        connect(harness, from, via, to, { from: itemLine(i - 1), via: itemLine(i), to: itemLine(i + 1) });
      });
    });
  });
}

// ---- the whole file ----------------------------------------------------------------------

function section(root: PyDict, key: string, kind: 'dict' | 'list'): PyDict | PyList | null {
  const value = root.get(key);
  if (value === undefined || value === null) return null;
  // WireViz skips a section of the wrong type; it then fails later on what it lacks, so say so now.
  if (kind === 'dict' ? !(value instanceof PyDict) : !(value instanceof PyList))
    fail(`${key} must be a ${kind === 'dict' ? 'mapping of names to attributes' : 'list'}`, root.lineOf(key));
  return value as PyDict | PyList;
}

export function parseHarness(source: string): Harness {
  const root = loadYaml(source);
  if (!(root instanceof PyDict)) {
    const line = root instanceof PyList ? root.line : 1;
    fail('A WireViz file is a YAML mapping (connectors:, cables:, connections:, …)', line);
  }
  const metadata = root.get('metadata');
  if (metadata !== undefined && metadata !== null && !(metadata instanceof PyDict)) fail('metadata must be a mapping', root.lineOf('metadata'));
  const harness: Harness = {
    options: readOptions(section(root, 'options', 'dict') as PyDict | null),
    tweak: readTweak(section(root, 'tweak', 'dict') as PyDict | null),
    connectors: new Map(),
    cables: new Map(),
    bomItems: [],
  };
  const connectorDefs = (section(root, 'connectors', 'dict') as PyDict | null) ?? new PyDict(1);
  const cableDefs = (section(root, 'cables', 'dict') as PyDict | null) ?? new PyDict(1);
  for (const [name, attrs] of connectorDefs.entries) {
    const line = connectorDefs.lineOf(name);
    if (!(attrs instanceof PyDict)) fail(`Connector ${name} needs attributes (a mapping)`, line);
    const connector = readConnector(name, attrs, line);
    if (!connector.autogenerate) harness.connectors.set(name, connector);
  }
  for (const [name, attrs] of cableDefs.entries) {
    const line = cableDefs.lineOf(name);
    if (!(attrs instanceof PyDict)) fail(`Cable ${name} needs attributes (a mapping)`, line);
    harness.cables.set(name, readCable(name, attrs, line));
  }
  const connections = section(root, 'connections', 'list') as PyList | null;
  if (connections) readConnections(harness, connections, connectorDefs, cableDefs);
  const bom = section(root, 'additional_bom_items', 'list') as PyList | null;
  for (const [i, item] of (bom?.items ?? []).entries()) {
    if (!(item instanceof PyDict)) fail('additional_bom_items: every item must be a mapping', bom!.lines[i]!);
    harness.bomItems.push(item);
  }
  return harness;
}
