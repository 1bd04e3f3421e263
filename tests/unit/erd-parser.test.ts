import { describe, expect, it } from 'vitest';
import { erdToDot, escapeHtml } from '../../server/engines/erd/dot.js';
import { parseErd } from '../../server/engines/erd/parser.js';
import { DiagramSyntaxError } from '../../server/errors.js';

function syntaxError(source: string): DiagramSyntaxError {
  try {
    parseErd(source);
  } catch (err) {
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    return err as DiagramSyntaxError;
  }
  throw new Error(`parsed without an error:\n${source}`);
}

/** A schema in the style of erd's nfldb example: directives, colours, labels, composite keys. */
const LEAGUE = `title {label: "league Entity-Relationship diagram (condensed)", size: "20"}

# Entities

[club] {bgcolor: "#d0e0d0"}
  *club_id {label: "varchar, not null"}
  city {label: "varchar, not null"}

[match] {bgcolor: "#ececfc"}
  *match_id {label: "matchid, not null"}
  kickoff {label: "utctime, not null"}
  home_club {label: "varchar, not null"}
  away_club {label: "varchar, not null"}

[goal] {bgcolor: "#ececfc"}
  *+match_id {label: "matchid, not null"}
  *goal_no {label: "usmallint, not null"}
  +scorer_id {label: "varchar, null"}

[scorer] {bgcolor: "#fcecec"}
  *scorer_id {label: "varchar, not null"}

# Relationships

match  *--1 club {label: "home"}
match  *--1 club {label: "away"}
match  1--* goal
scorer 1--* goal
scorer *--? club
`;

describe('erd parser', () => {
  it('reads entities, their attributes and keys in order', () => {
    const d = parseErd('[Person]\n*name\nheight\n+birth_place_id\n*+both\n+*also\n* + spaced\n\n[Empty]\n');
    expect(d.entities.map((e) => e.name)).toEqual(['Person', 'Empty']);
    expect(d.entities[0]!.attributes.map((a) => [a.name, a.pk, a.fk, a.line])).toEqual([
      ['name', true, false, 2],
      ['height', false, false, 3],
      ['birth_place_id', false, true, 4],
      ['both', true, true, 5],
      ['also', true, true, 6],
      ['spaced', true, true, 7],
    ]);
    expect(d.entities[1]!.attributes).toEqual([]);
    expect(d.entities[1]!.line).toBe(9);
  });

  it('reads quoted names with spaces and any character but their quote', () => {
    const d = parseErd('[`Birth Place`]\n*id\n`birth city`\n\'birth state\'\n"birth country"\n"a ] b"\n\nPerson *--1 `Birth Place`\n[Person]\n');
    expect(d.entities[0]!.name).toBe('Birth Place');
    expect(d.entities[0]!.attributes.map((a) => a.name)).toEqual(['id', 'birth city', 'birth state', 'birth country', 'a ] b']);
    expect(d.relationships[0]).toMatchObject({ from: 'Person', to: 'Birth Place', line: 8 });
  });

  it('reads every cardinality on each side of a relationship', () => {
    const ops = ['?', '1', '*', '+', '0'] as const;
    const expected = { '?': 'zero-one', '0': 'zero-one', '1': 'one', '*': 'zero-plus', '+': 'one-plus' };
    const lines = ops.flatMap((a) => ops.map((b) => `A ${a}--${b} B`));
    const d = parseErd(`[A]\n[B]\n${lines.join('\n')}\n`);
    expect(d.relationships).toHaveLength(25);
    d.relationships.forEach((r, i) => {
      const [a, b] = [ops[Math.floor(i / 5)]!, ops[i % 5]!];
      expect([r.from, r.to, r.fromCardinality, r.toCardinality, r.line]).toEqual(['A', 'B', expected[a], expected[b], i + 3]);
    });
  });

  it('accepts relationships anywhere, with or without spaces around the operator, and self-relationships', () => {
    const d = parseErd('[A]\nx\nA 1--* B\ny\n[B]\nA+--?A\n');
    expect(d.entities[0]!.attributes.map((a) => a.name)).toEqual(['x', 'y']);
    expect(d.relationships.map((r) => [r.from, r.to, r.fromCardinality, r.toCardinality])).toEqual([
      ['A', 'B', 'one', 'zero-plus'],
      ['A', 'A', 'one-plus', 'zero-one'],
    ]);
  });

  it('reads options on entities, attributes and relationships, over several lines, with comments and a trailing comma', () => {
    const d = parseErd(
      '[Person] {bgcolor: "#ececfc", size: "20"}\n  name {\n    label: "string",\n    color: "#3366ff", # i like bright blue\n  }\n  weight {\n    label: "int",}\n[B]\nPerson *--1 B {label: "lives in", color: "red"}\n',
    );
    expect(d.entities[0]!.options).toEqual({ bgcolor: '#ececfc', size: '20' });
    expect(d.entities[0]!.attributes.map((a) => [a.name, a.options, a.line])).toEqual([
      ['name', { label: 'string', color: '#3366ff' }, 2],
      ['weight', { label: 'int' }, 6],
    ]);
    expect(d.relationships[0]!.options).toEqual({ label: 'lives in', color: 'red' });
    expect(d.relationships[0]!.line).toBe(9);
  });

  it('reads the global directives before anything else', () => {
    const d = parseErd(
      '# schema\n\ntitle {label: "My schema", size: "20"}\nheader {color: "gray20"}\nentity {bgcolor: "#ececfc", font: "Courier"}\nrelationship {size: "9"}\n\n[title]\ntitle\nentity\n',
    );
    expect(d.directives).toEqual({
      title: { label: 'My schema', size: '20' },
      header: { color: 'gray20' },
      entity: { bgcolor: '#ececfc', font: 'Courier' },
      relationship: { size: '9' },
    });
    // After the first entity, the words are names again.
    expect(d.entities[0]!.name).toBe('title');
    expect(d.entities[0]!.attributes.map((a) => a.name)).toEqual(['title', 'entity']);
  });

  it('skips comments, blank lines, CRLF line ends and a byte-order mark', () => {
    const d = parseErd('\uFEFF# one\r\n[A] # an entity\r\n  # indented comment\r\n*id # the key\r\n\r\n\r\n[B]\r\nA 1--1 B # one to one\r\n');
    expect(d.entities.map((e) => [e.name, e.line, e.attributes.map((a) => a.name)])).toEqual([
      ['A', 2, ['id']],
      ['B', 7, []],
    ]);
    expect(d.relationships[0]!.line).toBe(8);
  });

  it('parses the nfldb-style example', () => {
    const d = parseErd(LEAGUE);
    expect(d.directives.title).toEqual({ label: 'league Entity-Relationship diagram (condensed)', size: '20' });
    expect(d.entities.map((e) => [e.name, e.attributes.length, e.options.bgcolor])).toEqual([
      ['club', 2, '#d0e0d0'],
      ['match', 4, '#ececfc'],
      ['goal', 3, '#ececfc'],
      ['scorer', 1, '#fcecec'],
    ]);
    expect(d.entities[2]!.attributes[0]).toMatchObject({ name: 'match_id', pk: true, fk: true, options: { label: 'matchid, not null' } });
    expect(d.relationships.map((r) => `${r.from} ${r.fromCardinality} ${r.toCardinality} ${r.to} ${r.options.label ?? ''}`.trim())).toEqual([
      'match zero-plus one club home',
      'match zero-plus one club away',
      'match one zero-plus goal',
      'scorer one zero-plus goal',
      'scorer zero-plus zero-one club',
    ]);
  });
});

