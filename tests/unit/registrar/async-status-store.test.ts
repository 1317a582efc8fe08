// AsyncStatusStore (status-store.ts's policy on the asynchronous layer, what PostgreSQL uses) against a real (temp file) portal database: the batched writes must bind.
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { rawOf, tempDb, type RawDb } from '../../db';
import type { RegistrationStatus, TraceEvent } from '../../../registrar/registration/status';
import { AsyncStatusStore as StatusStore } from '../../../registrar/store/async-status-store';
import { LazyTraceEvent } from '../../../registrar/registration/trace-event';
import { TraceRing } from '../../../registrar/registration/trace-ring';

function status(id: number, state: RegistrationStatus['state'], at: number, patch: Partial<RegistrationStatus> = {}): RegistrationStatus {
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
    ...patch,
  };
}

function trace(id: number, at: number, text: string): TraceEvent {
  return { registrationId: String(id), direction: text.startsWith('SIP/2.0') ? 'in' : 'out', at, remote: '127.0.0.1:5060/udp', text };
}

/** A REGISTER exchange's four messages (401 challenge, then 200) at `at`. */
function exchange(id: number, at: number): TraceEvent[] {
  return [trace(id, at, 'REGISTER 1'), trace(id, at + 1, 'SIP/2.0 401 Unauthorized'), trace(id, at + 2, 'REGISTER 2'), trace(id, at + 3, 'SIP/2.0 200 OK')];
}

/** A migrated temp database (removed after the test) holding one provider and one registration. */
async function databaseWithOneRegistration(t: TestContext) {
  const { db } = await tempDb(t, 'status-store');
  const sqlite = rawOf(db);
  const provider = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('p')`).run()).lastInsertRowid;
  const id = (await sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, 'alice', 'example.com', '4930')`).run(provider)).lastInsertRowid;
  return { db, sqlite, id };
}

