// What every database handle is, whatever its dialect, apart from how one is opened (client.ts
// opens SQLite or PostgreSQL; the registrar opens PostgreSQL's only for a postgres:// URL, so that
// pg and drizzle's driver are not loaded by the SQLite default: registrar/main.ts).
import type Database from 'better-sqlite3';
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import { env } from '../env';
import { isPostgresUrl } from './dialect';
import type * as schema from './schema';
import type { SqliteGate } from './sqlite-async';

/**
 * The database: SQLite or PostgreSQL (dialect.ts) behind one asynchronous drizzle interface, typed
 * as SQLite's. Await the query builders (never `.get()`/`.all()`/`.run()`: PostgreSQL has none);
 * conn.ts has the helpers (first row, rows changed, raw SQL).
 */
export type Db = SqliteRemoteDatabase<typeof schema> & { [DB_HANDLE]: DbHandle };

export const DB_HANDLE = Symbol('database handle');

/** What is behind a Db: the dialect, and how to close it. */
export type DbHandle =
  | { dialect: 'sqlite'; sqlite: Database.Database; gate: SqliteGate; close(): Promise<void> }
  | { dialect: 'pg'; ready: Promise<void>; close(): Promise<void> };

export function dbHandle(db: Db): DbHandle {
  return db[DB_HANDLE];
}

/** Closes the database (connections, pool). */
export async function closeDatabase(db: Db): Promise<void> {
  await db[DB_HANDLE].close();
}

/** Where the configured database is: DATABASE_URL when it is a postgres:// URL, else DATABASE_PATH. */
export function databaseLocation(config: { DATABASE_URL?: string; DATABASE_PATH: string } = env()): string {
  return isPostgresUrl(config.DATABASE_URL) ? config.DATABASE_URL : config.DATABASE_PATH;
}
