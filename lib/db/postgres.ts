// PostgreSQL (DATABASE_URL=postgres://…) through drizzle's node-postgres driver: a pool, the
// migrations of drizzle-pg/ applied at start (under an advisory lock, so that a portal and engines
// starting together apply them once), and the statements of the pool held back until they are.
import { join } from 'node:path';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import pg from 'pg';

// int8 (bigint columns: times in ms, count(*)) and numeric as JavaScript numbers: every value the
// schema keeps is below 2^53, and the SQLite side answers numbers too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

/** pg_advisory_lock keys of the application (any 64-bit values, fixed). */
export const LOCK_MIGRATE = 0x6464_6901;
/** Held by every write transaction: one writer at a time, as SQLite's BEGIN IMMEDIATE. */
export const LOCK_WRITE = 0x6464_6902;

/** A pool whose statements wait for `ready` (the migrations) first. */
class MigratedPool extends pg.Pool {
  ready: Promise<void> = Promise.resolve();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return this.ready.then(() => (super.query as any)(...args));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override connect(...args: any[]): any {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return this.ready.then(() => (super.connect as any)(...args));
  }
}

async function applyMigrations(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_MIGRATE]);
    await migrate(drizzle(client), { migrationsFolder: join(process.cwd(), 'drizzle-pg') });
  } finally {
    await client.end();
  }
}

export interface PostgresHandle<S extends Record<string, unknown>> {
  db: NodePgDatabase<S> & { $client: pg.Pool };
  /** Settles when the migrations are applied (statements wait for it anyway); rejects when they failed. */
  ready: Promise<void>;
}

export function openPostgres<S extends Record<string, unknown>>(url: string, schema: S, poolSize = 10): PostgresHandle<S> {
  // application_name: which process a connection is (pg_stat_activity; tests/api/races.test.ts tells the portals apart by it).
  const pool = new MigratedPool({ connectionString: url, max: poolSize, application_name: `ddi-registrations ${process.pid}` });
  const ready = applyMigrations(url);
  pool.ready = ready;
  // A failed migration fails every statement (and `ready`); the rejection is not left unhandled.
  ready.catch(() => undefined);
  // An idle connection the server ended (a restart, a database dropped by a test) is not an error
  // of any query: the pool replaces it. Without a listener it would crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  const begin = db.transaction.bind(db);
  // This process's transactions queue here, in order, before they take a pooled connection: they
  // would wait for LOCK_WRITE one after the other anyway, and waiting here keeps the pool free for
  // reads (and keeps the order of arrival, as SQLite's gate does).
  let queue: Promise<unknown> = Promise.resolve();
  // Every transaction writes alone (LOCK_WRITE), as on SQLite: the read-check-write sequences of the
  // services (revision checks, uniqueness checks before an insert) stay race-free under READ COMMITTED.
  db.transaction = ((fn: Parameters<typeof begin>[0]) => {
    const run = queue.then(() =>
      begin(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${LOCK_WRITE})`);
        return fn(tx);
      }),
    );
    queue = run.catch(() => undefined);
    return run;
  }) as typeof db.transaction;
  return { db: db as PostgresHandle<S>['db'], ready };
}