describe('erd parser errors', () => {
  it.each([
    ['an unclosed entity', '[Person]\n*name\n\n[Location\n*id\n', 4, /expected "\]"/],
    ['a name with spaces, unquoted', '[Person]\nbirth date\n', 2, /must be quoted/],
    ['an attribute before the first entity', '# c\n\nname\n[Person]\n', 3, /attribute 'name' comes before the first entity/],
    ['an unknown entity in a relationship', '[A]\n[B]\n\nA 1--* B\nA 1--* C\n', 5, /unknown entity 'C' in relationship/],
    ['a bad cardinality', '[A]\n[B]\nA 1--x B\n', 3, /cardinality/],
    ['an unknown option', '[A]\nid {weight: "3"}\n', 2, /option 'weight' does not exist/],
    ['a bad colour', '[A] {bgcolor: "#12"}\n', 1, /bad value "#12" for option bgcolor/],
    ['a colour that would leave its attribute', '[A] {color: "red\\" onload=\\""}\n', 1, /bad value/],
    ['a bad number', 'entity {border: "300"}\n[A]\n', 1, /option border/],
    ['an unclosed option block', '[A]\nid {label: "x",\n\n', 4, /expected an option name/],
    ['an unquoted option value', '[A]\n\nid {label: x}\n', 3, /in double quotes/],
    ['an option value without its closing quote', '[A]\nid {label: "x}\n\n', 2, /not closed/],
    ['an unclosed quoted name', '[A]\n\n`birth date\n', 3, /not closed on its line/],
    ['text after an entity', '[A] junk\n', 1, /after an entity/],
    ['text after a relationship', '[A]\nA 1--1 A junk\n', 2, /after a relationship/],
    ['a stray character', '[A]\nid\n\n%\n', 4, /unexpected "%"/],
  ])('refuses %s with its line', (_what, source, line, message) => {
    const err = syntaxError(source);
    expect(err.line).toBe(line);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(new RegExp(`^Erd syntax error at line ${line}\\b`));
    expect(err.message).toMatch(message);
  });

  it('counts lines the same with CRLF and CR-only line ends', () => {
    expect(syntaxError('[A]\r\n\r\nx y\r\n').line).toBe(3);
    expect(syntaxError('[A]\r\rx y\r').line).toBe(3);
  });
});

