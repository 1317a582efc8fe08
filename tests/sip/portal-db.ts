// The portal database for the SIP integration tests: a temp database migrated by
// openDatabase() (tests/db.ts), and the portal's writes as plain SQL (each edit also appends to the
// registration_changes journal, in the same transaction, like lib/registrations/service.ts).
import type { TestContext } from 'node:test';
import { waitUntil } from '../deadline';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { newDatabaseLocation, onPostgres, rawOf, type RawDb } from '../db';
import { defer } from './engine-helpers';

export const PASSWORD = 'Sup3r-S3cret-pw';

export interface StatusRow {
  registration_id: number;
  state: string;
  code: number | null;
  reason: string | null;
  granted_expires: number | null;
  expires_at: number | null;
  next_attempt_at: number | null;
  last_success_at: number | null;
  /** When the current state (code, reason, server) began: a refresh in place keeps it. */
  at: number;
}

export interface RegistrationValues {
  username: string;
  ddi: string;
  domain?: string;
  password?: string | null;
  expires?: number;
  transport?: 'udp' | 'tcp' | 'tls';
  enabled?: boolean;
}

/** The portal's writes, as plain SQL: every edit also appends to the journal in the same transaction. */
export class PortalDb {
  private constructor(
    readonly sqlite: RawDb,
    private readonly serverUri: string,
    readonly providerId: number,
  ) {}

  static async create(sqlite: RawDb, serverUri: string): Promise<PortalDb> {
    const providerId = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Test carrier')`).run()).lastInsertRowid;
    return new PortalDb(sqlite, serverUri, providerId);
  }

  create(v: RegistrationValues): Promise<number> {
    return this.sqlite.transaction(async () => {
      const id = (
        await this.sqlite
          .prepare(
            `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, register_server_uri, expires, transport, enabled)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(this.providerId, v.username, v.domain ?? '127.0.0.1', v.ddi, v.password ?? PASSWORD, this.serverUri, v.expires ?? 3600, v.transport ?? 'udp', v.enabled !== false)
      ).lastInsertRowid;
      await this.journal(id);
      return id;
    });
  }

  update(id: number, set: Record<string, string | number | boolean | null>): Promise<void> {
    return this.sqlite.transaction(async () => {
      const cols = Object.keys(set);
      await this.sqlite
        .prepare(`UPDATE registrations SET ${cols.map((c) => `${c} = ?`).join(', ')}, revision = revision + 1, updated_at = ? WHERE id = ?`)
        .run(...cols.map((c) => (c === 'enabled' ? set[c] === true || set[c] === 1 : set[c])), Date.now(), id);
      await this.journal(id);
    });
  }

  delete(id: number): Promise<void> {
    return this.sqlite.transaction(async () => {
      await this.sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
      await this.journal(id);
    });
  }

  async journal(id: number, command: 'sync' | 'register' | 'unregister' | 'watch' = 'sync'): Promise<void> {
    await this.sqlite.prepare('INSERT INTO registration_changes (registration_id, command) VALUES (?, ?)').run(id, command);
  }

  status(id: number): Promise<StatusRow | undefined> {
    return this.sqlite.prepare('SELECT * FROM registration_status WHERE registration_id = ?').get<StatusRow>(id);
  }

  events(id: number): Promise<Array<{ state: string; code: number | null }>> {
    return this.sqlite.prepare('SELECT state, code FROM registration_events WHERE registration_id = ? ORDER BY id').all(id);
  }

  traces(id: number): Promise<Array<{ direction: string; remote: string; text: string }>> {
    return this.sqlite.prepare('SELECT direction, remote, text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id);
  }

  waitState(id: number, state: string, timeoutMs = 3000): Promise<StatusRow | undefined> {
    return waitUntil(`registration ${id} '${state}' in registration_status`, () => this.status(id), (s) => s?.state === state, timeoutMs);
  }
}

/** A temp portal database (migrated; a SQLite file or, under --db pg, a PostgreSQL database), removed after the test. */
export async function tempDatabase(t: TestContext) {
  const { location, drop } = await newDatabaseLocation('registrar');
  const db = openDatabase(location);
  // Closed after whatever the test starts later on it (defer: last registered, first run), so that
  // a supervisor's last journal read and flush at stop still find it open.
  defer(t, async () => {
    await closeDatabase(db);
    await drop();
  });
  const raw = rawOf(db);
  if (onPostgres) await raw.prepare('select 1 as one').get(); // migrated before the test goes on
  return { path: location, db, raw };
}
