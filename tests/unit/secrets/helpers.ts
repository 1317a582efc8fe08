// A temporary, migrated portal database with registrations written by plain SQL.
import type { TestContext } from 'node:test';
import type { Db } from '../../../lib/db/client';
import { rawOf, tempDb } from '../../db';

export async function tempDatabase(t: TestContext): Promise<Db> {
  return (await tempDb(t, 'secrets')).db;
}

/** Inserts a registration (under a new provider) with `password` stored as given; returns its id. */
export async function insertRegistration(db: Db, username: string, password: string | null): Promise<number> {
  const raw = rawOf(db);
  const provider = (await raw.prepare('INSERT INTO ddi_providers (name) VALUES (?)').run(`Carrier ${username}`)).lastInsertRowid;
  const insert = raw.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password) VALUES (?, ?, 'sip.example.com', ?, ?)`);
  return (await insert.run(provider, username, `ddi-${username}`, password)).lastInsertRowid;
}

export async function storedPasswords(db: Db): Promise<Map<number, string | null>> {
  const rows = await rawOf(db).prepare('SELECT id, password FROM registrations ORDER BY id').all<{ id: number; password: string | null }>();
  return new Map(rows.map((r) => [r.id, r.password]));
}
