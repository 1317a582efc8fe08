// SQLite's side of sql-dialect.ts.
import { sql, type SQLWrapper } from 'drizzle-orm';
import type { DialectSql } from './sql-dialect';

/** The better-sqlite3 SqliteError in `err` (itself, or the cause drizzle wrapped it in). */
function sqliteError(err: unknown): (Error & { code: string }) | null {
  for (let e = err as (Error & { code?: unknown; cause?: unknown }) | null; e && typeof e === 'object'; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) return e as Error & { code: string };
  }
  return null;
}

/** The SQLite error code of a better-sqlite3 SqliteError, if `err` is (or wraps) one. */
export function sqliteCode(err: unknown): string | undefined {
  return sqliteError(err)?.code;
}

export const sqliteSql: DialectSql = {
  likeCi: (expr: SQLWrapper, pattern: string) => sql`${expr} like ${pattern} escape '\\'`,
  jsonArrayHas: (column: SQLWrapper, value: string) => sql`exists (select 1 from json_each(${column}) as d where d.value = ${value})`,
  jsonTuples(json: string, width: number) {
    const columns = Array.from({ length: width }, (_, i) => sql.raw(`json_extract(j.value, '$[${i}]') as c${i}`));
    return sql`(select ${sql.join(columns, sql`, `)} from json_each(${json}) as j)`;
  },
  maxDigits: (column: SQLWrapper) =>
    sql<number | null>`max(case when ${column} <> '' and ${column} not glob '*[^0-9]*' then cast(${column} as integer) end)`,
  lockSkipLocked: () => sql``,
  lockShared: () => sql``,
  nowMs: () => sql<number>`cast(unixepoch('subsec') * 1000 as integer)`,
  constraintViolation(err: unknown) {
    const e = sqliteError(err);
    const code = e?.code;
    const detail = e?.message ?? '';
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return { kind: 'foreign_key', detail };
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return { kind: 'unique', detail };
    return null;
  },
  isBusy: (err: unknown) => sqliteCode(err) === 'SQLITE_BUSY',
};
