import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorHex, COLOR_CODES, translateColor } from '../../server/engines/wireviz/colors.js';
import { harnessToDot } from '../../server/engines/wireviz/dot.js';
import { expand, parseHarness } from '../../server/engines/wireviz/harness.js';
import { loadYaml, PyDict, PyFloat, pyFloatRepr, PyList, pyStr } from '../../server/engines/wireviz/pyyaml.js';
import { DiagramSyntaxError } from '../../server/errors.js';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/wireviz');
const fixture = (name: string) => readFileSync(path.join(FIXTURES, name), 'utf8');
const dotOf = (source: string) => harnessToDot(parseHarness(source)).dot;

function syntaxError(source: string): DiagramSyntaxError {
  try {
    dotOf(source);
  } catch (err) {
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    return err as DiagramSyntaxError;
  }
  throw new Error(`no error for:\n${source}`);
}

// ---- a structural reading of DOT as WireViz writes it -----------------------------------

interface Cell {
  text: string;
  attrs: string;
}
interface DotNode {
  attrs: Record<string, string>;
  cells: Cell[];
}
interface Structure {
  graph: Record<string, string>;
  nodes: Map<string, DotNode>;
  /** `tail -- head` with the edge colour in effect, sorted. */
  edges: string[];
}

function attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([a-zA-Z_]+)=("(?:[^"\\]|\\.)*"|[^ \]]+)/g)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return out;
}

/** Cells of an HTML label in order, each with its text (white space collapsed) and its attributes sorted. */
function cells(html: string): Cell[] {
  const out: Cell[] = [];
  const clean = html.replace(/<!--.*?-->/g, '');
  for (const m of clean.matchAll(/<td([^>]*)>((?:(?!<td|<\/td>|<table).)*)/gs)) {
    const a = Object.entries(attrs(m[1]!))
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    out.push({
      text: m[2]!
        .replace(/<br\s*\/?>/g, '\n')
        .replace(/<[^>]+>/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
      attrs: a,
    });
  }
  return out;
}

function structure(dot: string, rename: (id: string) => string = (id) => id): Structure {
  const s: Structure = { graph: {}, nodes: new Map(), edges: [] };
  let edgeColor = '';
  const statements = dot.split(/\n(?=\t)/).slice(1);
  for (let st of statements) {
    st = st.replace(/\n}\n?$/, '');
    const node = /^\t("(?:[^"\\]|\\.)*"|\S+) \[label=<\n([\s\S]*)\n> (.*)\]$/.exec(st);
    if (node) {
      s.nodes.set(rename(node[1]!), { attrs: attrs(node[3]!), cells: cells(node[2]!) });
      continue;
    }
    const def = /^\t(graph|node|edge) \[(.*)\]$/.exec(st);
    if (def) {
      if (def[1] === 'edge' && 'color' in attrs(def[2]!)) edgeColor = attrs(def[2]!).color!;
      else if (def[1] === 'graph') s.graph = attrs(def[2]!);
      continue;
    }
    const edge = /^\t(\S+) -- (\S+)$/.exec(st);
    if (edge) {
      const end = (e: string) => e.replace(/^[^:]+/, (id) => rename(id));
      s.edges.push(`${end(edge[1]!)} -- ${end(edge[2]!)} [${edgeColor.toLowerCase()}]`);
      continue;
    }
    throw new Error(`unexpected statement: ${st.slice(0, 80)}`);
  }
  s.edges.sort();
  return s;
}

