// Opens the SQLite database: a private file (0600 in a 0700 directory), WAL mode, migrated.
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { chmodSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeDirectories } from '../fs/make-directories';
import { log as portalLog } from '../log';
import { dialectName } from './dialect';
import { DB_HANDLE, type Db, type DbHandle } from './handle';
import * as schema from './schema';
import { asyncSqlite } from './sqlite-async';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/** Narrows `path` to `mode` when it is wider (owner-only data), saying so. */
function narrow(path: string, mode: number, log: (message: string) => void): void {
  let current: number;
  try {
    current = statSync(path).mode & 0o777;
  } catch {
    return; // not there (e.g. no -shm yet)
  }
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  log(`database: ${path} had mode ${current.toString(8).padStart(4, '0')}; changed to ${mode.toString(8).padStart(4, '0')}`);
}

/** A directory that is ours to narrow: owned by this user and not a shared sticky one like /tmp. */
function ownDirectory(dir: string): boolean {
  const st = statSync(dir);
  return (st.mode & 0o1000) === 0 && (typeof process.getuid !== 'function' || st.uid === process.getuid());
}

/**
 * The data directory 0700 and the database with its -wal and -shm files 0600: they hold session
 * hashes, operators and encrypted SIP passwords. A new directory or file is created private
 * whatever the umask (umask 077 around the creation); existing wider ones are narrowed, with a warning.
 */
function privateDatabase(file: string, log: (message: string) => void): Database.Database {
  const dir = dirname(file);
  const previous = process.umask(0o077);
  let sqlite: Database.Database;
  try {
    makeDirectories(dir, PRIVATE_DIR);
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
  } finally {
    process.umask(previous);
  }
  if (ownDirectory(dir)) narrow(dir, PRIVATE_DIR, log);
  for (const suffix of ['', '-wal', '-shm']) narrow(`${file}${suffix}`, PRIVATE_FILE, log);
  return sqlite;
}

/** Opens (creating if needed, private) and migrates the SQLite database at `path`, in WAL mode. */
export function openSqlite(path: string, log: (message: string) => void = (m) => portalLog.warn(m)): Db {
  const file = resolve(path);
  const sqlite = privateDatabase(file, log);
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  migrate(drizzle(sqlite), { migrationsFolder: join(process.cwd(), 'drizzle') });
  const { db, gate } = asyncSqlite(sqlite, schema);
  const handle: DbHandle = {
    dialect: 'sqlite',
    sqlite,
    gate,
    close: async () => {
      // after the transaction in flight, if any
      await gate.exclusive(async () => sqlite.close());
    },
  };
  return Object.assign(db, { [DB_HANDLE]: handle });
}

/** openSqlite for a process set up for SQLite (dialect.ts: the tables are chosen once, at load). */
export function openSqliteDatabase(path: string, log?: (message: string) => void): Db {
  if (dialectName === 'pg') throw new Error('openDatabase: a SQLite path in a process set up for PostgreSQL (DATABASE_URL)');
  return openSqlite(path, log);
}
