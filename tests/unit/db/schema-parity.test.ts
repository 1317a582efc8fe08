// The two schema descriptions (lib/db/schema-sqlite.ts and lib/db/schema-pg.ts) describe the same
// database: the same tables, and in each the same columns (name, kind of value, enum values,
// nullability, default, primary key, uniqueness), indexes and foreign keys. A column or index
// added to one and not the other fails here, before any migration is generated from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { is, type Column, type SQL } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as pg from '../../../lib/db/schema-pg';
import * as lite from '../../../lib/db/schema-sqlite';

const tablesOf = <T>(module: Record<string, unknown>, kind: new (...a: never[]) => T) =>
  new Map(Object.entries(module).filter(([, v]) => is(v, kind as never)) as [string, T][]);

const sqliteTables = tablesOf(lite, SQLiteTable);
const pgTables = tablesOf(pg, PgTable);

/** A column as both dialects can say it; `default` is the literal, or 'sql' for an SQL expression. */
function describeColumn(c: Column) {
  const d = c.default as unknown;
  const isSql = d !== undefined && typeof d === 'object' && d !== null && 'queryChunks' in (d as SQL);
  return {
    kind: c.dataType,
    enum: c.enumValues ?? null,
    notNull: c.notNull,
    // (SQLite marks an INTEGER PRIMARY KEY as defaulted, with no value: the rowid)
    default: c.hasDefault && d !== undefined ? (isSql ? 'sql' : JSON.stringify(d)) : null,
    primary: c.primary,
    unique: c.isUnique,
    // an autoincrementing id (SQLite AUTOINCREMENT, PostgreSQL identity)
    generated: (c as unknown as { autoIncrement?: boolean }).autoIncrement === true || (c as unknown as { generatedIdentity?: unknown }).generatedIdentity !== undefined,
  };
}

type Shape = {
  name: string;
  columns: Record<string, ReturnType<typeof describeColumn>>;
  indexes: string[];
  foreignKeys: string[];
};

function shape(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>): Shape {
  const columns = Object.fromEntries((config.columns as Column[]).map((c) => [c.name, describeColumn(c)]));
  const indexes = (config.indexes as Array<{ config: { name?: string; unique: boolean; columns: unknown[] } }>)
    .map((i) => `${i.config.name}${i.config.unique ? ' unique' : ''} (${i.config.columns.map((c) => (c as Column).name).join(', ')})`)
    .sort();
  const foreignKeys = (config.foreignKeys as Array<{ reference(): { columns: Column[]; foreignColumns: Column[]; foreignTable: unknown } ; onDelete?: string }>)
    .map((fk) => {
      const r = fk.reference();
      const target = is(r.foreignTable, PgTable) ? pgConfig(r.foreignTable as PgTable).name : sqliteConfig(r.foreignTable as SQLiteTable).name;
      return `${r.columns.map((c) => c.name).join(',')} → ${target}(${r.foreignColumns.map((c) => c.name).join(',')}) on delete ${fk.onDelete ?? 'no action'}`;
    })
    .sort();
  return { name: config.name, columns, indexes, foreignKeys };
}

test('both schemas export the same tables', () => {
  assert.deepEqual([...pgTables.keys()].sort(), [...sqliteTables.keys()].sort());
  assert.ok(sqliteTables.size >= 12, `tables found: ${[...sqliteTables.keys()].join(', ')}`);
});

for (const [key, table] of sqliteTables) {
  test(`table ${key}: the same columns, kinds, nullability, defaults, keys, indexes and foreign keys`, () => {
    const other = pgTables.get(key);
    assert.ok(other, `${key} is missing from schema-pg.ts`);
    const a = shape(sqliteConfig(table));
    const b = shape(pgConfig(other));
    assert.equal(b.name, a.name);
    assert.deepEqual(Object.keys(b.columns).sort(), Object.keys(a.columns).sort(), 'columns');
    for (const name of Object.keys(a.columns)) assert.deepEqual(b.columns[name], a.columns[name], `column ${a.name}.${name}`);
    assert.deepEqual(b.indexes, a.indexes, 'indexes');
    assert.deepEqual(b.foreignKeys, a.foreignKeys, 'foreign keys');
  });
}

test('a difference is seen: a column with another default, or nullable on one side only, differs', () => {
  const registrations = shape(sqliteConfig(lite.registrations)).columns;
  const status = shape(pgConfig(pg.registrationStatus)).columns;
  assert.notDeepEqual(registrations.expires, { ...registrations.expires, default: '60' });
  assert.notDeepEqual(status.code, { ...status.code, notNull: true });
});
