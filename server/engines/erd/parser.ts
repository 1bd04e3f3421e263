/**
 * A parser for erd's `.er` text format (BurntSushi/erd, the program Kroki runs for `erd`),
 * written for Studio from erd's documented grammar: directives (`title`, `header`,
 * `entity`, `relationship`) before anything else, entities `[Name]` followed by their
 * attributes one a line (`*` primary key, `+` foreign key, in any order), relationships
 * `A *--1 B` anywhere, `{name: "value", …}` options (over several lines, trailing comma
 * allowed), `#` comments, and names bare (letters, digits, `_`) or quoted with
 * backticks, single or double quotes.
 *
 * Everything erd refuses is a DiagramSyntaxError naming the 1-based line (erd's own
 * messages name a line and a column too). Pure: no I/O, no Graphviz (see dot.ts).
 */
import { DiagramSyntaxError } from '../../errors.js';

/** erd's four cardinalities: `?` 0 or 1, `1` exactly 1, `*` 0 or more, `+` 1 or more. */
export type Cardinality = 'zero-one' | 'one' | 'zero-plus' | 'one-plus';

/** Validated options by erd's names (`label`, `color`, `bgcolor`, `size`, …). */
export type ErdOptions = Readonly<Record<string, string>>;

export interface ErdAttribute {
  name: string;
  pk: boolean;
  fk: boolean;
  options: ErdOptions;
  line: number;
}

export interface ErdEntity {
  name: string;
  attributes: ErdAttribute[];
  options: ErdOptions;
  line: number;
}

export interface ErdRelationship {
  from: string;
  to: string;
  fromCardinality: Cardinality;
  toCardinality: Cardinality;
  options: ErdOptions;
  line: number;
}

export interface ErdDiagram {
  /** Options of the global directives, as written (defaults are dot.ts's). */
  directives: { title: ErdOptions; header: ErdOptions; entity: ErdOptions; relationship: ErdOptions };
  entities: ErdEntity[];
  relationships: ErdRelationship[];
}

const CARDINALITIES: Readonly<Record<string, Cardinality>> = {
  '?': 'zero-one',
  // Not erd's: `0` reads naturally as "0 or 1" next to `1`, so it is accepted as `?`.
  '0': 'zero-one',
  '1': 'one',
  '*': 'zero-plus',
  '+': 'one-plus',
};

const DIRECTIVES = ['title', 'header', 'entity', 'relationship'] as const;
type Directive = (typeof DIRECTIVES)[number];

