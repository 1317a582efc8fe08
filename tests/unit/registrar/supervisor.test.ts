// Supervisor robustness with a stub engine and a real (temp file) portal database.
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawOf, tempDb } from '../../db';
import { Engine } from '../../../registrar/engine';
import { Supervisor } from '../../../registrar/supervisor';
import { MemoryTransport } from '../../../registrar/transport/memory';
import { randomBytes } from 'node:crypto';
import { createKeyring } from '../../../lib/secrets/key';

const testKeyring = createKeyring(randomBytes(32));

test('Supervisor: a failing periodic flush is logged, not thrown out of the timer', async (t) => {
  const { db } = await tempDb(t, 'supervisor');
  const engine = { on() {}, setLeaseGate() {}, open: async () => {}, start: async () => {}, stop: async () => {}, binding: () => null } as unknown as Engine;
  const logs: string[] = [];
  const supervisor = new Supervisor(db, engine, { pollMs: 20, flushMs: 10, log: (m) => logs.push(m), keyring: testKeyring, lease: { nodeId: 'test/node', leaseMs: 15_000 } });
  // Registration 1 exists (this node leases it at start) and its trace table is gone: the next flush throws inside the timer.
  const raw = rawOf(db);
  await raw.prepare(`INSERT INTO ddi_providers (id, name) VALUES (1, 'Carrier')`).run();
  await raw.prepare(`INSERT INTO registrations (id, ddi_provider_id, username, domain, ddi) VALUES (1, 1, 'u', 'example.com', '1')`).run();
  await supervisor.start();
  t.after(() => supervisor.stop(0).catch(() => {}));
  await raw.exec('DROP TABLE registration_traces');
  // A failed exchange: its messages are written (and fail to be).
  supervisor.store.pushTrace({ registrationId: '1', direction: 'out', at: 1, remote: 'r', text: 'x' });
  supervisor.store.pushStatus({
    registrationId: '1', state: 'retrying', code: null, reason: 'timeout', at: 1, attempts: 1, requestedExpires: 60,
    grantedExpires: null, expiresAt: null, nextAttemptAt: 2, target: null, lastSuccessAt: null,
  });
  const deadline = performance.now() + 2000;
  while (!logs.some((l) => l.includes('periodic task failed')) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.ok(logs.some((l) => /periodic task failed: .*registration_traces/.test(l)), logs.join('\n'));
});

test('Supervisor: a registration that starts disabled gets its registration_status row', async (t) => {
  const { db } = await tempDb(t, 'supervisor');
  const sqlite = rawOf(db);
  const provider = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier')`).run()).lastInsertRowid;
  const insert = sqlite.prepare(
    `INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, expires, transport, enabled) VALUES (?, ?, '192.0.2.1', ?, 'pw', 3600, 'udp', ?)`,
  );
  const off = (await insert.run(provider, 'off', '100', false)).lastInsertRowid;
  // No transport can reach anything: only the start-up statuses matter here.
  const engine = new Engine({ transports: { udp: new MemoryTransport('udp') }, startupSpreadMs: 60_000 });
  const supervisor = new Supervisor(db, engine, { pollMs: 1000, flushMs: 1000, keyring: testKeyring, lease: { nodeId: 'test/node', leaseMs: 15_000 } });
  await supervisor.start();
  t.after(() => supervisor.stop(0).catch(() => {}));
  await supervisor.store.flush();
  const row = await sqlite.prepare('SELECT state FROM registration_status WHERE registration_id = ?').get(off) as { state: string } | undefined;
  assert.equal(row?.state, 'disabled');
});
