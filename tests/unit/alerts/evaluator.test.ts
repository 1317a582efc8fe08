// The evaluator against a real (temporary) portal database on an injected clock: failing since
// the timeline says so, disabled registrations ignored, flapping silent, one alert however many
// evaluators (two processes, or one restarted) run, each alert and delivery in the audit log.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { closeDatabase, openDatabase, type Db } from '../../../lib/db/client';
import { rawOf, tempDb } from '../../db';
import { evaluateOnce } from '../../../lib/alerts/runner';
import { DEFAULT_RULES } from '../../../lib/alerts/rules';

const T0 = 1_800_000_000_000;
const HOLD = 120_000;

async function portalDb(t: TestContext): Promise<{ db: Db; path: string }> {
  const { db, location } = await tempDb(t, 'alerts');
  return { db, path: location };
}

async function seed(db: Db, n: number, holdS: number | null = null): Promise<number[]> {
  const sqlite = rawOf(db);
  const provider = (await sqlite.prepare('INSERT INTO ddi_providers (name, alert_hold_s) VALUES (?, ?)').run(`Carrier ${Math.random()}`, holdS)).lastInsertRowid;
  const insert = sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, 'sip.test', ?)`);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await insert.run(provider, `u${provider}-${i}`, `${provider}${1000 + i}`)).lastInsertRowid);
  for (const id of ids) await status(db, id, 'registered', T0 - 3_600_000, T0 + 3_600_000);
  return ids;
}

/** What the engine writes on a transition: the status row and a timeline event. */
async function status(db: Db, id: number, state: string, at: number, expiresAt: number | null = null): Promise<void> {
  const code = state === 'retrying' ? 503 : state === 'rejected' ? 403 : state === 'registered' ? 200 : null;
  const sqlite = rawOf(db);
  await sqlite
    .prepare(
      `INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code, reason = excluded.reason, at = excluded.at, expires_at = excluded.expires_at`,
    )
    .run(id, state, code, null, at, expiresAt);
  await sqlite.prepare('INSERT INTO registration_events (registration_id, state, code, at, expires_at) VALUES (?, ?, ?, ?, ?)').run(id, state, code, at, expiresAt);
}

const evaluate = (db: Db, now: number) => evaluateOnce({ db, holdMs: HOLD, rules: DEFAULT_RULES, now: () => now });
const alerts = async (db: Db) =>
  (await rawOf(db).prepare('SELECT key, state, count, failing_since AS "failingSince" FROM alerts ORDER BY id').all()) as { key: string; state: string; count: number; failingSince: number }[];

test('failing since its first failure after the last registered, across registering/retrying; one alert, one resolve, audited', async (t) => {
  const { db } = await portalDb(t);
  const [a] = await seed(db, 10);
  await rawOf(db).prepare("INSERT INTO notification_channels (name, kind, config) VALUES ('hook', 'webhook', '{\"url\":\"http://127.0.0.1:9/\"}')").run();
  await status(db, a!, 'retrying', T0);
  await status(db, a!, 'registering', T0 + 30_000);
  await status(db, a!, 'retrying', T0 + 31_000);
  assert.equal((await evaluate(db, T0 + 119_000)).opened.length, 0);
  const opened = await evaluate(db, T0 + 120_000);
  assert.equal(opened.opened.length, 1);
  assert.equal(opened.deliveries, 1);
  assert.deepEqual(await alerts(db), [{ key: `registration:${a}`, state: 'open', count: 1, failingSince: T0 }]);
  assert.equal((await evaluate(db, T0 + 200_000)).opened.length, 0);
  await status(db, a!, 'registering', T0 + 300_000);
  assert.equal((await evaluate(db, T0 + 301_000)).resolved.length, 0, 'registering after a failure is still failing');
  await status(db, a!, 'registered', T0 + 302_000, T0 + 3_900_000);
  assert.equal((await evaluate(db, T0 + 303_000)).resolved.length, 1);
  assert.equal((await evaluate(db, T0 + 304_000)).resolved.length, 0);
  const audit = await rawOf(db).prepare("SELECT action, actor FROM audit_log WHERE entity_type = 'alert' ORDER BY id").all();
  assert.deepEqual(audit, [{ action: 'open', actor: 'system' }, { action: 'resolve', actor: 'system' }]);
  const deliveries = await rawOf(db).prepare('SELECT event, status FROM notification_deliveries ORDER BY id').all();
  assert.deepEqual(deliveries, [{ event: 'opened', status: 'pending' }, { event: 'resolved', status: 'pending' }]);
});

test('disabled registrations do not alert, and an open alert resolves when its registration is disabled', async (t) => {
  const { db } = await portalDb(t);
  const [a, b] = await seed(db, 10);
  await status(db, a!, 'retrying', T0);
  await status(db, b!, 'retrying', T0);
  await rawOf(db).prepare('UPDATE registrations SET enabled = ? WHERE id = ?').run(false, b);
  await evaluate(db, T0 + HOLD);
  assert.deepEqual((await alerts(db)).map((x) => x.key), [`registration:${a}`]);
  await rawOf(db).prepare('UPDATE registrations SET enabled = ? WHERE id = ?').run(false, a);
  assert.equal((await evaluate(db, T0 + HOLD + 1000)).resolved.length, 1);
});

test('flapping (failing 60 s, registered, failing 60 s …) never alerts; the provider hold time applies', async (t) => {
  const { db } = await portalDb(t);
  const [a] = await seed(db, 10);
  const [b] = await seed(db, 10, 30);
  for (let i = 0; i < 20; i++) {
    const at = T0 + i * 70_000;
    await status(db, a!, 'retrying', at);
    assert.equal((await evaluate(db, at + 59_000)).opened.length, 0);
    await status(db, a!, 'registered', at + 60_000, at + 3_600_000);
    assert.equal((await evaluate(db, at + 65_000)).opened.length, 0);
  }
  await status(db, b!, 'rejected', T0);
  assert.deepEqual((await evaluate(db, T0 + 30_000)).opened.map((x) => x.key), [`registration:${b}`]);
});

test('a registered status past its expiresAt (engine dead) is failing since then', async (t) => {
  const { db } = await portalDb(t);
  const [a] = await seed(db, 10);
  await status(db, a!, 'registered', T0, T0 + 60_000);
  assert.equal((await evaluate(db, T0 + 60_000 + HOLD - 1)).opened.length, 0);
  const opened = (await evaluate(db, T0 + 60_000 + HOLD)).opened;
  assert.equal(opened.length, 1);
  assert.match(opened[0]!.summary, /retrying \(expired\)/);
});

test('a provider outage is one alert; two evaluators on one database (or one restarted) open it once', async (t) => {
  const { db, path } = await portalDb(t);
  const ids = await seed(db, 50);
  await seed(db, 50);
  const other = openDatabase(path);
  t.after(() => closeDatabase(other));
  for (const id of ids.slice(0, 20)) await status(db, id, 'retrying', T0);
  const first = await evaluate(db, T0 + HOLD);
  const second = await evaluate(other, T0 + HOLD);
  assert.deepEqual(first.opened.map((x) => x.summary), [await expectProvider(db, ids[0]!, 20, 50)]);
  assert.equal(second.opened.length, 0);
  assert.equal((await alerts(db)).length, 1);
  // a "restart": a fresh evaluation on a new handle decides from the database alone
  const restarted = openDatabase(path);
  t.after(() => closeDatabase(restarted));
  assert.equal((await evaluate(restarted, T0 + HOLD + 60_000)).opened.length, 0);
  assert.equal((await alerts(db)).length, 1);
});

async function expectProvider(db: Db, registrationId: number, n: number, total: number): Promise<string> {
  const { name } = (await rawOf(db).prepare('SELECT p.name FROM ddi_providers p JOIN registrations r ON r.ddi_provider_id = p.id WHERE r.id = ?').get(registrationId)) as { name: string };
  return `Provider ${name}: ${n} of ${total} enabled registrations failing`;
}