const count = async (sqlite: RawDb, table: string, id: number) =>
  ((await sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE registration_id = ?`).get(id)) as { n: number }).n;
const texts = async (sqlite: RawDb, id: number) =>
  ((await sqlite.prepare('SELECT text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id)) as Array<{ text: string }>).map((r) => r.text);

test('StatusStore.flush upserts statuses, appends the timeline and keeps the last N traces', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  const store = new StatusStore(db, { traceKeep: 3 });
  let flushed = 0;
  store.onFlush = () => flushed++;

  store.pushStatus(status(id, 'registering', 1000));
  for (let i = 0; i < 5; i++) store.pushTrace(trace(id, 1000 + i, `m${i}`));
  store.pushStatus(status(id, 'registered', 2000)); // a transition: the exchange's messages are written
  store.pushStatus(status(id + 1, 'registered', 2000)); // deleted meanwhile: no status row, no error
  assert.equal(store.pending, 6);
  await store.flush();
  assert.equal(store.pending, 0);
  assert.equal(flushed, 1);

  const row = await sqlite.prepare('SELECT state, code, granted_expires, target FROM registration_status WHERE registration_id = ?').get(id);
  assert.deepEqual(row, { state: 'registered', code: 200, granted_expires: 120, target: '127.0.0.1:5060/udp' });
  assert.deepEqual(await sqlite.prepare('SELECT count(*) AS n FROM registration_status').get(), { n: 1 });
  const events = await sqlite.prepare('SELECT state FROM registration_events WHERE registration_id = ? ORDER BY id').all(id) as Array<{ state: string }>;
  assert.deepEqual(events.map((e) => e.state), ['registering', 'registered']);
  assert.deepEqual(await texts(sqlite, id), ['m2', 'm3', 'm4']);

  await store.flush(); // nothing queued: no write, no callback
  assert.equal(flushed, 1);
});

test('a refresh that changes nothing writes the status row (expiry, next attempt) but no timeline row and no trace', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 0;
  const store = new StatusStore(db, { routineTraceMs: 600_000, now: () => now });
  now = 1000;
  for (const m of exchange(id, 1000)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', 1000));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_events', id), 1);
  assert.equal(await count(sqlite, 'registration_traces', id), 4);

  // refreshes in place, 88 s apart: no timeline row, no message written
  // (before the routine sample falls due, 600 s after the last written exchange: next test)
  for (let i = 1; i * 88_000 < 600_000; i++) {
    now = 1000 + i * 88_000;
    for (const m of exchange(id, now)) store.pushTrace(m);
    store.pushStatus(status(id, 'registered', now));
    await store.flush();
  }
  assert.equal(await count(sqlite, 'registration_events', id), 1);
  assert.equal(await count(sqlite, 'registration_traces', id), 4);
  const row = await sqlite.prepare('SELECT at, expires_at, next_attempt_at, last_success_at FROM registration_status WHERE registration_id = ?').get(id);
  // `at` stays the transition's time; the rest follows the refresh
  assert.deepEqual(row, { at: 1000, expires_at: now + 120_000, next_attempt_at: now + 88_000, last_success_at: now });
  assert.equal(store.counters.tracesDropped, 6 * 4);
});

test('a change of code, reason or server on a refresh is a transition: timeline row and its messages', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 1000;
  const store = new StatusStore(db, { now: () => now });
  store.pushStatus(status(id, 'registered', 1000));
  await store.flush();
  now = 2000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted' }));
  now = 3000;
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted', target: '127.0.0.2:5060/udp' }));
  now = 4000;
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted', target: '127.0.0.2:5060/udp' })); // no change
  await store.flush();
  const events = await sqlite.prepare('SELECT code, target, at FROM registration_events WHERE registration_id = ? ORDER BY id').all(id);
  assert.deepEqual(events, [
    { code: 200, target: '127.0.0.1:5060/udp', at: 1000 },
    { code: 202, target: '127.0.0.1:5060/udp', at: 2000 },
    { code: 202, target: '127.0.0.2:5060/udp', at: 3000 },
  ]);
  assert.equal(await count(sqlite, 'registration_traces', id), 4);
  assert.deepEqual(await sqlite.prepare('SELECT at FROM registration_status WHERE registration_id = ?').get(id), { at: 3000 });
});

test('the messages of a failed exchange are written; a routine one is sampled at most every routineTraceMs, replacing the previous sample', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 1000;
  const store = new StatusStore(db, { routineTraceMs: 600_000, traceKeep: 40, now: () => now });
  store.pushStatus(status(id, 'registered', now));
  await store.flush();
  // the first routine exchange since start is the sample (nothing stored yet)
  now = 60_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 4);
  // a failure: the REGISTER and its 503 are kept although the state was already 'retrying'
  now = 120_000;
  store.pushTrace(trace(id, now, 'REGISTER fail'));
  store.pushTrace(trace(id, now + 1, 'SIP/2.0 503 Service Unavailable'));
  store.pushStatus(status(id, 'retrying', now, { code: 503, reason: 'Service Unavailable' }));
  now = 150_000;
  store.pushStatus(status(id, 'registering', now, { code: 503, reason: 'Service Unavailable' }));
  store.pushTrace(trace(id, now, 'REGISTER fail again'));
  store.pushTrace(trace(id, now + 1, 'SIP/2.0 503 Service Unavailable again'));
  store.pushStatus(status(id, 'retrying', now, { code: 503, reason: 'Service Unavailable' }));
  await store.flush();
  assert.deepEqual((await texts(sqlite, id)).slice(4), ['REGISTER fail', 'SIP/2.0 503 Service Unavailable', 'REGISTER fail again', 'SIP/2.0 503 Service Unavailable again']);
  // recovered (a transition), then routine: dropped until routineTraceMs after the last written exchange
  now = 200_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  for (now = 260_000; now <= 860_000; now += 60_000) {
    for (const m of exchange(id, now)) store.pushTrace(m);
    store.pushStatus(status(id, 'registered', now));
  }
  await store.flush();
  const stored = (await sqlite.prepare('SELECT at FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ at: number }>).map((r) => r.at);
  // 260 k … 740 k dropped; 800 k is 600 s after the last written exchange: the sample, which
  // replaces the previous sample (60 k); 860 k dropped. The failures and the transition stay.
  assert.deepEqual(stored, [120_000, 120_001, 150_000, 150_001, 200_000, 200_001, 200_002, 200_003, 800_000, 800_001, 800_002, 800_003]);
  assert.deepEqual((await texts(sqlite, id)).slice(0, 4), ['REGISTER fail', 'SIP/2.0 503 Service Unavailable', 'REGISTER fail again', 'SIP/2.0 503 Service Unavailable again']);
});

test('messages no status follows (an OPTIONS, a binding audit) are settled as routine after a while', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 1000;
  const store = new StatusStore(db, { routineTraceMs: 600_000, now: () => now });
  store.pushTrace(trace(id, now, 'OPTIONS sip:x'));
  store.pushTrace(trace(id, now, 'SIP/2.0 200 OK'));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 0); // held: its outcome is not known yet
  now += 40_000;
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 2); // first sample of this registration
  now += 1000;
  store.pushTrace(trace(id, now, 'OPTIONS sip:y'));
  now += 40_000;
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 2); // routine, sampled recently: dropped
});

test('the engine forgets the messages a store wrote: its ring keeps only those since the last written one', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 1000;
  const store = new StatusStore(db, { routineTraceMs: 600_000, now: () => now });
  const ring = new TraceRing(12, 16 * 1024);
  /** A message as the engine hands it over: kept in the registration's ring, redacted when read. */
  const send = (at: number, text: string) => {
    const direction = text.startsWith('SIP/2.0') ? 'in' : 'out';
    const entry = ring.push(direction, at, '127.0.0.1:5060/udp', text);
    store.pushTrace(new LazyTraceEvent(String(id), direction, at, '127.0.0.1:5060/udp', text, ring, entry));
  };
  const inRing = () => ring.entries().map((e) => e.text);

  for (const [i, m] of ['REGISTER 1', 'SIP/2.0 401 Unauthorized', 'REGISTER 2', 'SIP/2.0 200 OK'].entries()) send(now + i, m);
  assert.equal(inRing().length, 4); // held until the exchange's outcome is known
  store.pushStatus(status(id, 'registered', now)); // a transition: written, so forgotten in memory
  assert.deepEqual(inRing(), []);
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 4);

  // a routine refresh is dropped by the store: the ring is where it stays
  now = 61_000;
  send(now, 'REGISTER 3');
  send(now + 1, 'SIP/2.0 200 OK');
  store.pushStatus(status(id, 'registered', now));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 4);
  assert.deepEqual(inRing(), ['REGISTER 3', 'SIP/2.0 200 OK']);

  // a watch copies them in; the messages after it are written as they come and leave the ring at once
  await store.watch(String(id), now + 180_000, ring.entries());
  now = 70_000;
  send(now, 'REGISTER 4');
  await store.flush();
  assert.deepEqual((await texts(sqlite, id)).slice(-3), ['REGISTER 3', 'SIP/2.0 200 OK', 'REGISTER 4']);
  assert.deepEqual(inRing(), []);
});

test('a watched registration has every message written as it comes, starting with what the engine kept in memory', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  let now = 1000;
  const store = new StatusStore(db, { now: () => now });
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  await store.flush();
  now = 61_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now)); // routine: dropped
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 4);
  now = 70_000;
  // the engine's ring holds both exchanges: only the newer one is missing from the table
  const ring = [...exchange(id, 1000), ...exchange(id, 61_000)].map(({ registrationId: _r, ...e }) => e);
  await store.watch(String(id), now + 180_000, ring);
  await store.flush();
  assert.deepEqual(
    (await sqlite.prepare('SELECT at FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ at: number }>).map((r) => r.at),
    [1000, 1001, 1002, 1003, 61_000, 61_001, 61_002, 61_003],
  );
  now = 121_000;
  store.pushTrace(trace(id, now, 'REGISTER 3'));
  await store.flush(); // written at once, before the exchange ends
  assert.equal((await texts(sqlite, id)).at(-1), 'REGISTER 3');
  // the lease runs out: routine again
  now = 70_000 + 180_000 + 61_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_traces', id), 9);
});

test('drain writes in transactions of writeChunk rows, yielding between them', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  const store = new StatusStore(db, { writeChunk: 10, traceKeep: 1000 });
  let flushes = 0;
  store.onFlush = () => flushes++;
  store.pushStatus(status(id, 'registering', 1));
  for (let i = 0; i < 45; i++) store.pushTrace(trace(id, 2 + i, `m${i}`));
  store.pushStatus(status(id, 'registered', 100));
  await store.drain();
  assert.equal(flushes, 1); // the first chunk at once
  assert.equal(store.pending, 37);
  await new Promise<void>((resolve) => {
    const check = () => (store.pending === 0 ? resolve() : setImmediate(check));
    setImmediate(check);
  });
  assert.equal(flushes, 5);
  assert.equal(store.counters.transactions, 5);
  assert.equal(await count(sqlite, 'registration_traces', id), 45);
  assert.equal(await count(sqlite, 'registration_events', id), 2);
});

test('a deleted registration takes its timeline and traces with it, and late writes leave no orphans', async (t) => {
  const { db, sqlite, id } = await databaseWithOneRegistration(t);
  const store = new StatusStore(db);
  store.pushTrace(trace(id, 1000, 'SIP/2.0 200 OK'));
  store.pushStatus(status(id, 'registered', 1000));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_events', id), 1);
  assert.equal(await count(sqlite, 'registration_traces', id), 1);

  await sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
  assert.equal(await count(sqlite, 'registration_events', id), 0);
  assert.equal(await count(sqlite, 'registration_traces', id), 0);

  store.pushTrace(trace(id, 2000, 'REGISTER …'));
  store.pushStatus(status(id, 'unregistered', 2000));
  await store.flush();
  assert.equal(await count(sqlite, 'registration_status', id), 0);
  assert.equal(await count(sqlite, 'registration_events', id), 0);
  assert.equal(await count(sqlite, 'registration_traces', id), 0);
});
