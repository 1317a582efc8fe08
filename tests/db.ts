// The tests' databases, on the dialect of the run (lib/db/dialect.ts): SQLite files in a temp
// directory, or, under `scripts/test.mjs --db pg` (DATABASE_URL: the run's throwaway cluster,
// tests/pg-cluster.ts), one PostgreSQL database per use, dropped after it. And plain SQL on them
// for checks and seeding (`?` placeholders, rows as objects), the same text on both.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { closeDatabase, dbHandle, openDatabase, type Db } from '../lib/db/client';
import { changed, rows as rawRows, type Conn } from '../lib/db/conn';
import { dialectName, isPostgresUrl } from '../lib/db/dialect';
import '../lib/db/postgres'; // its int8/numeric parsers: numbers on both dialects
import { AsyncStatusStore, type AsyncStatusStoreOptions } from '../registrar/store/async-status-store';
import { StatusStore } from '../registrar/store/status-store';

export const testDialect = dialectName;
export const onPostgres = dialectName === 'pg';

let seq = 0;

/** The cluster's maintenance database (a run under --db pg), for CREATE / DROP DATABASE. */
function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!isPostgresUrl(url)) throw new Error('tests/db.ts: DATABASE_URL is not a postgres:// URL');
  return url;
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A new empty database's location: a SQLite file path in a new temp directory, or the URL of a
 * new PostgreSQL database. `drop` removes it (the directory, or the database, its connections cut).
 */
export async function newDatabaseLocation(prefix = 'test'): Promise<{ location: string; drop: () => Promise<void> }> {
  if (!onPostgres) {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-db-`));
    return { location: join(dir, 'portal.db'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `${prefix.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Date.now()}_${++seq}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`));
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return {
    location: url.toString(),
    drop: () => admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))),
  };
}

/** Drops the database at `location` (a SQLite file with its -wal/-shm, or a PostgreSQL database). */
export async function dropDatabase(location: string): Promise<void> {
  if (!isPostgresUrl(location)) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${location}${suffix}`, { force: true });
    return;
  }
  const name = new URL(location).pathname.slice(1);
  await admin(async (c) => void (await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)));
}

/** A migrated temp database opened through lib/db (closed and removed after the test). */
export async function tempDb(t: TestContext, prefix = 'test'): Promise<{ db: Db; location: string }> {
  const { location, drop } = await newDatabaseLocation(prefix);
  const db = openDatabase(location);
  t.after(async () => {
    await closeDatabase(db);
    await drop();
  });
  if (onPostgres) await rawOf(db).prepare('select 1 as one').get(); // migrated before the test goes on
  return { db, location };
}

/** What a write reports: rows changed, and the id of an inserted row (INSERTs only). */
export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** A statement with `?` placeholders, run asynchronously on either database. */
export interface RawStatement {
  run(...params: unknown[]): Promise<RunResult>;
  get<T = Record<string, unknown>>(...params: unknown[]): Promise<T | undefined>;
  all<T = Record<string, unknown>>(...params: unknown[]): Promise<T[]>;
}