describe('WireViz fixtures: Studio writes the DOT WireViz writes', () => {
  // WireViz 0.4, which wrote these .gv files, names auto-generated connectors __F_1; 0.3 (Kroki's) _F_1.
  const from04 = (id: string) => id.replace(/^__/, '_');
  for (const name of ['tutorial02', 'tutorial03', 'tutorial06', 'demo01']) {
    it(`${name}: the same nodes, label cells, node attributes and coloured edges`, () => {
      const ours = structure(dotOf(fixture(`${name}.yml`)));
      const theirs = structure(fixture(`${name}.gv`), from04);
      expect(ours.graph).toEqual(theirs.graph);
      expect([...ours.nodes.keys()].sort()).toEqual([...theirs.nodes.keys()].sort());
      for (const [id, node] of theirs.nodes) {
        expect(ours.nodes.get(id)!.attrs, `${id} attributes`).toEqual(node.attrs);
        expect(ours.nodes.get(id)!.cells, `${id} cells`).toEqual(node.cells);
      }
      expect(ours.edges).toEqual(theirs.edges);
      expect(ours.edges.length).toBeGreaterThan(0);
    });
  }

  it('statements come in WireViz’s order (connectors, then each cable’s edges before its node)', () => {
    const ours = dotOf(fixture('demo01.yml')).split('\n').slice(2).join('\n');
    const theirs = fixture('demo01.gv').split('\n').slice(2).join('\n');
    expect(ours).toBe(theirs);
  });
});

