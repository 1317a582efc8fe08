// PostgreSQL's side of sql-dialect.ts.
import { sql, type SQLWrapper } from 'drizzle-orm';
import type { DialectSql } from './sql-dialect';

/** node-postgres's DatabaseError fields used here (SQLSTATE, constraint and table). */
interface PgError {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  detail?: unknown;
}

/** The SQLSTATE of a node-postgres error, if `err` is one (drizzle wraps it in `cause`). */
function pgError(err: unknown): PgError | null {
  for (let e = err as (PgError & { cause?: unknown }) | null; e && typeof e === 'object'; e = e.cause as typeof e) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e;
  }
  return null;
}

export const pgSql: DialectSql = {
  likeCi: (expr: SQLWrapper, pattern: string) => sql`${expr} ilike ${pattern} escape '\\'`,
  jsonArrayHas: (column: SQLWrapper, value: string) => sql`jsonb_exists(${column}::jsonb, ${value}::text)`,
  jsonTuples(json: string, width: number) {
    const columns = Array.from({ length: width }, (_, i) => sql.raw(`j.value->>${i} as c${i}`));
    return sql`(select ${sql.join(columns, sql`, `)} from json_array_elements(${json}::json) as j(value))`;
  },
  maxDigits: (column: SQLWrapper) => sql<number | null>`max(case when ${column} ~ '^[0-9]+$' then ${column}::numeric end)`.mapWith(Number),
  lockSkipLocked: () => sql`for update skip locked`,
  lockShared: () => sql`for share`,
  nowMs: () => sql<number>`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`.mapWith(Number),
  constraintViolation(err: unknown) {
    const e = pgError(err);
    if (!e) return null;
    // Named as SQLite's message names it ("registrations.ddi"), from the detail "Key (ddi)=(…) already exists.".
    const columns = /Key \(([^)]*)\)=/.exec(String(e.detail ?? ''))?.[1]?.split(/,\s*/) ?? [];
    const named = columns.map((c) => `${String(e.table ?? '')}.${c}`).join(', ');
    const detail = `${named} (${String(e.constraint ?? '')})`;
    if (e.code === '23503') return { kind: 'foreign_key', detail };
    if (e.code === '23505') return { kind: 'unique', detail };
    return null;
  },
  isBusy: (err: unknown) => {
    const code = pgError(err)?.code;
    return code === '40001' || code === '40P01' || code === '55P03';
  },
};
