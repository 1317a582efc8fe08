import type { SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { SqliteRemoteResult } from 'drizzle-orm/sqlite-proxy';
import { dialectName } from './dialect';
import type * as schema from './schema';
import { withObjectRows } from './sqlite-async';

/**
 * The database handle or a transaction on it, SQLite or PostgreSQL (client.ts). Queries are awaited
 * builders; `.get()`, `.all()`, `.run()` and `.values()` exist on SQLite's builders only: use
 * `first` and `changed` below instead.
 */
export type Conn = BaseSQLiteDatabase<'async', SqliteRemoteResult, typeof schema>;

/** The first row of a query's answer (add `.limit(1)` when more could match). */
export async function first<T>(query: PromiseLike<T[]>): Promise<T | undefined> {
  return (await query)[0];
}

/** Rows an INSERT, UPDATE or DELETE without RETURNING changed (both drivers report it as rowCount). */
export function changed(result: unknown): number {
  return Number((result as { rowCount?: number | null }).rowCount ?? 0);
}

/** A raw SQL query's rows, as objects keyed by column name, on either database. */
export async function rows<T>(conn: Conn, query: SQL): Promise<T[]> {
  if (dialectName === 'pg') {
    const result = await (conn as unknown as { execute(q: SQL): Promise<{ rows: T[] }> }).execute(query);
    return result.rows;
  }
  return withObjectRows(async () => await conn.all<T>(query));
}

/** Runs a raw SQL statement; the rows it changed. */
export async function execute(conn: Conn, query: SQL): Promise<number> {
  if (dialectName === 'pg') return changed(await (conn as unknown as { execute(q: SQL): Promise<unknown> }).execute(query));
  return changed(await conn.run(query));
}
