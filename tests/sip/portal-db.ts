// The portal database for the SIP integration tests: a temp SQLite file migrated by
// openDatabase(), and the portal's writes as plain SQL (each edit also appends to the
// registration_changes journal, in the same transaction, like lib/registrations/service.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../lib/db/client';
import { defer, waitUntil } from './engine-helpers';

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
  readonly providerId: number;

  constructor(
    readonly sqlite: Database.Database,
    private readonly serverUri: string,
  ) {
    this.providerId = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Test carrier')`).run().lastInsertRowid);
  }

  create(v: RegistrationValues): number {
    return this.sqlite.transaction(() => {
      const id = Number(
        this.sqlite
          .prepare(
            `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, register_server_uri, expires, transport, enabled)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(this.providerId, v.username, v.domain ?? '127.0.0.1', v.ddi, v.password ?? PASSWORD, this.serverUri, v.expires ?? 3600, v.transport ?? 'udp', v.enabled === false ? 0 : 1)
          .lastInsertRowid,
      );
      this.journal(id);
      return id;
    })();
  }

  update(id: number, set: Record<string, string | number | null>): void {
    this.sqlite.transaction(() => {
      const cols = Object.keys(set);
      this.sqlite
        .prepare(`UPDATE registrations SET ${cols.map((c) => `${c} = ?`).join(', ')}, revision = revision + 1, updated_at = ? WHERE id = ?`)
        .run(...cols.map((c) => set[c]), Date.now(), id);
      this.journal(id);
    })();
  }

  delete(id: number): void {
    this.sqlite.transaction(() => {
      this.sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
      this.journal(id);
    })();
  }

  journal(id: number, command: 'sync' | 'register' | 'unregister' | 'watch' = 'sync'): void {
    this.sqlite.prepare('INSERT INTO registration_changes (registration_id, command) VALUES (?, ?)').run(id, command);
  }

  status(id: number): StatusRow | undefined {
    return this.sqlite.prepare('SELECT * FROM registration_status WHERE registration_id = ?').get(id) as StatusRow | undefined;
  }

  events(id: number): Array<{ state: string; code: number | null }> {
    return this.sqlite.prepare('SELECT state, code FROM registration_events WHERE registration_id = ? ORDER BY id').all(id) as Array<{ state: string; code: number | null }>;
  }

  traces(id: number): Array<{ direction: string; remote: string; text: string }> {
    return this.sqlite.prepare('SELECT direction, remote, text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ direction: string; remote: string; text: string }>;
  }

  waitState(id: number, state: string, timeoutMs = 3000): Promise<StatusRow | undefined> {
    return waitUntil(`registration ${id} '${state}' in registration_status`, () => this.status(id), (s) => s?.state === state, timeoutMs);
  }
}

/** A temp portal database file (migrated), removed after the test. */
export function tempDatabase(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'registrar-db-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'portal.db');
  const db = openDatabase(path);
  defer(t, () => db.$client.close());
  return { path, db };
}
