import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { env } from '../env';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Opens (creating if needed) and migrates the SQLite database at `path`, in WAL mode. */
export function openDatabase(path: string): Db {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: join(process.cwd(), 'drizzle') });
  return db as Db;
}

const holder = globalThis as typeof globalThis & { __portalDb?: Db };

/** The process-wide database handle for the configured DATABASE_PATH. */
export function getDb(): Db {
  holder.__portalDb ??= openDatabase(env().DATABASE_PATH);
  return holder.__portalDb;
}
