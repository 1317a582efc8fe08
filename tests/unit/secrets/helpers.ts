// A temporary, migrated portal database with registrations written by plain SQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db/client';

export function tempDatabase(t: TestContext): Db {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-db-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return db;
}

/** Inserts a registration (under a new provider) with `password` stored as given; returns its id. */
export function insertRegistration(db: Db, username: string, password: string | null): number {
  const sqlite = db.$client;
  const provider = Number(sqlite.prepare('INSERT INTO ddi_providers (name) VALUES (?)').run(`Carrier ${username}`).lastInsertRowid);
  const insert = sqlite.prepare(
    `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password) VALUES (?, ?, 'sip.example.com', ?, ?)`,
  );
  return Number(insert.run(provider, username, `ddi-${username}`, password).lastInsertRowid);
}

export function storedPasswords(db: Db): Map<number, string | null> {
  const rows = db.$client.prepare('SELECT id, password FROM registrations ORDER BY id').all() as { id: number; password: string | null }[];
  return new Map(rows.map((r) => [r.id, r.password]));
}
