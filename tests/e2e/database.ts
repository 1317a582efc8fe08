// The shared portal's database, as the specs reach it to play the engine (the registrar is off in
// that portal): a SQLite file, or, under `scripts/test.mjs --db pg`, a PostgreSQL database of the
// run's cluster. playwright.config.ts makes it and sets E2E_DATABASE_LOCATION; SQL here runs on both.
import { databaseEnv, rawDb, type RawDb } from '../db';

/** The e2e portal's database: a SQLite path or a postgres:// URL. */
export function e2eDatabaseLocation(): string {
  const location = process.env.E2E_DATABASE_LOCATION;
  if (!location) throw new Error('E2E_DATABASE_LOCATION is not set (playwright.config.ts sets it)');
  return location;
}

/** Runs `fn` on a connection of its own to the e2e portal's database, closed after. */
export async function withE2eDb<T>(fn: (db: RawDb) => Promise<T>): Promise<T> {
  const db = await rawDb(e2eDatabaseLocation());
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export interface WrittenStatus {
  state: string;
  code: number | null;
  reason: string | null;
  at: number;
  attempts: number;
}

/** A registration's status row as the engine writes it (insert or replace, on either database). */
export async function writeStatusRow(db: RawDb, registrationId: number, s: WrittenStatus): Promise<void> {
  await db
    .prepare(
      `INSERT INTO registration_status (registration_id, state, code, reason, at, attempts) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code, reason = excluded.reason, at = excluded.at, attempts = excluded.attempts`,
    )
    .run(registrationId, s.state, s.code, s.reason, s.at, s.attempts);
}

/** A timeline entry (registration_events) as the engine writes one per transition. */
export async function writeEventRow(db: RawDb, registrationId: number, e: Omit<WrittenStatus, 'attempts'>): Promise<void> {
  await db.prepare('INSERT INTO registration_events (registration_id, state, code, reason, at) VALUES (?, ?, ?, ?, ?)').run(registrationId, e.state, e.code, e.reason, e.at);
}

export { databaseEnv };
