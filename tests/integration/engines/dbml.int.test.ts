import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../../../shared/examples.js';
import { buildApp, type BuiltApp } from '../../../server/app.js';
import { loadConfig } from '../../../server/config.js';
import { dbml } from '../../../server/engines/dbml/index.js';
import { DiagramSyntaxError } from '../../../server/errors.js';
import { testContext } from '../../helpers/context.js';
import { expectSvg, pngSize, renderInput } from '../../helpers/picture-checks.js';

const ctx = testContext();
const engine = ctx.engine(dbml);
let app: BuiltApp | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'studio-dbml-'));

afterAll(async () => {
  await app?.close();
  await engine.stop();
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

const SHOP = `Project shop { database_type: 'PostgreSQL' }

Enum order_status {
  created
  shipped [note: 'on its way']
}

Table users {
  id integer [pk, increment]
  email varchar [unique, not null]
  created_at timestamp [default: \`now()\`]
  Note: 'People who buy'
}

Table orders {
  id integer [pk]
  user_id integer [ref: > users.id]
  status order_status
}

TableGroup sales {
  orders
}
`;

const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

describe('dbml engine', () => {
  it('declares its formats and the library version', () => {
    expect(engine.types).toEqual(['dbml']);
    expect(engine.formats).toEqual(['svg', 'png']);
    expect(engine.version()).toMatch(/^\d+\.\d+/);
  });

  it('renders tables, columns, types, enums and groups to SVG', async () => {
    const text = expectSvg(await engine.render(renderInput('dbml', SHOP)));
    for (const label of ['users', 'email', 'varchar', 'timestamp', 'orders', 'user_id', 'order_status', 'shipped', 'sales']) expect(text).toContain(label);
  });

  it('renders the gallery example', async () => {
    const example = EXAMPLES.find((e) => e.type === 'dbml')!;
    const text = expectSvg(await engine.render(renderInput('dbml', example.source)));
    for (const label of ['users', 'documents', 'owner_id', 'integer', 'varchar', 'source', 'text']) expect(text).toContain(label);
  });

  it('converts to PNG', async () => {
    const size = pngSize(await engine.render(renderInput('dbml', SHOP, 'png')));
    expect(size.width).toBeGreaterThan(300);
    expect(size.height).toBeGreaterThan(150);
    expect(size.width).toBeLessThan(5000);
  });

  it('reports a parse error with its line', async () => {
    const src = 'Table users {\n  id integer [primary key]\n  name varchar\n}\n\nTabel documents {\n  id integer\n}\n';
    const err = await failure(engine.render(renderInput('dbml', src)));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as DiagramSyntaxError).status).toBe(400);
    expect((err as DiagramSyntaxError).line).toBe(6);
    expect((err as Error).message).toMatch(/^Could not parse input at line 6:1\./);
  });

  it('reports a reference to a missing column (no line: the library gives none)', async () => {
    const err = await failure(engine.render(renderInput('dbml', 'Table a {\n  id int\n}\nTable b {\n  a_id int [ref: > a.nope]\n}\n')));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toBe('Column nope does not exist in table a');
    expect((err as DiagramSyntaxError).line).toBeUndefined();
  });

  it('cannot read files through the Graphviz it generates (its file system is in memory)', async () => {
    // A real PNG on disk; DBML settings reach the DOT unescaped, so they can name it.
    const png = path.join(dir, 'dot.png');
    writeFileSync(png, Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'));
    const viaLabel = `Table a [headercolor: '#fff"><IMG SRC="${png}"/></TD></TR><TR><TD BGCOLOR="#fff'] {\n  id int\n}\n`;
    const err = await failure(engine.render(renderInput('dbml', viaLabel)));
    expect(err).toBeInstanceOf(DiagramSyntaxError);
    expect((err as Error).message).toMatch(/No or improper image file/);
    const viaAttribute = `TableGroup g [color: 'red"; image="${png}'] {\n  a\n}\nTable a {\n  id int\n}\n`;
    const svg = (await engine.render(renderInput('dbml', viaAttribute))).toString();
    expectSvg(svg);
    expect(svg).not.toMatch(/<image/);
  });

  it('is stopped by the time limit without blocking the event loop; the next render works', async () => {
    // 100 tables with 3 references each: ~40 s of Graphviz layout.
    const n = 100;
    const ref = (i: number, k: number, c: string) => `${c} int [ref: > t${(i * k + 3) % n}.id]`;
    const slow = Array.from({ length: n }, (_, i) => `Table t${i} {\n  id int [pk]\n  ${ref(i, 7, 'a')}\n  ${ref(i, 13, 'b')}\n  ${ref(i, 31, 'c')}\n}`).join(
      '\n',
    );
    const restartsBefore = ctx.restarts.length;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const t0 = Date.now();
    const err = await failure(engine.render(renderInput('dbml', slow, 'svg', { signal: AbortSignal.timeout(800) })));
    clearInterval(timer);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((err as Error).name).toBe('TimeoutError');
    expect(ticks).toBeGreaterThan(30);
    expect(ctx.restarts.length).toBe(restartsBefore + 1);
    expect(expectSvg(await engine.render(renderInput('dbml', 'Table after {\n  id int\n}')))).toContain('after');
  });

  it('renders through HTTP with the engine header', async () => {
    app = await buildApp(loadConfig({ STUDIO_PRELOAD: 'none', LOG_LEVEL: 'silent' }), { logger: false });
    const res = await app.inject({ method: 'POST', url: '/dbml/svg', payload: SHOP, headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-studio-engine']).toBe('dbml');
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(expectSvg(res.body)).toContain('order_status');
  });
});