const COLOR = /^(?:#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?|[A-Za-z][A-Za-z0-9]{0,39})$/;
const BYTE = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const SIZE = /^(?:\d{1,4}(?:\.\d+)?|\.\d+)$/;
const ALIGNMENTS = ['left', 'right', 'center', 'text'];

/**
 * erd's option names and what each accepts. erd hands values to Graphviz's own parsers;
 * these patterns are stricter where a value ends up inside a DOT HTML attribute, so that
 * only plain colours, numbers and alignments ever reach one.
 */
const OPTION_CHECKS: Readonly<Record<string, { ok(value: string): boolean; expects: string }>> = {
  label: { ok: () => true, expects: 'any text' },
  color: { ok: (v) => COLOR.test(v), expects: 'a colour (#rrggbb, #rrggbbaa or a name such as gray50)' },
  bgcolor: { ok: (v) => COLOR.test(v), expects: 'a colour (#rrggbb, #rrggbbaa or a name such as gray50)' },
  'border-color': { ok: (v) => COLOR.test(v), expects: 'a colour (#rrggbb, #rrggbbaa or a name such as gray50)' },
  size: { ok: (v) => SIZE.test(v) && Number(v) > 0 && Number(v) <= 1000, expects: 'a font size in points, above 0 and at most 1000' },
  font: { ok: (v) => v.trim().length > 0, expects: 'a font name' },
  border: { ok: (v) => BYTE.test(v), expects: 'a whole number from 0 to 255' },
  cellspacing: { ok: (v) => BYTE.test(v), expects: 'a whole number from 0 to 255' },
  cellborder: { ok: (v) => BYTE.test(v), expects: 'a whole number from 0 to 255' },
  cellpadding: { ok: (v) => BYTE.test(v), expects: 'a whole number from 0 to 255' },
  'text-alignment': { ok: (v) => ALIGNMENTS.includes(v.toLowerCase()), expects: 'left, right, center or text' },
};

const isSpaceNoNewline = (c: string | undefined) => c !== undefined && c !== '\n' && c !== '\r' && /\s/.test(c);
const isBareNameChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
// Any control character but those is refused inside quoted names, as erd does.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

class Parser {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly src: string) {}

  // ---- positions and errors ------------------------------------------------------

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  private advance(): string {
    const c = this.src[this.pos++]!;
    // \r\n counts once: the \n is the line break.
    if (c === '\n' || (c === '\r' && this.src[this.pos] !== '\n')) {
      this.line++;
      this.lineStart = this.pos;
    }
    return c;
  }

  private mark(): { pos: number; line: number; lineStart: number } {
    return { pos: this.pos, line: this.line, lineStart: this.lineStart };
  }

  private reset(m: { pos: number; line: number; lineStart: number }): void {
    this.pos = m.pos;
    this.line = m.line;
    this.lineStart = m.lineStart;
  }

  fail(message: string, at: { line: number; column?: number } = { line: this.line, column: this.pos - this.lineStart + 1 }): never {
    const where = at.column === undefined ? `line ${at.line}` : `line ${at.line}, column ${at.column}`;
    throw new DiagramSyntaxError(`Erd syntax error at ${where}: ${message}`, { line: at.line });
  }

  private describeHere(): string {
    if (this.atEnd()) return 'end of input';
    const c = this.peek()!;
    if (c === '\n' || c === '\r') return 'end of line';
    return JSON.stringify(String.fromCodePoint(this.src.codePointAt(this.pos)!));
  }

  private unexpected(expected: string): never {
    this.fail(`unexpected ${this.describeHere()}; expected ${expected}`);
  }

  // ---- white space and comments --------------------------------------------------

  private spacesNoNewline(): void {
    while (isSpaceNoNewline(this.peek())) this.advance();
  }

  private newline(): boolean {
    const c = this.peek();
    if (c === '\n') {
      this.advance();
      return true;
    }
    if (c === '\r') {
      this.advance();
      if (this.peek() === '\n') this.advance();
      return true;
    }
    return false;
  }

  /** `#` up to the end of the line (included). */
  private comment(): boolean {
    if (this.peek() !== '#') return false;
    while (!this.atEnd() && this.peek() !== '\n' && this.peek() !== '\r') this.advance();
    this.newline();
    return true;
  }

  /** Spaces, line breaks and comments: what may sit between options. */
  private emptiness(): void {
    for (;;) {
      const c = this.peek();
      if (c === undefined) return;
      if (c === '#') this.comment();
      else if (/\s/.test(c)) this.advance();
      else return;
    }
  }

  /** What ends an item: spaces, then a comment, a line break or the end of the input. */
  private endOfItem(expected: string): void {
    this.spacesNoNewline();
    if (this.atEnd() || this.newline() || this.comment()) return;
    this.unexpected(expected);
  }

  // ---- names and options ---------------------------------------------------------

  /** A bare or quoted name with the spaces around it, or null (nothing consumed) if none starts here. */
  private name(): string | null {
    const start = this.mark();
    this.spacesNoNewline();
    const c = this.peek();
    let name: string;
    if (c === '`' || c === "'" || c === '"') {
      const openLine = this.line;
      const openColumn = this.pos - this.lineStart + 1;
      this.advance();
      let end = this.pos;
      while (end < this.src.length && this.src[end] !== c && !CONTROL.test(this.src[end]!)) end++;
      if (this.src[end] !== c) {
        this.fail(`the name quoted with ${c} here is not closed on its line`, { line: openLine, column: openColumn });
      }
      name = this.src.slice(this.pos, end);
      if (name.length === 0) this.fail(`an empty quoted name`, { line: openLine, column: openColumn });
      this.pos = end + 1;
    } else if (isBareNameChar(c)) {
      let end = this.pos;
      while (isBareNameChar(this.src[end])) end++;
      name = this.src.slice(this.pos, end);
      this.pos = end;
    } else {
      this.reset(start);
      return null;
    }
    this.spacesNoNewline();
    return name;
  }

  /** `{name: "value", …}` or nothing; every option checked against erd's list. */
  private options(): Record<string, string> {
    const result: Record<string, string> = {};
    if (this.peek() !== '{') return result;
    this.advance();
    this.emptiness();
    while (this.peek() !== '}') {
      const optLine = this.line;
      const optColumn = this.pos - this.lineStart + 1;
      const m = /^[A-Za-z][A-Za-z-]*:/.exec(this.src.slice(this.pos, this.pos + 64));
      if (!m) this.unexpected('an option name followed by ":" (label: "…"), or "}"');
      const optName = m[0].slice(0, -1);
      for (let i = 0; i < m[0].length; i++) this.advance();
      this.emptiness();
      if (this.peek() !== '"') this.unexpected(`the value of option ${optName} in double quotes`);
      this.advance();
      const end = this.src.indexOf('"', this.pos);
      if (end < 0) this.fail(`the value of option ${optName} is not closed with a double quote`, { line: optLine, column: optColumn });
      const value = this.src.slice(this.pos, end);
      while (this.pos <= end) this.advance();
      const check = OPTION_CHECKS[optName];
      if (!check) this.fail(`option '${optName}' does not exist (erd knows ${Object.keys(OPTION_CHECKS).join(', ')})`, { line: optLine, column: optColumn });
      if (!check.ok(value))
        this.fail(`bad value ${JSON.stringify(value)} for option ${optName}: expected ${check.expects}`, { line: optLine, column: optColumn });
      result[optName] = optName === 'text-alignment' ? value.toLowerCase() : value;
      this.emptiness();
      if (this.peek() === ',') {
        this.advance();
        this.emptiness();
      } else if (this.peek() !== '}') {
        this.unexpected('"," or "}"');
      }
    }
    this.advance();
    return result;
  }

  // ---- the document ---------------------------------------------------------------

  parse(): ErdDiagram {
    const directives: Record<Directive, ErdOptions> = { title: {}, header: {}, entity: {}, relationship: {} };
    const entities: ErdEntity[] = [];
    const relationships: ErdRelationship[] = [];

    // Directives come first, each once or more (the last one wins, as in erd).
    for (;;) {
      this.emptiness();
      const start = this.mark();
      const word = this.name();
      // Not a directive after all (an attribute or relationship named like one): the
      // document proper starts here, as erd backtracks.
      if (word === null || !(DIRECTIVES as readonly string[]).includes(word) || !/^(?:\{|#|\r|\n|$)/.test(this.src.slice(this.pos, this.pos + 1))) {
        this.reset(start);
        break;
      }
      directives[word as Directive] = this.options();
      this.endOfItem('"{" or the end of the line after a directive');
    }

    while (!this.atEnd()) {
      this.spacesNoNewline();
      if (this.atEnd() || this.newline() || this.comment()) continue;
      const line = this.line;
      if (this.peek() === '[') {
        entities.push(this.entity(line));
        continue;
      }
      const relationship = this.relationship(line);
      if (relationship) {
        relationships.push(relationship);
        continue;
      }
      const attribute = this.attribute(line);
      const current = entities.at(-1);
      if (!current) this.fail(`attribute '${attribute.name}' comes before the first entity ([Name])`, { line });
      current.attributes.push(attribute);
    }

    const names = new Set(entities.map((e) => e.name));
    for (const r of relationships) {
      for (const name of [r.from, r.to]) if (!names.has(name)) this.fail(`unknown entity '${name}' in relationship`, { line: r.line });
    }
    return { directives, entities, relationships };
  }

  private entity(line: number): ErdEntity {
    this.advance(); // [
    const name = this.name();
    if (name === null) this.unexpected('an entity name (bare, or quoted with `, \' or ")');
    if (this.peek() !== ']') this.unexpected('"]" (a name with spaces must be quoted: [`Birth Place`])');
    this.advance();
    this.spacesNoNewline();
    const options = this.options();
    this.endOfItem('options in braces, a comment or the end of the line after an entity');
    return { name, attributes: [], options, line };
  }

  /** `A op--op B {options}`, or null with nothing consumed when the line is not one. */
  private relationship(line: number): ErdRelationship | null {
    const start = this.mark();
    const from = this.name();
    const op1 = this.peek();
    if (from === null || op1 === undefined || !(op1 in CARDINALITIES) || this.src.slice(this.pos + 1, this.pos + 3) !== '--') {
      this.reset(start);
      return null;
    }
    this.advance();
    this.advance();
    this.advance();
    const op2 = this.peek();
    if (op2 === undefined || !(op2 in CARDINALITIES)) this.unexpected('a cardinality (?, 1, * or +) right after "--"');
    this.advance();
    const to = this.name();
    if (to === null) this.unexpected('the name of the second entity of the relationship');
    const options = this.options();
    this.endOfItem('options in braces, a comment or the end of the line after a relationship');
    return { from, to, fromCardinality: CARDINALITIES[op1]!, toCardinality: CARDINALITIES[op2]!, options, line };
  }

  private attribute(line: number): ErdAttribute {
    let pk = false;
    let fk = false;
    for (;;) {
      const c = this.peek();
      if (c === '*') pk = true;
      else if (c === '+') fk = true;
      else if (!isSpaceNoNewline(c)) break;
      this.advance();
    }
    const name = this.name();
    if (name === null) this.unexpected('an entity ([Name]), an attribute (name, *key, +foreign_key), a relationship (A *--1 B) or a comment (#)');
    const options = this.options();
    this.endOfItem('options in braces, a comment or the end of the line after an attribute (a name with spaces must be quoted)');
    return { name, pk, fk, options, line };
  }
}

export function parseErd(source: string): ErdDiagram {
  // A byte-order mark is not part of the first line's text.
  return new Parser(source.replace(/^\uFEFF/, '')).parse();
}
