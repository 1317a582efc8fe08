// The portal's database: openDatabase (SQLite or PostgreSQL) and the process-wide getDb.
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import { dialectName, isPostgresUrl } from './dialect';
import { DB_HANDLE, databaseLocation, type Db, type DbHandle } from './handle';
import { openPostgres } from './postgres';
import * as schema from './schema';
import { openSqliteDatabase } from './sqlite-open';

export { closeDatabase, databaseLocation, DB_HANDLE, dbHandle, type Db, type DbHandle } from './handle';
export { openSqlite } from './sqlite-open';

/**
 * Opens the database `location` names: a postgres:// URL (PostgreSQL, migrated before its first
 * statement runs) or a SQLite file path. The URL's dialect must be this process's (dialect.ts):
 * the tables are chosen once, at load.
 */
export function openDatabase(location: string, log?: (message: string) => void): Db {
  if (!isPostgresUrl(location)) return openSqliteDatabase(location, log);
  if (dialectName !== 'pg') throw new Error('openDatabase: a PostgreSQL URL in a process set up for SQLite (set DATABASE_URL before start)');
  const { db, ready } = openPostgres(location, schema);
  const handle: DbHandle = { dialect: 'pg', ready, close: () => db.$client.end() };
  return Object.assign(db as unknown as SqliteRemoteDatabase<typeof schema>, { [DB_HANDLE]: handle });
}

const holder = globalThis as typeof globalThis & { __portalDb?: Db };

/** The process-wide database handle for the configured DATABASE_URL or DATABASE_PATH. */
export function getDb(): Db {
  holder.__portalDb ??= openDatabase(databaseLocation());
  return holder.__portalDb;
}
