/**
 * A harness (harness.ts) as the Graphviz DOT WireViz's `Harness.create_graph()` writes
 * (the version Kroki runs): an undirected graph laid out left to right; every connector
 * and cable a box whose HTML-like label nests one table per row (name, part numbers,
 * type/subtype/pin count/colour, the pin or wire table, image, additional components,
 * notes); pins as ports `p<n>l`/`p<n>r` on the side their wires attach to; each wire a
 * stack of 2-pixel colour stripes with black edges as its port `w<n>`, the shield `ws`;
 * edges coloured like their wire (`#000000:<stripes>:#000000`, bold), loops as edges
 * between two pins of one connector, bundles dashed, simple connectors (ferrules) without
 * a pin table. Statements come in WireViz's order and its `tweak` (override, append) is
 * applied to them the way WireViz applies it.
 *
 * Differences, all for safety: every text from the YAML is HTML-escaped (WireViz passes
 * it to Graphviz as HTML, removing only `<a>` links), names are quoted as DOT IDs, and
 * images are never read: their cell keeps its size and caption but shows no picture.
 */
import { dotId, escapeHtml } from '../_support/graphviz-text.js';
import { bomId, bomIds, multiply, partDescription } from './bom.js';
import { colorHex, isColorCode, translateColor } from './colors.js';
import type { AdditionalComponent, Cable, Connector, Harness, Image } from './harness.js';
import { DiagramSyntaxError } from '../../errors.js';
import { pyFloatRepr, PyFloat, pyIndexOf, PyList, pyStr, pyTruthy, type PyValue } from './pyyaml.js';

/** The version of WireViz whose output this follows (what Kroki's `wireviz` reports). */
export const WIREVIZ_VERSION = '0.3.3';

const HEADER_PN = 'P/N';
const HEADER_MPN = 'MPN';
const HEADER_SPN = 'SPN';

// ---- text --------------------------------------------------------------------------

/** WireViz's `remove_links`: `<a href=…>text</a>` → text. */
function removeLinks(text: string): string {
  return text.replace(/<[aA] [^>]*>([^<]*)<\/[aA]>/g, '$1');
}

/** A value as label text: links removed, escaped. */
function text(value: PyValue): string {
  return escapeHtml(typeof value === 'string' ? removeLinks(value) : pyStr(value));
}

/** WireViz's `html_line_breaks`: text with its line ends as `<br />`; no value stays none. */
function lineBreaks(value: PyValue | undefined): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return escapeHtml(pyStr(value));
  return removeLinks(value).split('\n').map(escapeHtml).join('<br />');
}

/** WireViz's `pn_info_string`: `MPN: 123`, `Molex: 123`, `Molex`, or none. */
function pnInfo(header: string, name: PyValue, number: PyValue): string | null {
  const n = number === null || number === undefined ? '' : pyStr(number).trim();
  if (pyTruthy(name) || n) return `${pyTruthy(name) ? pyStr(name) : header}${n ? `: ${n}` : ''}`;
  return null;
}

/** The `P/N: …` cell. */
function pnText(pn: PyValue): string | null {
  const info = pnInfo(HEADER_PN, null, typeof pn === 'string' ? removeLinks(pn) : pn);
  return info === null ? null : escapeHtml(info);
}

function num(value: number | PyFloat): string {
  return value instanceof PyFloat ? pyFloatRepr(value.value) : String(value);
}

// ---- HTML pieces -------------------------------------------------------------------------

function bgcolorAttr(color: string | null): string {
  return color ? ` bgcolor="${translateColor(color, 'HEX')}"` : '';
}

/** A leading `<tdX …>` whose attributes go to the cell it is put in (WireViz's trick; escaped text can never contain it). */
function tdx(color: string | null, extra = ''): string {
  return color ? `<tdX${bgcolorAttr(color)}${extra}>` : '';
}

type Row = Array<string | null> | string | null;

