import { afterAll, describe, expect, it } from 'vitest';
import { erd } from '../../../server/engines/erd/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, jpegSize, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(erd);

/** The SVG's text; Graphviz writes some characters as numeric references (`-` as `&#45;`). */
function svgText(svg: string): string {
  return expectSvg(svg).replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)));
}

afterAll(async () => {
  await engine.stop();
  await ctx.close();
});

/** Like erd's nfldb example (README): a title, coloured entities, typed columns, composite keys, labelled edges. */
const LEAGUE = `title {label: "league Entity-Relationship diagram (condensed)", size: "20"}

# Entities

[club] {bgcolor: "#d0e0d0"}
  *club_id {label: "varchar, not null"}
  city {label: "varchar, not null"}
  name {label: "varchar, not null"}

[match] {bgcolor: "#ececfc"}
  *match_id {label: "matchid, not null"}
  kickoff {label: "utctime, not null"}
  home_club {label: "varchar, not null"}
  away_club {label: "varchar, not null"}

[goal] {bgcolor: "#ececfc"}
  *+match_id {label: "matchid, not null"}
  *goal_no {label: "usmallint, not null"}
  +scorer_id {label: "varchar, null"}
  minute {label: "usmallint, not null"}

[scorer] {bgcolor: "#fcecec"}
  *scorer_id {label: "varchar, not null"}
  full_name {label: "varchar, null"}

# Relationships

match  *--1 club {label: "home"}
match  *--1 club {label: "away"}
match  1--* goal
scorer 1--* goal
scorer *--? club
`;

describe('erd engine', () => {
  it('draws the nfldb-style example with erd’s look', async () => {
    const svg = (await engine.render(renderInput('erd', LEAGUE))).toString('utf8');
    const text = svgText(svg);
    for (const label of [
      'league Entity-Relationship diagram (condensed)',
      'club',
      'match',
      'goal',
      'scorer',
      'kickoff',
      ' [varchar, not null]',
      'home',
      'away',
    ]) {
      expect(text).toContain(label);
    }
    // Cardinalities at the edge ends, as erd's default (UML) notation writes them.
    for (const card of ['0..N', '1', '{0,1}']) expect(text).toContain(card);
    // Four tables, five dashed grey edges; headers bold, primary keys underlined, foreign keys italic.
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(4);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(5);
    expect(svg).toMatch(/stroke="#7f7f7f" stroke-dasharray="5,2"/);
    expect(svg).toMatch(/font-weight="bold" font-size="16.00">club</);
    expect(svg).toMatch(/font-style="italic" text-decoration="underline" font-size="14.00">match_id</);
    expect(svg).toMatch(/fill="#d0e0d0"/);
    expect(engine.version()).toMatch(/^studio-erd \(Graphviz \d+\.\d+\.\d+\)$/);
    expect(engine.formats).toEqual(['png', 'svg', 'jpeg', 'pdf']);
  });

  it('makes PNG, JPEG and PDF from its SVG', async () => {
    const png = pngSize(await engine.render(renderInput('erd', LEAGUE, 'png')));
    expect(png.width).toBeGreaterThan(400);
    expect(png.height).toBeGreaterThan(150);
    const jpeg = jpegSize(await engine.render(renderInput('erd', LEAGUE, 'jpeg')));
    expect(jpeg).toEqual(png);
    const pdf = await engine.render(renderInput('erd', LEAGUE, 'pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('shows names and labels with <, ", & and ] as typed, without injecting DOT or HTML', async () => {
    const source =
      '[`Order <Line> & "Co" ]; x -- y [color=red]`] {label: "<b>x</b>"}\n*`id"]>`\n\n[`<TABLE>`]\nname\n\n`Order <Line> & "Co" ]; x -- y [color=red]` 1--* `<TABLE>` {label: "a&amp;b <br/>"}\n';
    const svg = (await engine.render(renderInput('erd', source))).toString('utf8');
    const text = svgText(svg);
    for (const shown of ['Order <Line> & "Co" ]; x -- y [color=red]', ' [<b>x</b>]', 'id"]>', '<TABLE>', ' a&amp;b <br/> ']) expect(text).toContain(shown);
    expect(svg.match(/<g id="node\d+" class="node">/g)).toHaveLength(2);
    expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<b>|<br\/>|stroke="red"/);
  });

  it('reports a parse error with its line', async () => {
    const err = await engine.render(renderInput('erd', '[Person]\n*name\n\nPerson *--1 Location\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).line).toBe(4);
    expect((err as Error).message).toMatch(/^Erd syntax error at line 4: unknown entity 'Location' in relationship/);
  });

  it('parses a huge source in its worker: the server’s event loop stays free', async () => {
    const lines = ['[big]', ...Array.from({ length: 300_000 }, (_, i) => `  column_${i} {label: "int, not null", color: "gray30"}`), 'big 1--1 nowhere'];
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    const err = await engine.render(renderInput('erd', lines.join('\n'))).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect((err as DiagramSyntaxError).line).toBe(300_002);
    // The timer kept firing while the worker parsed (it would not have with parsing on this thread).
    expect(ticks).toBeGreaterThan(Math.min(10, elapsed / 20));
  });
});