export interface RawDb {
  prepare(text: string): RawStatement;
  /** Runs one statement without parameters (on its own connection, rawDb: several, separated by `;`). */
  exec(text: string): Promise<void>;
  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE on SQLite). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?` placeholders (outside quotes) numbered for PostgreSQL: `$1`, `$2`, … */
export function numbered(text: string): string {
  let n = 0;
  let quoted: string | null = null;
  let out = '';
  for (const ch of text) {
    if (quoted) {
      if (ch === quoted) quoted = null;
    } else if (ch === "'" || ch === '"') {
      quoted = ch;
    } else if (ch === '?') {
      out += `$${++n}`;
      continue;
    }
    out += ch;
  }
  return out;
}

const isInsert = (text: string) => /^\s*insert\b/i.test(text);
/** PostgreSQL has no lastInsertRowid: an INSERT without RETURNING returns the row's id (or seq). */
const withReturning = (text: string) => (isInsert(text) && !/\breturning\b/i.test(text) ? `${text.replace(/;\s*$/, '')} RETURNING *` : text);
const rowId = (row: Record<string, unknown> | undefined) => Number(row?.id ?? row?.seq ?? 0);

/** A boolean as SQLite stores it (1 / 0); PostgreSQL takes it as it is. */
const sqliteValue = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);

/** `text` with its `?` placeholders bound to `params`, as drizzle SQL. */
function bound(text: string, values: unknown[]): SQL {
  const params = onPostgres ? values : values.map(sqliteValue);
  const parts = numbered(text).split(/\$\d+/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => {
    chunks.push(sql.raw(part));
    if (i < parts.length - 1) chunks.push(sql`${params[i]}`);
  });
  return sql.join(chunks);
}

/** Plain SQL over a database opened through lib/db (its connection, its transactions' gate). */
export function rawOf(db: Conn): RawDb {
  const raw: RawDb = {
    prepare: (text) => ({
      async run(...params) {
        if (onPostgres) {
          const result = (await (db as unknown as { execute(q: SQL): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }> }).execute(bound(withReturning(text), params)));
          return { changes: result.rowCount ?? 0, lastInsertRowid: isInsert(text) ? rowId(result.rows[0]) : 0 };
        }
        const result = (await db.run(bound(text, params))) as unknown as { rowCount: number; lastInsertRowid: number };
        return { changes: changed(result), lastInsertRowid: result.lastInsertRowid };
      },
      async get<T>(...params: unknown[]) {
        return (await rawRows<T>(db, bound(text, params)))[0];
      },
      all: <T>(...params: unknown[]) => rawRows<T>(db, bound(text, params)),
    }),
    async exec(text) {
      await raw.prepare(text).run();
    },
    transaction: (fn) => (db as Db).transaction(() => fn(), { behavior: 'immediate' }),
    close: async () => undefined,
  };
  return raw;
}

/** Plain SQL on its own connection to the database at `location` (another process's, e.g. a portal's). */
export async function rawDb(location: string): Promise<RawDb> {
  if (!isPostgresUrl(location)) {
    const sqlite = new Database(location);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    return {
      prepare: (text) => {
        const stmt = () => sqlite.prepare(text);
        return {
          run: async (...params) => {
            const r = stmt().run(...params.map(sqliteValue));
            return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
          },
          get: async <T>(...params: unknown[]) => stmt().get(...params.map(sqliteValue)) as T | undefined,
          all: async <T>(...params: unknown[]) => stmt().all(...params.map(sqliteValue)) as T[],
        };
      },
      exec: async (text) => void sqlite.exec(text),
      async transaction(fn) {
        sqlite.exec('BEGIN IMMEDIATE');
        try {
          const result = await fn();
          sqlite.exec('COMMIT');
          return result;
        } catch (err) {
          sqlite.exec('ROLLBACK');
          throw err;
        }
      },
      close: async () => void sqlite.close(),
    };
  }
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  const query = async (text: string, params: unknown[]) => client.query(numbered(text), params);
  return {
    prepare: (text) => ({
      run: async (...params) => {
        const r = await query(withReturning(text), params);
        return { changes: r.rowCount ?? 0, lastInsertRowid: isInsert(text) ? rowId(r.rows[0]) : 0 };
      },
      get: async <T>(...params: unknown[]) => (await query(text, params)).rows[0] as T | undefined,
      all: async <T>(...params: unknown[]) => (await query(text, params)).rows as T[],
    }),
    exec: async (text) => void (await client.query(text)),
    async transaction(fn) {
      await client.query('BEGIN');
      try {
        const result = await fn();
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    },
    close: () => client.end(),
  };
}

/** The environment that points a portal or engine process at the database at `location`. */
export function databaseEnv(location: string): Record<string, string> {
  return isPostgresUrl(location) ? { DATABASE_URL: location } : { DATABASE_PATH: location };
}

/**
 * A trigger that plays a racing writer: before an insert into registrations of a row matching
 * `when` (a condition on `new.<column>`), it inserts `values` (a VALUES list over `new.<column>`).
 */
export async function createRaceTrigger(raw: RawDb, name: string, when: string, values: string): Promise<void> {
  const insert = `insert into registrations (ddi_provider_id, username, domain, ddi) values (${values})`;
  if (onPostgres) {
    await raw.exec(`create function ${name}() returns trigger language plpgsql as $$ begin if ${when} then ${insert}; end if; return new; end $$`);
    await raw.exec(`create trigger ${name} before insert on registrations for each row execute function ${name}()`);
  } else {
    await raw.exec(`create trigger ${name} before insert on registrations when ${when} begin ${insert}; end`);
  }
}

export async function dropRaceTrigger(raw: RawDb, name: string): Promise<void> {
  await raw.exec(onPostgres ? `drop trigger ${name} on registrations` : `drop trigger ${name}`);
  if (onPostgres) await raw.exec(`drop function ${name}()`);
}

/** The better-sqlite3 connection behind a SQLite Db (tests of SQLite-only parts). */
export function sqliteOf(db: Db): import('better-sqlite3').Database {
  const handle = dbHandle(db);
  if (handle.dialect !== 'sqlite') throw new Error('sqliteOf: not a SQLite database');
  return handle.sqlite;
}

/** Skips a SQLite-only test under --db pg, saying why. */
export const sqliteOnly = (why: string) => ({ skip: onPostgres ? `SQLite only: ${why}` : false });

/** The status store the supervisor would use on `db`: SQLite's (inline here) or the asynchronous one (PostgreSQL). */
export function statusStoreFor(db: Db, options: AsyncStatusStoreOptions = {}): StatusStore | AsyncStatusStore {
  const handle = dbHandle(db);
  return handle.dialect === 'sqlite' ? new StatusStore(handle.sqlite, options) : new AsyncStatusStore(db, options);
}