function nestedTable(rows: Row[], tableAttrs: string): string[] {
  const html = [`<table border="0" cellspacing="0" cellpadding="0"${tableAttrs}>`];
  for (const row of rows) {
    if (Array.isArray(row)) {
      if (row.length > 0 && row.some((cell) => cell)) {
        html.push(' <tr><td>', '  <table border="0" cellspacing="0" cellpadding="3" cellborder="1"><tr>');
        for (const cell of row) if (cell !== null) html.push(`   <td balign="left">${cell}</td>`.replace('><tdX', ''));
        html.push('  </tr></table>', ' </td></tr>');
      }
    } else if (row !== null) html.push(' <tr><td>', `  ${row}`, ' </td></tr>');
  }
  html.push('</table>');
  return html;
}

function sizeAttrs(image: Image): string {
  return (
    (pyTruthy(image.width) ? ` width="${pyStr(image.width)}"` : '') +
    (pyTruthy(image.height) ? ` height="${pyStr(image.height)}"` : '') +
    (image.fixedsize ? ' fixedsize="true"' : '')
  );
}

/** The image cell, without the picture: Studio never reads or fetches an image (see the file comment). */
function imageCell(image: Image | null): string | null {
  if (!image) return null;
  let inner = `${sizeAttrs(image)}>`;
  if (image.fixedsize) inner = `>\n    <table border="0" cellspacing="0" cellborder="0"><tr>\n     <td${inner}</td>\n    </tr></table>\n   `;
  return `<tdX${pyTruthy(image.caption) ? ' sides="TLR"' : ''}${bgcolorAttr(image.bgcolor)}${inner}`;
}

function captionCell(image: Image | null): string | null {
  return image && pyTruthy(image.caption) ? `<tdX sides="BLR"${bgcolorAttr(image.bgcolor)}>${lineBreaks(image.caption)}` : null;
}

function componentEntry(
  type: string,
  qty: number | PyFloat,
  unit: PyValue,
  bgcolor: string | null,
  parts: { pn?: PyValue; manufacturer?: PyValue; mpn?: PyValue; supplier?: PyValue; spn?: PyValue } = {},
): string {
  const numbers = [
    pnInfo(HEADER_PN, null, parts.pn ?? null),
    pnInfo(HEADER_MPN, parts.manufacturer ?? null, parts.mpn ?? null),
    pnInfo(HEADER_SPN, parts.supplier ?? null, parts.spn ?? null),
  ].filter((p): p is string => p !== null);
  const head = lineBreaks(`${num(qty)}${pyTruthy(unit) ? ` ${pyStr(unit)}` : ''} x ${type}`)!;
  const output = head + (numbers.length > 0 ? '<br/>' : '') + lineBreaks(numbers.join(', '))!;
  return `<table border="0" cellspacing="0" cellpadding="3" cellborder="1"${bgcolorAttr(bgcolor)}><tr>\n   <td align="left" balign="left">${output}</td>\n  </tr></table>`;
}

function qtyMultiplier(component: Connector | Cable, part: AdditionalComponent): number | PyFloat {
  const m = part.qtyMultiplier;
  if (!m) return 1;
  if (component.kind === 'connector') {
    if (m === 'pincount') return component.pincount;
    if (m === 'populated') return component.visiblePins.length;
  } else {
    if (m === 'wirecount') return component.wirecount;
    if (m === 'terminations') return component.connections.length;
    if (m === 'length') return component.length;
    if (m === 'total_length') return multiply(component.length, component.wirecount);
  }
  const allowed = component.kind === 'connector' ? 'pincount or populated' : 'wirecount, terminations, length or total_length';
  throw new DiagramSyntaxError(`invalid qty multiplier parameter for ${component.kind} ${component.name}: ${m} (expected ${allowed}) (line ${part.line})`, {
    line: part.line,
  });
}

function additionalComponentRows(harness: Harness, component: Connector | Cable, ids: () => ReadonlyMap<string, number>): Row[] {
  if (component.additionalComponents.length === 0) return [];
  const rows: Row[] = [['Additional components']];
  for (const part of component.additionalComponents) {
    const qty = multiply(part.qty, qtyMultiplier(component, part));
    if (harness.options.miniBomMode) rows.push(componentEntry(`#${bomId(ids(), part)} (${part.type.trimEnd()})`, qty, part.unit, part.bgcolor));
    else rows.push(componentEntry(partDescription(part), qty, part.unit, part.bgcolor, part));
  }
  return rows;
}

