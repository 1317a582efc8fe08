// The evaluator against a real (temporary) portal database on an injected clock: failing since
// the timeline says so, disabled registrations ignored, flapping silent, one alert however many
// evaluators (two processes, or one restarted) run, each alert and delivery in the audit log.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db/client';
import { evaluateOnce } from '../../../lib/alerts/runner';
import { DEFAULT_RULES } from '../../../lib/alerts/rules';

const T0 = 1_800_000_000_000;
const HOLD = 120_000;

function portalDb(t: TestContext): { db: Db; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'alerts-db-'));
  const path = join(dir, 'portal.db');
  const db = openDatabase(path);
  t.after(() => {
    db.$client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, path };
}

function seed(db: Db, n: number, holdS: number | null = null): number[] {
  const sqlite = db.$client;
  const provider = Number(sqlite.prepare('INSERT INTO ddi_providers (name, alert_hold_s) VALUES (?, ?)').run(`Carrier ${Math.random()}`, holdS).lastInsertRowid);
  const insert = sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, 'sip.test', ?)`);
  const ids = Array.from({ length: n }, (_, i) => Number(insert.run(provider, `u${provider}-${i}`, `${provider}${1000 + i}`).lastInsertRowid));
  for (const id of ids) status(db, id, 'registered', T0 - 3_600_000, T0 + 3_600_000);
  return ids;
}

/** What the engine writes on a transition: the status row and a timeline event. */
function status(db: Db, id: number, state: string, at: number, expiresAt: number | null = null): void {
  const code = state === 'retrying' ? 503 : state === 'rejected' ? 403 : state === 'registered' ? 200 : null;
  db.$client.prepare('INSERT OR REPLACE INTO registration_status (registration_id, state, code, reason, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, state, code, null, at, expiresAt);
  db.$client.prepare('INSERT INTO registration_events (registration_id, state, code, at, expires_at) VALUES (?, ?, ?, ?, ?)').run(id, state, code, at, expiresAt);
}

const evaluate = (db: Db, now: number) => evaluateOnce({ db, holdMs: HOLD, rules: DEFAULT_RULES, now: () => now });
const alerts = (db: Db) => db.$client.prepare('SELECT key, state, count, failing_since AS failingSince FROM alerts ORDER BY id').all() as { key: string; state: string; count: number; failingSince: number }[];

test('failing since its first failure after the last registered, across registering/retrying; one alert, one resolve, audited', (t) => {
  const { db } = portalDb(t);
  const [a] = seed(db, 10);
  db.$client.prepare("INSERT INTO notification_channels (name, kind, config) VALUES ('hook', 'webhook', '{\"url\":\"http://127.0.0.1:9/\"}')").run();
  status(db, a!, 'retrying', T0);
  status(db, a!, 'registering', T0 + 30_000);
  status(db, a!, 'retrying', T0 + 31_000);
  assert.equal(evaluate(db, T0 + 119_000).opened.length, 0);
  const opened = evaluate(db, T0 + 120_000);
  assert.equal(opened.opened.length, 1);
  assert.equal(opened.deliveries, 1);
  assert.deepEqual(alerts(db), [{ key: `registration:${a}`, state: 'open', count: 1, failingSince: T0 }]);
  assert.equal(evaluate(db, T0 + 200_000).opened.length, 0);
  status(db, a!, 'registering', T0 + 300_000);
  assert.equal(evaluate(db, T0 + 301_000).resolved.length, 0, 'registering after a failure is still failing');
  status(db, a!, 'registered', T0 + 302_000, T0 + 3_900_000);
  assert.equal(evaluate(db, T0 + 303_000).resolved.length, 1);
  assert.equal(evaluate(db, T0 + 304_000).resolved.length, 0);
  const audit = db.$client.prepare("SELECT action, actor FROM audit_log WHERE entity_type = 'alert' ORDER BY id").all();
  assert.deepEqual(audit, [{ action: 'open', actor: 'system' }, { action: 'resolve', actor: 'system' }]);
  const deliveries = db.$client.prepare('SELECT event, status FROM notification_deliveries ORDER BY id').all();
  assert.deepEqual(deliveries, [{ event: 'opened', status: 'pending' }, { event: 'resolved', status: 'pending' }]);
});

test('disabled registrations do not alert, and an open alert resolves when its registration is disabled', (t) => {
  const { db } = portalDb(t);
  const [a, b] = seed(db, 10);
  status(db, a!, 'retrying', T0);
  status(db, b!, 'retrying', T0);
  db.$client.prepare('UPDATE registrations SET enabled = 0 WHERE id = ?').run(b);
  evaluate(db, T0 + HOLD);
  assert.deepEqual(alerts(db).map((x) => x.key), [`registration:${a}`]);
  db.$client.prepare('UPDATE registrations SET enabled = 0 WHERE id = ?').run(a);
  assert.equal(evaluate(db, T0 + HOLD + 1000).resolved.length, 1);
});

test('flapping (failing 60 s, registered, failing 60 s …) never alerts; the provider hold time applies', (t) => {
  const { db } = portalDb(t);
  const [a] = seed(db, 10);
  const [b] = seed(db, 10, 30);
  for (let i = 0; i < 20; i++) {
    const at = T0 + i * 70_000;
    status(db, a!, 'retrying', at);
    assert.equal(evaluate(db, at + 59_000).opened.length, 0);
    status(db, a!, 'registered', at + 60_000, at + 3_600_000);
    assert.equal(evaluate(db, at + 65_000).opened.length, 0);
  }
  status(db, b!, 'rejected', T0);
  assert.deepEqual(evaluate(db, T0 + 30_000).opened.map((x) => x.key), [`registration:${b}`]);
});

test('a registered status past its expiresAt (engine dead) is failing since then', (t) => {
  const { db } = portalDb(t);
  const [a] = seed(db, 10);
  status(db, a!, 'registered', T0, T0 + 60_000);
  assert.equal(evaluate(db, T0 + 60_000 + HOLD - 1).opened.length, 0);
  const opened = evaluate(db, T0 + 60_000 + HOLD).opened;
  assert.equal(opened.length, 1);
  assert.match(opened[0]!.summary, /retrying \(expired\)/);
});

test('a provider outage is one alert; two evaluators on one database (or one restarted) open it once', (t) => {
  const { db, path } = portalDb(t);
  const ids = seed(db, 50);
  seed(db, 50);
  const other = openDatabase(path);
  t.after(() => other.$client.close());
  for (const id of ids.slice(0, 20)) status(db, id, 'retrying', T0);
  const first = evaluate(db, T0 + HOLD);
  const second = evaluate(other, T0 + HOLD);
  assert.deepEqual(first.opened.map((x) => x.summary), [expectProvider(db, ids[0]!, 20, 50)]);
  assert.equal(second.opened.length, 0);
  assert.equal(alerts(db).length, 1);
  // a "restart": a fresh evaluation on a new handle decides from the database alone
  const restarted = openDatabase(path);
  t.after(() => restarted.$client.close());
  assert.equal(evaluate(restarted, T0 + HOLD + 60_000).opened.length, 0);
  assert.equal(alerts(db).length, 1);
});

function expectProvider(db: Db, registrationId: number, n: number, total: number): string {
  const { name } = db.$client.prepare('SELECT p.name FROM ddi_providers p JOIN registrations r ON r.ddi_provider_id = p.id WHERE r.id = ?').get(registrationId) as { name: string };
  return `Provider ${name}: ${n} of ${total} enabled registrations failing`;
}