describe('erd to DOT', () => {
  it('draws erd’s look: tables with a bold header, underlined primary and italic foreign keys, grey dashed edges with cardinalities', () => {
    const dot = erdToDot(parseErd('[Person]\n*name\n+place_id\n*+both\nheight\n[Place]\n*id\nPerson *--1 Place\nPlace ?--+ Place\n'));
    expect(dot).toMatch(
      /^graph \{\n {2}graph \[rankdir=LR, splines=spline\];\n {2}node \[shape=plaintext\];\n {2}edge \[color=gray50, minlen=2, style=dashed\];/,
    );
    expect(dot).toContain(
      'e0 [label=<<FONT FACE="Helvetica"><TABLE BORDER="0" CELLSPACING="0" CELLPADDING="4" CELLBORDER="1"><TR><TD><B><FONT POINT-SIZE="16">Person</FONT></B></TD></TR>' +
        '<TR><TD ALIGN="LEFT"><U>name</U></TD></TR><TR><TD ALIGN="LEFT"><I>place_id</I></TD></TR><TR><TD ALIGN="LEFT"><I><U>both</U></I></TD></TR>' +
        '<TR><TD ALIGN="LEFT">height</TD></TR></TABLE></FONT>>];',
    );
    expect(dot).toContain('e0 -- e1 [taillabel=<0..N>, headlabel=<1>];');
    expect(dot).toContain('e1 -- e1 [taillabel=<{0,1}>, headlabel=<1..N>];');
  });

  it('shows labels in brackets, a title, and merges options: own over directive over default', () => {
    const dot = erdToDot(
      parseErd(
        'title {label: "Schema"}\nheader {color: "gray20", size: "18"}\nentity {bgcolor: "#ececfc"}\nrelationship {size: "9"}\n' +
          '[A] {bgcolor: "#d0e0d0", label: "table"}\n*id {label: "int", text-alignment: "right", bgcolor: "yellow"}\n[B]\nA 1--* B {label: "has", size: "12"}\n',
      ),
    );
    expect(dot).toContain('graph [rankdir=LR, splines=spline, labeljust=l, labelloc=t, label=<<FONT POINT-SIZE="30">Schema</FONT>>];');
    expect(dot).toContain('<TABLE BGCOLOR="#d0e0d0" BORDER="0"');
    expect(dot).toContain('<TD><B><FONT COLOR="gray20" POINT-SIZE="18">A</FONT></B><FONT COLOR="gray20" POINT-SIZE="18"> [table]</FONT></TD>');
    expect(dot).toContain('<TD BGCOLOR="yellow" ALIGN="RIGHT"><U>id</U> [int]</TD>');
    expect(dot).toContain('<TABLE BGCOLOR="#ececfc" BORDER="0"');
    expect(dot).toContain(
      'e0 -- e1 [label=<<FONT POINT-SIZE="12"> has </FONT>>, taillabel=<<FONT POINT-SIZE="12">1</FONT>>, headlabel=<<FONT POINT-SIZE="12">0..N</FONT>>];',
    );
  });

  it('escapes every name, label and value, and never uses a name as a DOT id', () => {
    const evil = '`a<b>"c"&d];e -- f [x=1]`';
    const dot = erdToDot(
      parseErd(
        `title {label: "<T>&'x"}\n[${evil}] {label: "<script>", font: "A' B"}\n"<i>&amp;" {label: "]>; n [label=x]"}\n[ok]\n${evil} 1--1 ok {label: "<br/>"}\n`,
      ),
    );
    expect(dot).toContain('<B><FONT FACE="A&#39; B" POINT-SIZE="16">a&lt;b&gt;&quot;c&quot;&amp;d];e -- f [x=1]</FONT></B>');
    expect(dot).toContain('&lt;script&gt;');
    expect(dot).toContain('&lt;i&gt;&amp;amp;');
    expect(dot).toContain(' []&gt;; n [label=x]]');
    expect(dot).toContain('&lt;T&gt;&amp;&#39;x');
    expect(dot).toContain('&lt;br/&gt;');
    expect(dot).toContain('e0 -- e1 [');
    // Outside the escaped labels, only Studio's own DOT: every statement is one of its forms.
    for (const line of dot.trim().split('\n').slice(4, -1)) expect(line).toMatch(/^ {2}e\d+ (?:-- e\d+ )?\[(?:label|taillabel)=</);
    expect(escapeHtml(`<>&"'\n`)).toBe('&lt;&gt;&amp;&quot;&#39; ');
  });

  it('draws one node per entity name (a repeated [Name] replaces the first) and an empty diagram', () => {
    const dot = erdToDot(parseErd('[A]\nold\n[B]\n[A]\nnew\nA 1--1 B\n'));
    expect(dot.match(/\[label=<<FONT/g)).toHaveLength(2);
    expect(dot).toContain('new');
    expect(dot).not.toContain('old');
    expect(dot).toContain('e0 -- e1');
    expect(erdToDot(parseErd('# nothing\n'))).toMatch(/edge \[[^\]]*\];\n\}\n$/);
  });
});