// ---- DOT statements ---------------------------------------------------------------------

/** `[label=… a=… b=…]` as Python's graphviz writes it: the label first, the rest sorted by name. */
function attrList(label: string | null, attrs: Record<string, string>): string {
  const parts = label === null ? [] : [`label=${label}`];
  for (const k of Object.keys(attrs).sort()) parts.push(`${dotId(k)}=${dotId(attrs[k]!)}`);
  return ` [${parts.join(' ')}]`;
}

function endpoint(node: string, port: string | null, compass: string): string {
  return `${dotId(node)}${port === null ? '' : `:${dotId(port)}`}:${compass}`;
}

class Body {
  readonly lines: string[] = [];
  attr(kind: 'graph' | 'node' | 'edge', attrs: Record<string, string>): void {
    this.lines.push(`\t${kind}${attrList(null, attrs)}`);
  }
  node(name: string, html: string, attrs: Record<string, string>): void {
    this.lines.push(`\t${dotId(name)}${attrList(`<\n${html}\n>`, attrs)}`);
  }
  edge(tail: string, head: string): void {
    this.lines.push(`\t${tail} -- ${head}`);
  }
}

function connectorNode(harness: Harness, c: Connector, body: Body, ids: () => ReadonlyMap<string, number>): void {
  const mode = harness.options.colorMode;
  if (!(c.portsLeft || c.portsRight)) c.portsLeft = true;
  const rows: Row[] = [
    [c.showName ? `${tdx(c.bgcolorTitle)}${text(c.name)}` : null],
    [pnText(c.pn), lineBreaks(pnInfo(HEADER_MPN, c.manufacturer, c.mpn)), lineBreaks(pnInfo(HEADER_SPN, c.supplier, c.spn))],
    [
      lineBreaks(c.type),
      lineBreaks(c.subtype),
      c.showPincount ? `${c.pincount}-pin` : null,
      c.color ? escapeHtml(translateColor(c.color, mode)) : null,
      c.color ? tdx(c.color, ' width="4"') : null,
    ],
    c.style !== 'simple' ? '<!-- connector table -->' : null,
    [imageCell(c.image)],
    [captionCell(c.image)],
    ...additionalComponentRows(harness, c, ids),
    [lineBreaks(c.notes)],
  ];
  let html = nestedTable(rows, bgcolorAttr(c.bgcolor)).join('\n');
  if (c.style !== 'simple') {
    const pins = ['<table border="0" cellspacing="0" cellpadding="3" cellborder="1">'];
    const count = Math.max(c.pins.length, c.pinlabels.length, c.pincolors.length);
    for (let i = 0; i < count; i++) {
      const pin = c.pins[i] ?? null;
      const label = c.pinlabels[i] ?? null;
      const color = c.pincolors[i] ?? null;
      if (c.hideDisconnectedPins && pyIndexOf(c.visiblePins, pin) < 0) continue;
      pins.push('   <tr>');
      if (c.portsLeft) pins.push(`    <td port="p${i + 1}l">${text(pin)}</td>`);
      if (pyTruthy(label)) pins.push(`    <td>${text(label)}</td>`);
      if (c.pincolors.length > 0) {
        const code = typeof color === 'string' ? color : null;
        if (code !== null && isColorCode(code)) {
          pins.push(
            `    <td sides="tbl">${escapeHtml(translateColor(code, harness.options.colorMode))}</td>`,
            '    <td sides="tbr">',
            '     <table border="0" cellborder="1"><tr>',
            `      <td bgcolor="${translateColor(code, 'HEX')}" width="8" height="8" fixedsize="true"></td>`,
            '     </tr></table>',
            '    </td>',
          );
        } else pins.push('    <td colspan="2"></td>');
      }
      if (c.portsRight) pins.push(`    <td port="p${i + 1}r">${text(pin)}</td>`);
      pins.push('   </tr>');
    }
    pins.push('  </table>');
    html = html.replace('<!-- connector table -->', () => pins.join('\n'));
  }
  body.node(c.name, html, { shape: 'box', style: 'filled', fillcolor: translateColor(harness.options.bgcolorConnector, 'HEX') });

  if (c.loops.length > 0) {
    body.attr('edge', { color: '#000000:#ffffff:#000000' });
    const [side, dir] = c.portsLeft ? ['l', 'w'] : ['r', 'e'];
    for (const [a, b] of c.loops) body.edge(endpoint(c.name, `p${pyStr(a)}${side}`, dir!), endpoint(c.name, `p${pyStr(b)}${side}`, dir!));
  }
}

