// SQLite behind the asynchronous interface the code shares with PostgreSQL: drizzle's sqlite-proxy
// driver over one better-sqlite3 connection. A connection holds one transaction at a time, and an
// asynchronous transaction spans awaits, so every statement goes through a gate: while a
// transaction is open, only the statements of its own asynchronous context (AsyncLocalStorage)
// run; everyone else's wait until it commits or rolls back. Without the gate another request's
// statement would slip into the open transaction (and be rolled back with it).
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { drizzle, type AsyncRemoteCallback, type SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';

type Method = 'run' | 'all' | 'values' | 'get';

/**
 * Set around raw queries (conn.ts `rows`): their rows come as objects, column by name. One per
 * process (on globalThis): the portal's server bundle creates the connection and Next's route
 * bundles, with their own copy of this module, run queries on it.
 */
const shared = globalThis as typeof globalThis & { __dbObjectRows?: AsyncLocalStorage<boolean>; __dbObjectRowsActive?: { n: number } };
const objectRows = (shared.__dbObjectRows ??= new AsyncLocalStorage<boolean>());
const objectRowsActive = (shared.__dbObjectRowsActive ??= { n: 0 });

export function withObjectRows<T>(fn: () => Promise<T>): Promise<T> {
  return runCounted(objectRows, objectRowsActive, true, fn);
}

/**
 * `storage.run(store, fn)`, and `storage.disable()` once no run of it is in progress. On Node 20 an
 * AsyncLocalStorage that has run once keeps the process's async hooks on: every promise then pays
 * an init and before/after hook (measured in the registrar: ≈ 7 % of its event loop's CPU during a
 * 10,000 burst, after the start-up's one transaction). The next run enables it again.
 */
async function runCounted<S, T>(storage: AsyncLocalStorage<S>, active: { n: number }, store: S, fn: () => Promise<T>): Promise<T> {
  active.n++;
  try {
    return await storage.run(store, fn);
  } finally {
    if (--active.n === 0) storage.disable();
  }
}

/** Statements prepared so far, by SQL text (drizzle builds the same text for the same query shape). */
const STATEMENT_CACHE_MAX = 1000;

export interface SqliteGate {
  /** Runs `fn` alone on the connection: no statement of another context runs until it settles. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

export function asyncSqlite<S extends Record<string, unknown>>(
  sqlite: Database.Database,
  schema: S,
): { db: SqliteRemoteDatabase<S>; gate: SqliteGate } {
  const statements = new Map<string, Database.Statement>();
  const holder = new AsyncLocalStorage<symbol>();
  const holderActive = { n: 0 };
  let owner: symbol | null = null;
  let queue: Promise<void> = Promise.resolve();

  const prepare = (text: string): Database.Statement => {
    let stmt = statements.get(text);
    if (!stmt) {
      if (statements.size >= STATEMENT_CACHE_MAX) statements.clear();
      stmt = sqlite.prepare(text);
      statements.set(text, stmt);
    }
    return stmt;
  };

  const execute = (text: string, values: unknown[], method: Method) => {
    const stmt = prepare(text);
    // A boolean in raw SQL (`${true}`) as SQLite stores it; the schema's boolean columns map theirs already.
    const params = values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
    if (method === 'run' || !stmt.reader) {
      const r = stmt.run(...params);
      return { rows: [], rowCount: r.changes, changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    }
    stmt.raw(!objectRows.getStore());
    if (method === 'get') return { rows: stmt.get(...params) };
    return { rows: stmt.all(...params) };
  };

  const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
    const previous = queue;
    let release!: () => void;
    queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    const token = Symbol('transaction');
    owner = token;
    try {
      return await runCounted(holder, holderActive, token, fn);
    } finally {
      owner = null;
      release();
    }
  };

  const client = async (text: string, params: unknown[], method: Method) => {
    const mine = owner !== null && holder.getStore() === owner;
    if (owner === null || mine) return execute(text, params, method);
    // Someone else's transaction is open: wait for the connection to be free, then run alone.
    return exclusive(async () => execute(text, params, method));
  };

  const db = drizzle(client as AsyncRemoteCallback, { schema });
  const begin = db.transaction.bind(db);
  // Transactions take the gate for their whole span (nested ones are savepoints inside it).
  db.transaction = ((fn: Parameters<typeof begin>[0], config?: Parameters<typeof begin>[1]) => {
    if (owner !== null && holder.getStore() === owner) return begin(fn, config);
    return exclusive(() => begin(fn, config));
  }) as typeof db.transaction;
  return { db, gate: { exclusive } };
}
