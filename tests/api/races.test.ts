// Uniqueness under real concurrency. One portal process cannot race itself: better-sqlite3 is
// synchronous, so the check-then-insert of one request runs whole before the next request's.
// Here two portal processes share one database file, and each race starts while this test holds
// SQLite's write lock (BEGIN IMMEDIATE on its own connection): it is released only once both
// portals are stuck waiting for it (their event loops block in the busy handler, so a health
// probe goes unanswered until the release), and their transactions then start at the same moment.
// What keeps the answers right is each write's check-then-insert in one IMMEDIATE transaction
// (lib/registrations/service.ts, lib/ddi-providers/service.ts): with a deferred one, a portal
// whose read must become a write while another holds the lock gets SQLITE_BUSY at once (500),
// and these tests fail (the one-process version passed that way). The UNIQUE indexes behind
// the checks are tested by the last test, where a trigger writes between the check and the insert.
// On PostgreSQL (--db pg) the portals' event loops do not block: what every write transaction
// waits for there is the advisory lock LOCK_WRITE (lib/db/postgres.ts), which this test holds
// instead, releasing it once pg_locks shows a transaction of each portal waiting for it (a
// portal's further transactions queue behind its first, in the process), told apart by the
// application_name of their connections.
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { errorBodySchema } from '../../lib/api/contracts';
import { LOCK_WRITE } from '../../lib/db/postgres';
import { createRaceTrigger, dropRaceTrigger, onPostgres } from '../db';
import { sleep, waitUntil } from '../deadline';
import { openSqlite, startServer, useServer, type ApiResponse, type StartedServer, type TestServer } from './server';

let twin: StartedServer | undefined;
// Registered before useServer's hook: the second portal stops first, leaving the database to the first.
after(async () => {
  if (!twin) return;
  try {
    twin.ledger.assertNoLeaks(twin.output());
  } finally {
    await twin.stop({ keepDatabase: true });
  }
});
const server = useServer();
let providerId: number;

before(async () => {
  const first = await server.ready();
  twin = await startServer({}, { dbPath: first.dbPath });
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Race Carrier' } });
  providerId = res.body.id;
});

/** Resolves once `portal` no longer answers a health probe within 300 ms (blocked on the lock), with that probe. */
async function blockedProbe(portal: TestServer, name: string, deadline: number, answers: () => string): Promise<{ answeredAt: Promise<number> }> {
  for (;;) {
    const probe = fetch(`${portal.baseUrl}/api/health`).then(async (res) => {
      await res.arrayBuffer();
      return performance.now();
    });
    const answered = await Promise.race([probe.then(() => true), sleep(300).then(() => false)]);
    if (!answered) return { answeredAt: probe };
    if (performance.now() > deadline) throw new Error(`${name} never waited for the held write lock (answers so far: ${answers()})`);
  }
}

/**
 * Runs `calls` (on portal 1 or 2) as one race: sent while this test holds the write lock, which is
 * released once both portals wait for it. Asserts that both did wait (their probes answer only after
 * the release), then returns the responses in the order of `calls`.
 */
async function race(calls: Array<[portal: 1 | 2, call: (s: TestServer) => Promise<ApiResponse<any>>]>): Promise<ApiResponse<any>[]> {
  if (onPostgres) return racePg(calls);
  const lock = await openSqlite(server.dbPath);
  await lock.exec('BEGIN IMMEDIATE');
  let releasedAt = 0;
  let released = false;
  try {
    const answered: string[] = [];
    const responses = Promise.all(
      calls.map(([portal, call]) => call(portal === 1 ? server : twin!).then((r) => (answered.push(`portal ${portal}: ${r.status} ${r.text.slice(0, 100)}`), r))),
    );
    const answers = () => answered.join('; ') || 'none';
    // Well within the portals' busy_timeout (5 s), after which they would give up with 500.
    const deadline = performance.now() + 2500;
    const probes = [await blockedProbe(server, 'portal 1', deadline, answers), await blockedProbe(twin!, 'portal 2', deadline, answers)];
    releasedAt = performance.now();
    await lock.exec('ROLLBACK');
    released = true;
    const answeredAt = await Promise.all(probes.map((p) => p.answeredAt));
    answeredAt.forEach((at, i) => assert.ok(at >= releasedAt, `portal ${i + 1} answered its probe ${releasedAt - at} ms before the release: it was not waiting`));
    return await responses;
  } finally {
    if (!released) await lock.exec('ROLLBACK');
    await lock.close();
  }
}