/** WireViz's AWG ↔ mm² table (wv_helper.py). */
const AWG_BY_MM2: Readonly<Record<string, string>> = {
  '0.09': '28',
  '0.14': '26',
  '0.25': '24',
  '0.34': '22',
  '0.5': '21',
  '0.75': '20',
  '1': '18',
  '1.5': '16',
  '2.5': '14',
  '4': '12',
  '6': '10',
  '10': '8',
  '16': '6',
  '25': '4',
  '35': '2',
  '50': '1',
};
const MM2_BY_AWG: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(AWG_BY_MM2).map(([k, v]) => [v, k]));

function cableNode(harness: Harness, c: Cable, body: Body, pad: boolean, ids: () => ReadonlyMap<string, number>): void {
  const mode = harness.options.colorMode;
  let awg = '';
  if (c.showEquiv && c.gaugeUnit !== null) {
    const g = pyStr(c.gauge);
    if (c.gaugeUnit === 'mm\u00B2') awg = ` (${Object.hasOwn(AWG_BY_MM2, g) ? AWG_BY_MM2[g] : 'Unknown'} AWG)`;
    else if (c.gaugeUnit.toUpperCase() === 'AWG') awg = ` (${Object.hasOwn(MM2_BY_AWG, g) ? MM2_BY_AWG[g] : 'Unknown'} mm\u00B2)`;
  }
  const single = (v: PyValue): PyValue => (v instanceof PyList ? null : v);
  const length = c.length instanceof PyFloat ? c.length.value : c.length;
  const rows: Row[] = [
    [c.showName ? `${tdx(c.bgcolorTitle)}${text(c.name)}` : null],
    [
      c.pn instanceof PyList ? null : pnText(c.pn),
      lineBreaks(pnInfo(HEADER_MPN, single(c.manufacturer), single(c.mpn))),
      lineBreaks(pnInfo(HEADER_SPN, single(c.supplier), single(c.spn))),
    ],
    [
      lineBreaks(c.type),
      c.showWirecount ? `${c.wirecount}x` : null,
      pyTruthy(c.gauge) ? escapeHtml(`${pyStr(c.gauge)} ${c.gaugeUnit ?? 'None'}${awg}`) : null,
      c.shield ? '+ S' : null,
      length > 0 ? escapeHtml(`${num(c.length)} ${c.lengthUnit}`) : null,
      c.color ? escapeHtml(translateColor(c.color, mode)) : null,
      c.color ? tdx(c.color, ' width="4"') : null,
    ],
    '<!-- wire table -->',
    [imageCell(c.image)],
    [captionCell(c.image)],
    ...additionalComponentRows(harness, c, ids),
    [lineBreaks(c.notes)],
  ];
  let html = nestedTable(rows, bgcolorAttr(c.bgcolor)).join('\n');

  const wires = ['<table border="0" cellspacing="0" cellborder="0">', '   <tr><td>&nbsp;</td></tr>'];
  const count = Math.max(c.colors.length, c.wirelabels.length);
  for (let i = 1; i <= count; i++) {
    const color = c.colors[i - 1] ?? null;
    const label = c.wirelabels[i - 1];
    const info: string[] = [];
    if (c.showWirenumbers) info.push(String(i));
    const colorText = translateColor(color, mode);
    if (colorText) info.push(colorText);
    if (c.wirelabels.length > 0) info.push(label === undefined || label === null ? '' : pyStr(label));
    wires.push(
      '   <tr>',
      `    <td><!-- ${i}_in --></td>`,
      '    <td>',
      `     ${escapeHtml(info.join(':'))}`,
      '    </td>',
      `    <td><!-- ${i}_out --></td>`,
      '   </tr>',
    );
    const stripes = ['#000000', ...colorHex(color, pad), '#000000'];
    wires.push(
      '   <tr>',
      `    <td colspan="3" border="0" cellspacing="0" cellpadding="0" port="w${i}" height="${2 * stripes.length}">`,
      '     <table cellspacing="0" cellborder="0" border="0">',
      // Reversed to match the curved wires when there are more than two colours.
      ...stripes.reverse().map((s) => `      <tr><td colspan="3" cellpadding="0" height="2" bgcolor="${s}" border="0"></td></tr>`),
      '     </table>',
      '    </td>',
      '   </tr>',
    );
    if (c.category === 'bundle') {
      const at = (v: PyValue): PyValue => (v instanceof PyList ? (v.items[i - 1] ?? null) : null);
      const ident: string[] = [];
      // WireViz prints a missing part number in a list as None.
      if (c.pn instanceof PyList) ident.push(pnText(at(c.pn)) ?? 'None');
      const mfr = pnInfo(HEADER_MPN, at(c.manufacturer), at(c.mpn));
      const sup = pnInfo(HEADER_SPN, at(c.supplier), at(c.spn));
      if (mfr) ident.push(lineBreaks(mfr)!);
      if (sup) ident.push(lineBreaks(sup)!);
      if (ident.length > 0)
        wires.push(
          '   <tr><td colspan="3">',
          '    <table border="0" cellspacing="0" cellborder="0"><tr>',
          ...ident.map((a) => `     <td>${a}</td>`),
          '    </tr></table>',
          '   </td></tr>',
        );
    }
  }
  let shieldHex = '#000000';
  if (c.shield) {
    wires.push('   <tr><td>&nbsp;</td></tr>', '   <tr>', '    <td><!-- s_in --></td>', '    <td>Shield</td>', '    <td><!-- s_out --></td>', '   </tr>');
    let attributes = 'height="2" bgcolor="#000000" border="0"';
    if (typeof c.shield === 'string') {
      shieldHex = colorHex(c.shield)[0]!;
      attributes = `height="6" bgcolor="${shieldHex}" border="2" sides="tb"`;
    }
    wires.push(`   <tr><td colspan="3" cellpadding="0" ${attributes} port="ws"></td></tr>`);
  }
  wires.push('   <tr><td>&nbsp;</td></tr>', '  </table>');
  html = html.replace('<!-- wire table -->', () => wires.join('\n'));

  for (const conn of c.connections) {
    if (typeof conn.viaPort === 'number') body.attr('edge', { color: ['#000000', ...colorHex(c.colors[conn.viaPort - 1], pad), '#000000'].join(':') });
    else body.attr('edge', { color: typeof c.shield === 'string' ? `#000000:${shieldHex}:#000000` : '#000000' });
    const side = (name: string, port: number, end: 'l' | 'r', placeholder: string) => {
      const connector = harness.connectors.get(name)!;
      let label = '';
      if (connector.showName) {
        const parts = [name, pyStr(connector.pins[port] ?? null)];
        if (connector.pinlabels.length > 0) {
          const pinlabel = connector.pinlabels[port];
          if (pinlabel !== undefined && pinlabel !== '') parts.push(pyStr(pinlabel));
        }
        label = escapeHtml(parts.join(':'));
      }
      html = html.split(placeholder).join(label);
      return connector.style !== 'simple' ? `p${port + 1}${end}` : null;
    };
    if (conn.fromName !== null && conn.fromPort !== null) {
      const port = side(conn.fromName, conn.fromPort, 'r', `<!-- ${conn.viaPort}_in -->`);
      body.edge(endpoint(conn.fromName, port, 'e'), endpoint(c.name, `w${conn.viaPort}`, 'w'));
    }
    if (conn.toName !== null && conn.toPort !== null) {
      const port = side(conn.toName, conn.toPort, 'l', `<!-- ${conn.viaPort}_out -->`);
      body.edge(endpoint(c.name, `w${conn.viaPort}`, 'e'), endpoint(conn.toName, port, 'w'));
    }
  }
  const [style, bgcolor] = c.category === 'bundle' ? ['filled,dashed', harness.options.bgcolorBundle] : ['filled', harness.options.bgcolorCable];
  body.node(c.name, html, { shape: 'box', style, fillcolor: translateColor(bgcolor, 'HEX') });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** WireViz's `tweak.override`: attributes of the statements of the named nodes (or `graph`, `node`, `edge`) replaced, removed or added. */
function applyOverride(lines: string[], override: ReadonlyMap<string, ReadonlyMap<string, string | null>>): void {
  lines.forEach((entry, i) => {
    const m = /^\t*(?:"((?:[^"\\]|\\.)+)"|([^ "]+)) \[[\s\S]*\]$/.exec(entry);
    const keyword = m ? (m[1] !== undefined ? m[1].replace(/\\"/g, '"') : m[2]!) : null;
    const attrs = keyword === null ? undefined : override.get(keyword);
    if (!attrs) return;
    for (const [attr, value] of attrs) {
      const a = escapeRegExp(attr);
      if (value === null) {
        entry = entry.replace(new RegExp(`( +)${a}=(?:"[^"]*"|[^\\] ]*)|${a}=(?:"[^"]*"|[^\\] ]*) *`, 'g'), '');
        continue;
      }
      const v = value.length === 0 || value.includes(' ') ? `"${value.replace(/"/g, '\\"')}"` : value;
      let n = 0;
      entry = entry.replace(new RegExp(`${a}=(?:"[^"]*"|[^\\] ]*)`, 'g'), () => {
        n++;
        return `${attr}=${v}`;
      });
      if (n === 0) entry = entry.replace(/\]$/, () => ` ${attr}=${v}]`);
    }
    lines[i] = entry;
  });
}

