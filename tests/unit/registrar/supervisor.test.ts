// Supervisor robustness with a stub engine and a real (temp file) portal database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../../lib/db/client';
import { Engine } from '../../../registrar/engine';
import { Supervisor } from '../../../registrar/supervisor';
import { MemoryTransport } from '../../../registrar/transport/memory';
import { randomBytes } from 'node:crypto';
import { createKeyring } from '../../../lib/secrets/key';

const testKeyring = createKeyring(randomBytes(32));

test('Supervisor: a failing periodic flush is logged, not thrown out of the timer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const engine = { on() {}, start: async () => {}, stop: async () => {} } as unknown as Engine;
  const logs: string[] = [];
  const supervisor = new Supervisor(db.$client, engine, { pollMs: 20, flushMs: 10, log: (m) => logs.push(m), keyring: testKeyring });
  await supervisor.start();
  t.after(() => supervisor.stop(0).catch(() => {}));
  // The trace table is gone: the next flush throws inside the timer.
  db.$client.exec('DROP TABLE registration_traces');
  // A failed exchange: its messages are written (and fail to be).
  supervisor.store.pushTrace({ registrationId: '1', direction: 'out', at: 1, remote: 'r', text: 'x' });
  supervisor.store.pushStatus({
    registrationId: '1', state: 'retrying', code: null, reason: 'timeout', at: 1, attempts: 1, requestedExpires: 60,
    grantedExpires: null, expiresAt: null, nextAttemptAt: 2, target: null, lastSuccessAt: null,
  });
  const deadline = Date.now() + 2000;
  while (!logs.some((l) => l.includes('periodic task failed')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(logs.some((l) => /periodic task failed: .*registration_traces/.test(l)), logs.join('\n'));
});

test('Supervisor: a registration that starts disabled gets its registration_status row', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
  const db = openDatabase(join(dir, 'portal.db'));
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sqlite = db.$client;
  const provider = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier')`).run().lastInsertRowid);
  const insert = sqlite.prepare(
    `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, expires, transport, enabled) VALUES (?, ?, '192.0.2.1', ?, 'pw', 3600, 'udp', ?)`,
  );
  const off = Number(insert.run(provider, 'off', '100', 0).lastInsertRowid);
  // No transport can reach anything: only the start-up statuses matter here.
  const engine = new Engine({ transports: { udp: new MemoryTransport('udp') }, startupSpreadMs: 60_000 });
  const supervisor = new Supervisor(sqlite, engine, { pollMs: 1000, flushMs: 1000, keyring: testKeyring });
  await supervisor.start();
  t.after(() => supervisor.stop(0).catch(() => {}));
  supervisor.store.flush();
  const row = sqlite.prepare('SELECT state FROM registration_status WHERE registration_id = ?').get(off) as { state: string } | undefined;
  assert.equal(row?.state, 'disabled');
});
