// StatusStore against a real (temp file) portal database: the batched writes must bind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type Database from 'better-sqlite3';
import { openDatabase } from '../../../lib/db/client';
import type { RegistrationStatus } from '../../../registrar/registration/status';
import { StatusStore } from '../../../registrar/store/status-store';

function status(id: number, state: RegistrationStatus['state'], at: number): RegistrationStatus {
  return {
    registrationId: String(id),
    state,
    code: 200,
    reason: 'OK',
    at,
    attempts: 0,
    requestedExpires: 3600,
    grantedExpires: 120,
    expiresAt: at + 120_000,
    nextAttemptAt: at + 88_000,
    target: '127.0.0.1:5060/udp',
    lastSuccessAt: at,
  };
}

/** A migrated temp database (removed after the test) holding one provider and one registration. */
function databaseWithOneRegistration(t: TestContext): { sqlite: Database.Database; id: number } {
  const dir = mkdtempSync(join(tmpdir(), 'status-store-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sqlite = db.$client;
  const provider = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('p')`).run().lastInsertRowid);
  const id = Number(
    sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, 'alice', 'example.com', '4930')`).run(provider).lastInsertRowid,
  );
  return { sqlite, id };
}

test('StatusStore.flush upserts statuses, appends the timeline and keeps the last N traces', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite, { traceKeep: 3 });
  let flushed = 0;
  store.onFlush = () => flushed++;

  store.pushStatus(status(id, 'registering', 1000));
  store.pushStatus(status(id, 'registered', 2000));
  store.pushStatus(status(id + 1, 'registered', 2000)); // deleted meanwhile: no status row, no error
  for (let i = 0; i < 5; i++) store.pushTrace({ registrationId: String(id), direction: i % 2 ? 'in' : 'out', at: 1000 + i, remote: 'r', text: `m${i}` });
  assert.equal(store.pending, 8);
  store.flush();
  assert.equal(store.pending, 0);
  assert.equal(flushed, 1);

  const row = sqlite.prepare('SELECT state, code, granted_expires, target FROM registration_status WHERE registration_id = ?').get(id);
  assert.deepEqual(row, { state: 'registered', code: 200, granted_expires: 120, target: '127.0.0.1:5060/udp' });
  assert.deepEqual(sqlite.prepare('SELECT count(*) AS n FROM registration_status').get(), { n: 1 });
  const events = sqlite.prepare('SELECT state FROM registration_events WHERE registration_id = ? ORDER BY id').all(id) as Array<{ state: string }>;
  assert.deepEqual(events.map((e) => e.state), ['registering', 'registered']);
  const traces = sqlite.prepare('SELECT text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ text: string }>;
  assert.deepEqual(traces.map((r) => r.text), ['m2', 'm3', 'm4']);

  store.flush(); // nothing queued: no write, no callback
  assert.equal(flushed, 1);
});

test('a deleted registration takes its timeline and traces with it, and late writes leave no orphans', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite);
  store.pushStatus(status(id, 'registered', 1000));
  store.pushTrace({ registrationId: String(id), direction: 'in', at: 1000, remote: 'r', text: 'SIP/2.0 200 OK' });
  store.flush();
  const count = (table: string) => (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE registration_id = ?`).get(id) as { n: number }).n;
  assert.equal(count('registration_events'), 1);
  assert.equal(count('registration_traces'), 1);

  sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
  assert.equal(count('registration_events'), 0);
  assert.equal(count('registration_traces'), 0);

  store.pushStatus(status(id, 'unregistered', 2000));
  store.pushTrace({ registrationId: String(id), direction: 'out', at: 2000, remote: 'r', text: 'REGISTER …' });
  store.flush();
  assert.equal(count('registration_status'), 0);
  assert.equal(count('registration_events'), 0);
  assert.equal(count('registration_traces'), 0);
});