export function harnessToDot(harness: Harness): { dot: string; fromDiagram: boolean } {
  const { options } = harness;
  const body = new Body();
  body.lines.push(`// Graph generated by Kroki Studio's port of WireViz ${WIREVIZ_VERSION}`, '// https://github.com/wireviz/WireViz');
  body.attr('graph', { rankdir: 'LR', ranksep: '2', bgcolor: translateColor(options.bgcolor, 'HEX'), nodesep: '0.33', fontname: options.fontname });
  body.attr('node', {
    shape: 'none',
    width: '0',
    height: '0',
    margin: '0',
    style: 'filled',
    fillcolor: translateColor(options.bgcolorNode, 'HEX'),
    fontname: options.fontname,
  });
  body.attr('edge', { style: 'bold', fontname: options.fontname });

  for (const cable of harness.cables.values())
    for (const conn of cable.connections) {
      if (conn.fromPort !== null && conn.fromName !== null) harness.connectors.get(conn.fromName)!.portsRight = true;
      if (conn.toPort !== null && conn.toName !== null) harness.connectors.get(conn.toName)!.portsLeft = true;
    }
  let ids: ReadonlyMap<string, number> | null = null;
  const bom = (): ReadonlyMap<string, number> => (ids ??= bomIds(harness));
  for (const connector of harness.connectors.values()) connectorNode(harness, connector, body, bom);
  // With two- or three-coloured wires anywhere, single colours are padded so every wire is as thick.
  const pad = [...harness.cables.values()].some((c) => c.colors.some((color) => color.length > 2));
  for (const cable of harness.cables.values()) cableNode(harness, cable, body, pad, bom);

  if (harness.tweak.override) applyOverride(body.lines, harness.tweak.override);
  body.lines.push(...harness.tweak.append);
  return { dot: `graph {\n${body.lines.join('\n')}\n}\n`, fromDiagram: harness.tweak.override !== null || harness.tweak.append.length > 0 };
}