describe('YAML as PyYAML reads it', () => {
  it('resolves plain scalars with YAML 1.1 rules and keeps quoted ones as text', () => {
    const root = loadYaml("a: 08500030\nb: 012\nc: 1.0\nd: yes\ne: '1'\nf: 1e3\ng: 1:20\nh: ~\ni: 0x1f\nj: -.5\n") as PyDict;
    expect(root.get('a')).toBe('08500030');
    expect(root.get('b')).toBe(10);
    expect(root.get('c')).toEqual(new PyFloat(1));
    expect(root.get('d')).toBe(true);
    expect(root.get('e')).toBe('1');
    expect(root.get('f')).toBe('1e3');
    expect(root.get('g')).toBe(80);
    expect(root.get('h')).toBeNull();
    expect(root.get('i')).toBe(31);
    // PyYAML's float pattern wants a digit before the point when there is a sign.
    expect(root.get('j')).toBe('-.5');
  });

  it('prints floats and other values as Python does', () => {
    expect([1, 0.25, 2.5e-5, 1e16, 123456789.5, -3].map(pyFloatRepr)).toEqual(['1.0', '0.25', '2.5e-05', '1e+16', '123456789.5', '-3.0']);
    expect(pyStr(true)).toBe('True');
    expect(pyStr(null)).toBe('None');
    expect(pyStr(loadYaml('[a, 1, 2.0]'))).toBe("['a', 1, 2.0]");
  });

  it('merges templates with << (own keys win) and follows aliases', () => {
    const root = loadYaml('t: &t {a: 1, b: 2}\nx:\n  <<: *t\n  b: 3\ny: *t\n') as PyDict;
    const x = root.get('x') as PyDict;
    expect([...x.entries]).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
    expect((root.get('y') as PyDict).get('a')).toBe(1);
  });

  it('keeps the line of every key and list item', () => {
    const root = loadYaml('connectors:\n  X1:\n    pins: [1, 2]\n  X2:\n    pincount: 3\n') as PyDict;
    const connectors = root.get('connectors') as PyDict;
    expect(connectors.lineOf('X2')).toBe(4);
    expect((connectors.get('X2') as PyDict).lineOf('pincount')).toBe(5);
    expect(((connectors.get('X1') as PyDict).get('pins') as PyList).lines).toEqual([3, 3]);
  });

  it('refuses bad YAML with its line', () => {
    const err = syntaxError('connectors:\n  X1:\n    pincount: 4\n   type: [a\n');
    expect(err.message).toMatch(/^Invalid WireViz YAML at line \d+/);
    expect(err.line).toBeGreaterThanOrEqual(4);
  });

  it('refuses an alias that refers to itself, unknown tags and alias bombs', () => {
    expect(syntaxError('a: &a [*a]\n').message).toMatch(/alias refers to itself|Unknown YAML alias/);
    expect(syntaxError('a: !!python/object:os.system ls\n').message).toMatch(/Unsupported YAML tag/);
    const laughs = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`),
    ];
    expect(syntaxError(laughs.join('\n') + '\n').message).toMatch(/expands to more than 500000 values/);
  });
});

describe('YAML → harness', () => {
  it('applies WireViz’s defaults: pins 1..n, names shown, pin counts, wire numbers for cables only', () => {
    const h = parseHarness(fixture('tutorial06.yml'));
    const x1 = h.connectors.get('X1')!;
    expect(x1.pins).toEqual([1, 2, 3, 4]);
    expect(x1.showName && x1.showPincount).toBe(true);
    const f1 = h.connectors.get('F1')!;
    expect([f1.pincount, f1.showName, f1.showPincount]).toEqual([1, false, false]);
    // Auto-generated ferrules, one per use, named as WireViz 0.3 names them; the template itself is not drawn.
    expect([...h.connectors.keys()]).toEqual(['X1', 'F1', '_F_05_1', '_F_05_2']);
    const w1 = h.cables.get('W1')!;
    expect([w1.wirecount, w1.showWirenumbers, w1.gauge, w1.gaugeUnit]).toEqual([4, false, '0.5', 'mm²']);
    expect(w1.connections.map((c) => [c.fromName, c.viaPort, c.toName, c.toPort])).toEqual([
      ['_F_05_1', 1, 'X1', 0],
      ['F1', 2, 'X1', 1],
      ['F1', 3, 'X1', 2],
      ['_F_05_2', 4, 'X1', 3],
    ]);
  });

  it('takes colours from a colour code, repeated when the cable has more wires', () => {
    const h = parseHarness('cables:\n  W1: {wirecount: 12, color_code: IEC}\n  W2: {wirecount: 3, color_code: DIN}\n  W3: {colors: [RD, BK]}\n');
    expect(h.cables.get('W1')!.colors).toEqual([...COLOR_CODES.IEC!, 'BN', 'RD']);
    expect(h.cables.get('W2')!.colors).toEqual(['WH', 'BN', 'GN']);
    expect(h.cables.get('W3')!.wirecount).toBe(2);
  });

  it('finds pins by label and wires by colour or label, and expands ranges', () => {
    expect(expand(loadYaml("[1-3, 5, 7-6, a-b, '-1']"))).toEqual([1, 2, 3, 5, 7, 6, 'a-b', '-1']);
    const h = parseHarness(
      'connectors:\n  X1: {pinlabels: [GND, VCC]}\n  X2: {pincount: 2}\ncables:\n  W1: {colors: [BK, RD], wirelabels: [ground, power]}\nconnections:\n  - [X1: [VCC, GND], W1: [RD, ground], X2: [1, 2]]\n',
    );
    expect(h.cables.get('W1')!.connections.map((c) => [c.fromPort, c.viaPort, c.toPort])).toEqual([
      [1, 2, 0],
      [0, 1, 1],
    ]);
    expect(h.connectors.get('X1')!.visiblePins).toEqual([2, 1]);
  });

  it('says what is wrong and where', () => {
    const unknown = syntaxError('connectors:\n  X1:\n    pincount: 2\n    pinz: [A, B]\n');
    expect(unknown.message).toBe('Connector X1 has no attribute "pinz" (unexpected keyword argument) (line 4)');
    expect(unknown.line).toBe(4);
    expect(syntaxError('options:\n  fontname: arial\n  colour_mode: full\n').line).toBe(3);
    expect(syntaxError('cables:\n  W1:\n    wirecount: 2\n    shielded: true\n').message).toMatch(/Cable W1 has no attribute "shielded"/);
    const pin = syntaxError('connectors:\n  X1: {pincount: 2}\ncables:\n  W1: {wirecount: 1}\nconnections:\n  -\n    - X1: [3]\n    - W1: [1]\n');
    expect(pin.message).toBe('X1:3 not found. (line 7)');
    expect(syntaxError('connectors:\n  X1: {pincount: 2}\ncables:\n  W1: {wirecount: 1}\nconnections:\n  - [X1: [1], W1: [2]]\n').message).toMatch(
      /W1:2 not found \(the cable has 1 wires\)/,
    );
    expect(syntaxError('connectors:\n  X1: {pincount: 2}\nconnections:\n  - [X9: [1], X1: [1]]\n').message).toMatch(/X9 .*is not a connector or cable/);
    expect(syntaxError('connectors:\n  X1: {}\n').message).toMatch(/at least one, pincount, pins, pinlabels, or pincolors \(line 2\)/);
    expect(syntaxError('cables:\n  W1: {wirecount: 2, color_code: XYZ}\n').message).toMatch(/unknown color code XYZ/);
    expect(syntaxError('connectors:\n  X1: {style: simple, pincount: 2}\n').message).toMatch(/simple may only have one pin/);
    expect(syntaxError('cables:\n  W1: {colors: [RD], length: two m}\n').message).toMatch(/Length must be a number/);
    expect(syntaxError('- just\n- a list\n').message).toMatch(/is a YAML mapping/);
    expect(syntaxError('connectors:\n  X1:\n    pincount: 40000000\n').message).toBe('Connector X1: at most 10000 pins, not 40000000 (line 3)');
    expect(syntaxError('cables:\n  W1: {wirecount: 99999999}\n').line).toBe(2);
    expect(() => expand(loadYaml('[1-99999999]'))).toThrow(/too long/);
  });

  it('ignores top-level keys it does not know, as WireViz does (templates live there)', () => {
    expect(() => parseHarness('templates:\n  - &t {pincount: 2}\nconnectors:\n  X1: *t\n')).not.toThrow();
  });
});

describe('harness → DOT', () => {
  it('draws loops as edges between two pins of one connector, on its free side', () => {
    const dot = dotOf('connectors:\n  X1:\n    pincount: 4\n    loops: [[1, 2], [3, 4]]\n');
    expect(dot).toContain('\tedge [color="#000000:#ffffff:#000000"]\n\tX1:p1l:w -- X1:p2l:w\n\tX1:p3l:w -- X1:p4l:w');
    expect(dot).toContain('<td port="p1l">1</td>');
  });

  it('hides pins no wire uses when asked, and names only what show_name allows', () => {
    const dot = dotOf(
      'connectors:\n  X1: {pincount: 4, hide_disconnected_pins: true, show_name: false}\n  X2: {pincount: 2}\ncables:\n  W1: {colors: [BU], show_wirecount: false, show_name: false}\nconnections:\n  - [X1: [3], W1: [1], X2: [2]]\n',
    );
    expect(dot.match(/port="p\dr"/g)).toEqual(['port="p3r"']);
    expect(dot).toContain('<td port="p1l">1</td>');
    expect(dot).not.toContain('>X1<');
    expect(dot).not.toContain('>W1<');
    expect(dot).not.toContain('1x');
    expect(dot).toMatch(/<td><\/td>\n {4}<td>\n {5}1:BU\n {4}<\/td>\n {4}<td>X2:2<\/td>/);
  });

  it('gives multicoloured wires their stripes and pads single colours to the same thickness', () => {
    const dot = dotOf(
      'connectors:\n  A: {pincount: 2}\n  B: {pincount: 2}\ncables:\n  W: {colors: [RD, GNYE]}\nconnections:\n  - [A: [1-2], W: [1-2], B: [1-2]]\n',
    );
    expect(dot).toContain('edge [color="#000000:#ff0000:#ff0000:#ff0000:#000000"]');
    expect(dot).toContain('edge [color="#000000:#00ff00:#ffff00:#00ff00:#000000"]');
    expect(dot).toContain('port="w2" height="10"');
    expect(dot).toContain('     1:RD\n');
  });

  it('draws a coloured shield, pin colours, colour bars and background colours', () => {
    const dot = dotOf(
      'options: {bgcolor_connector: IV, color_mode: full}\nconnectors:\n  X1: {pincount: 2, pincolors: [RD, XY], color: BK, bgcolor_title: LB}\ncables:\n  W1: {wirecount: 1, shield: SN, bgcolor: GY}\nconnections:\n  - [X1: [1], W1: [s]]\n',
    );
    expect(dot).toContain('<td sides="tbl">red</td>');
    expect(dot).toContain('<td bgcolor="#FF0000" width="8" height="8" fixedsize="true"></td>');
    expect(dot).toContain('<td colspan="2"></td>');
    expect(dot).toContain('<td balign="left" bgcolor="#A0DFFF">X1</td>');
    expect(dot).toContain('<td balign="left" bgcolor="#000000" width="4"></td>');
    expect(dot).toContain('height="6" bgcolor="#aaaaaa" border="2" sides="tb" port="ws"');
    expect(dot).toContain('edge [color="#000000:#aaaaaa:#000000"]');
    expect(dot).toMatch(/<table border="0" cellspacing="0" cellpadding="0" bgcolor="#999999">/);
    expect(dot).toMatch(/X1 \[label=<[\s\S]*?> fillcolor="#F5F0D0" shape=box style=filled\]/);
  });

  it('lists additional components with their BOM numbers (mini BOM) or in full', () => {
    const source = (mini: boolean) =>
      `options: {mini_bom_mode: ${mini}}\nconnectors:\n  X1:\n    pincount: 4\n    type: Molex KK 254\n    additional_components:\n      - {type: Crimp, subtype: 'KK 254, 22-30 AWG', qty_multiplier: populated, manufacturer: Molex, mpn: 08500030}\n  X2: {pincount: 4}\ncables:\n  W1:\n    wirecount: 2\n    length: 1.5\n    additional_components:\n      - {type: Sleeve, qty_multiplier: length, unit: m, pn: SLV-1}\nconnections:\n  - [X1: [1-2], W1: [1-2], X2: [1-2]]\n`;
    // BOM, sorted by description: Cable, 2 wires | Connector, 4 pins (X2) | Connector, Molex… | Crimp… | Sleeve.
    const mini = dotOf(source(true));
    expect(mini).toContain('<td align="left" balign="left">2 x #4 (Crimp)</td>');
    expect(mini).toContain('<td align="left" balign="left">1.5 m x #5 (Sleeve)</td>');
    const full = dotOf(source(false));
    expect(full).toContain('<td align="left" balign="left">2 x Crimp, KK 254, 22-30 AWG<br/>Molex: 08500030</td>');
    expect(full).toContain('<td align="left" balign="left">1.5 m x Sleeve<br/>P/N: SLV-1</td>');
    expect(full).toContain('<td balign="left">Additional components</td>');
  });

  it('shows lengths and gauges as WireViz prints them, with the AWG equivalent', () => {
    const dot = dotOf(
      'cables:\n  W1: {wirecount: 1, length: 2 ft, gauge: 20 awg, show_equiv: true}\n  W2: {wirecount: 1, length: 3, gauge: 1.5, show_equiv: true}\n',
    );
    expect(dot).toContain('<td balign="left">2.0 ft</td>');
    expect(dot).toContain('<td balign="left">20 AWG (0.75 mm²)</td>');
    expect(dot).toContain('<td balign="left">1.5 mm² (16 AWG)</td>');
    expect(dot).toContain('<td balign="left">3 m</td>');
  });

  it('removes links and breaks lines in multi-line texts', () => {
    const dot = dotOf('connectors:\n  X1:\n    pincount: 1\n    manufacturer: \'<a href="https://x">Molex</a>\'\n    mpn: 123\n    notes: "one\\ntwo"\n');
    expect(dot).toContain('<td balign="left">Molex: 123</td>');
    expect(dot).toContain('<td balign="left">one<br />two</td>');
  });

  it('keeps every text from the YAML inside its label and every name inside its quotes', () => {
    const evil = '> ]; X [label="pwned" image="/etc/passwd"]; <';
    const dot = dotOf(
      `connectors:\n  'A"; B [image="/etc/passwd"] \\': {pincount: 1, type: '${evil}', pinlabels: ['</td></tr></table>>]; injected']}\ncables:\n  W1: {colors: [RD], wirelabels: ['<b>x</b>']}\nconnections:\n  - ['A"; B [image="/etc/passwd"] \\': [1], W1: [1]]\n`,
    );
    expect(dot).not.toContain('image="/etc/passwd"]');
    expect(dot).toContain('&gt; ]; X [label=&quot;pwned&quot; image=&quot;/etc/passwd&quot;]; &lt;');
    expect(dot).toContain('&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&gt;]; injected');
    expect(dot).toContain('1:RD:&lt;b&gt;x&lt;/b&gt;');
    // The name is one quoted ID, its quote escaped and its trailing backslash kept off the closing quote.
    expect(dot).toContain('\t"A\\"; B [image=\\"/etc/passwd\\"] \\ " [label=<');
    expect(dot).toContain('"A\\"; B [image=\\"/etc/passwd\\"] \\ ":p1r:e -- W1:w1:w');
  });

  it('never reads or links an image: the cell keeps its size and caption', () => {
    const dot = dotOf('connectors:\n  X1:\n    pincount: 1\n    image: {src: /etc/passwd, caption: Pinout, height: 40}\n');
    expect(dot).not.toContain('passwd');
    expect(dot).not.toMatch(/<img/i);
    expect(dot).toContain('<td width="40" height="40" fixedsize="true"></td>');
    expect(dot).toContain('<td balign="left" sides="BLR">Pinout</td>');
  });

  it('applies tweak.override and tweak.append as WireViz does, and says the DOT is partly the diagram’s', () => {
    const out = harnessToDot(
      parseHarness(
        'connectors:\n  X1: {pincount: 1}\ntweak:\n  override:\n    X1: {shape: ellipse, style: null, penwidth: "2"}\n    graph: {ranksep: "1"}\n  append: [\'X1 -- X1\']\n',
      ),
    );
    expect(out.fromDiagram).toBe(true);
    expect(out.dot).toMatch(/\tX1 \[label=<[\s\S]*> fillcolor="#FFFFFF" shape=ellipse penwidth=2\]/);
    expect(out.dot).toContain('\tgraph [bgcolor="#FFFFFF" fontname=arial nodesep=0.33 rankdir=LR ranksep=1]');
    expect(out.dot).toMatch(/X1 -- X1\n}\n$/);
    expect(harnessToDot(parseHarness('connectors:\n  X1: {pincount: 1}\n')).fromDiagram).toBe(false);
  });
});

describe('colours', () => {
  it('translates colour strings in every mode, the mode’s case giving the output’s', () => {
    expect(translateColor('GNYE', 'full')).toBe('green/yellow');
    expect(translateColor('GNYE', 'FULL')).toBe('GREEN/YELLOW');
    expect(translateColor('GNYE', 'ger')).toBe('gnge');
    expect(translateColor('GNYE', 'hex')).toBe('#00ff00:#ffff00:#00ff00');
    expect(translateColor('#ff0000:#123456', 'full')).toBe('red/(18,52,86)');
    expect(translateColor('bn', 'SHORT')).toBe('BN');
    expect(() => translateColor('RD', 'Full')).toThrow(/capitalization/);
    expect(() => translateColor('RD', 'rgb')).toThrow(/Unknown color mode/);
  });

  it('falls back to white for unknown names and malformed hex, so no text reaches an attribute', () => {
    expect(colorHex('ZZ')).toEqual(['#ffffff']);
    expect(colorHex('#12"><x')).toEqual(['#ffffff']);
    expect(colorHex('RD', true)).toEqual(['#ff0000', '#ff0000', '#ff0000']);
    expect(COLOR_CODES.TEL!.slice(0, 4)).toEqual(['BUWH', 'WHBU', 'OGWH', 'WHOG']);
    expect(COLOR_CODES.TELALT!.slice(0, 4)).toEqual(['WHBU', 'BU', 'WHOG', 'OG']);
    expect(COLOR_CODES.TEL!.length).toBe(50);
  });
});