/** `race` on PostgreSQL: the same, with LOCK_WRITE held and the waiters seen in pg_locks. */
async function racePg(calls: Array<[portal: 1 | 2, call: (s: TestServer) => Promise<ApiResponse<any>>]>): Promise<ApiResponse<any>[]> {
  const lock = new pg.Client({ connectionString: server.dbPath });
  await lock.connect();
  let held = false;
  try {
    await lock.query('select pg_advisory_lock($1)', [LOCK_WRITE]);
    held = true;
    const answered: string[] = [];
    const responses = Promise.all(
      calls.map(([portal, call]) => call(portal === 1 ? server : twin!).then((r) => (answered.push(`portal ${portal}: ${r.status} ${r.text.slice(0, 100)}`), r))),
    );
    // Both portals have a transaction waiting for the lock (a portal's other transactions queue
    // behind its own, in the process: lib/db/postgres.ts), and nobody has answered.
    const portals = new Set(calls.map(([portal]) => portal)).size;
    const waiting = await waitUntil(
      `a transaction of each of the ${portals} portals waiting for the held write lock (answers so far: ${answered.join('; ') || 'none'})`,
      async () =>
        (
          await lock.query<{ app: string }>(
            `select a.application_name as app from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where l.locktype = 'advisory' and not l.granted and l.database = (select oid from pg_database where datname = current_database())`,
          )
        ).rows,
      (rows) => new Set(rows.map((r) => r.app)).size >= portals,
      5000,
    );
    assert.equal(new Set(waiting.map((w) => w.app)).size, portals, 'both portals wait');
    assert.equal(answered.length, 0, `answered before the release: ${answered.join('; ')}`);
    await lock.query('select pg_advisory_unlock($1)', [LOCK_WRITE]);
    held = false;
    return await responses;
  } finally {
    if (held) await lock.query('select pg_advisory_unlock($1)', [LOCK_WRITE]);
    await lock.end();
  }
}

const post = (json: Record<string, unknown>) => (s: TestServer) => s.api('/api/registrations', { method: 'POST', json });
describe('uniqueness under concurrency: two portal processes on one database', () => {
  test('two concurrent POSTs with the same DDI: exactly one 201, the other 409 fields.ddi', async () => {
    for (let round = 0; round < 5; round++) {
      const ddi = `+3470000${round}`;
      const results = await race([
        [1, post({ ddiProviderId: providerId, username: `race-a-${round}`, domain: 'sip.race.example', ddi })],
        [2, post({ ddiProviderId: providerId, username: `race-b-${round}`, domain: 'sip.race.example', ddi })],
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409], results.map((r) => r.text).join('\n'));
      const winner = results.find((r) => r.status === 201)!;
      const loser = errorBodySchema.parse(results.find((r) => r.status === 409)!.body);
      assert.equal(loser.error.code, 'conflict');
      assert.equal(loser.error.fields!.ddi, `DDI ${ddi} is already used by registration #${winner.body.id} of provider "Race Carrier".`);
    }
  });

  test('two concurrent POSTs with the same username+domain: one 201, one 409 fields.username', async () => {
    const results = await race([
      [1, post({ ddiProviderId: providerId, username: 'same-account', domain: 'sip.race.example', ddi: '+3471000001' })],
      [2, post({ ddiProviderId: providerId, username: 'same-account', domain: 'SIP.RACE.EXAMPLE', ddi: '+3471000002' })],
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    const loser = errorBodySchema.parse(results.find((r) => r.status === 409)!.body);
    assert.match(loser.error.fields!.username!, /same-account at domain sip\.race\.example is already used by registration #\d+/);
  });

  test('a burst of 10 POSTs (5 to each portal) for one DDI yields one 201 and nine 409s, and one journal row', async () => {
    const results = await race(
      Array.from({ length: 10 }, (_, i) => [i % 2 === 0 ? 1 : 2, post({ ddiProviderId: providerId, username: `burst-${i}`, domain: 'sip.race.example', ddi: '+3472000000' })] as const),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 9, statuses.join(','));
    const db = await openSqlite(server.dbPath);
    const n = ((await db.prepare("select count(*) as n from registration_changes c join registrations r on r.id = c.registration_id where r.ddi = '+3472000000'").get()) as { n: number }).n;
    await db.close();
    assert.equal(n, 1);
  });

  test('concurrent PATCHes to the same DDI: one 200, one 409', async () => {
    const a = await post({ ddiProviderId: providerId, username: 'patch-a', domain: 'sip.race.example', ddi: '+3473000001' })(server);
    const b = await post({ ddiProviderId: providerId, username: 'patch-b', domain: 'sip.race.example', ddi: '+3473000002' })(server);
    const results = await race([
      [1, (s) => s.api(`/api/registrations/${a.body.id}`, { method: 'PATCH', json: { ddi: '+3473000009' } })],
      [2, (s) => s.api(`/api/registrations/${b.body.id}`, { method: 'PATCH', json: { ddi: '+3473000009' } })],
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
  });

  test('two concurrent provider POSTs with the same name: one 201, one 409 fields.name', async () => {
    const results = await race([
      [1, (s) => s.api('/api/ddi-providers', { method: 'POST', json: { name: 'Twin' } })],
      [2, (s) => s.api('/api/ddi-providers', { method: 'POST', json: { name: 'Twin' } })],
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.ok(results.find((r) => r.status === 409)!.body.error.fields.name);
  });

  test('a UNIQUE violation raised by the database itself (a writer the checks missed) → 409, never 500', async () => {
    const db = await openSqlite(server.dbPath);
    // The trigger plays another process that inserts the same DDI between the check and the insert.
    await createRaceTrigger(db, 'api_race', `new.username = 'db-racer'`, `new.ddi_provider_id, 'ghost-writer', new.domain, new.ddi`);
    try {
      const res = await post({ ddiProviderId: providerId, username: 'db-racer', domain: 'sip.race.example', ddi: '+3474000001' })(server);
      assert.equal(res.status, 409, res.text);
      const body = errorBodySchema.parse(res.body);
      assert.equal(body.error.code, 'conflict');
      assert.match(body.error.fields!.ddi!, /\+3474000001/);
    } finally {
      await dropRaceTrigger(db, 'api_race');
      await db.close();
    }
  });
});
