// StatusStore (SQLite; AsyncStatusStore has its own test) against a real (temp file) portal database: the batched writes must bind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { closeDatabase, openSqlite } from '../../../lib/db/client';
import { sqliteOf } from '../../db';
import type { RegistrationStatus, TraceEvent } from '../../../registrar/registration/status';
import { StatusStore, type StatusStoreOptions } from '../../../registrar/store/status-store';
import { StatusWriter, type TraceRow } from '../../../registrar/store/status-writer';
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
function databaseWithOneRegistration(t: TestContext): { sqlite: Database.Database; id: number } {
  const dir = mkdtempSync(join(tmpdir(), 'status-store-'));
  const db = openSqlite(join(dir, 'portal.db'));
  t.after(async () => {
    await closeDatabase(db);
    rmSync(dir, { recursive: true, force: true });
  });
  const sqlite = sqliteOf(db);
  const provider = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('p')`).run().lastInsertRowid);
  const id = Number(
    sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, 'alice', 'example.com', '4930')`).run(provider).lastInsertRowid,
  );
  return { sqlite, id };
}

/** Runs a test twice: writes inline and in the write thread (`writeThread`, as the registrar runs it); same rules, same rows. */
let threadMode = false;
function both(name: string, fn: (t: TestContext) => void): void {
  for (const thread of [false, true]) {
    test(`${name}${thread ? ' (write thread)' : ''}`, (t) => {
      threadMode = thread;
      fn(t);
    });
  }
}

function newStore(t: TestContext, sqlite: Database.Database, options: StatusStoreOptions = {}): StatusStore {
  const store = new StatusStore(sqlite, { ...options, writeThread: threadMode });
  t.after(() => store.close());
  return store;
}

const count = (sqlite: Database.Database, table: string, id: number) =>
  (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE registration_id = ?`).get(id) as { n: number }).n;
const texts = (sqlite: Database.Database, id: number) =>
  (sqlite.prepare('SELECT text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ text: string }>).map((r) => r.text);

both('StatusStore.flush upserts statuses, appends the timeline and keeps the last N traces', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = newStore(t, sqlite, { traceKeep: 3 });
  let flushed = 0;
  store.onFlush = () => flushed++;

  store.pushStatus(status(id, 'registering', 1000));
  for (let i = 0; i < 5; i++) store.pushTrace(trace(id, 1000 + i, `m${i}`));
  store.pushStatus(status(id, 'registered', 2000)); // a transition: the exchange's messages are written
  store.pushStatus(status(id + 1, 'registered', 2000)); // deleted meanwhile: no status row, no error
  assert.equal(store.pending, 6);
  store.flush();
  assert.equal(store.pending, 0);
  assert.equal(flushed, 1);

  const row = sqlite.prepare('SELECT state, code, granted_expires, target FROM registration_status WHERE registration_id = ?').get(id);
  assert.deepEqual(row, { state: 'registered', code: 200, granted_expires: 120, target: '127.0.0.1:5060/udp' });
  assert.deepEqual(sqlite.prepare('SELECT count(*) AS n FROM registration_status').get(), { n: 1 });
  const events = sqlite.prepare('SELECT state FROM registration_events WHERE registration_id = ? ORDER BY id').all(id) as Array<{ state: string }>;
  assert.deepEqual(events.map((e) => e.state), ['registering', 'registered']);
  assert.deepEqual(texts(sqlite, id), ['m2', 'm3', 'm4']);

  store.flush(); // nothing queued: no write, no callback
  assert.equal(flushed, 1);
});

both('a refresh that changes nothing writes the status row (expiry, next attempt) but no timeline row and no trace', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 0;
  const store = newStore(t, sqlite, { routineTraceMs: 600_000, now: () => now });
  now = 1000;
  for (const m of exchange(id, 1000)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', 1000));
  store.flush();
  assert.equal(count(sqlite, 'registration_events', id), 1);
  assert.equal(count(sqlite, 'registration_traces', id), 4);

  // refreshes in place, 88 s apart: no timeline row, no message written
  // (before the routine sample falls due, 600 s after the last written exchange: next test)
  for (let i = 1; i * 88_000 < 600_000; i++) {
    now = 1000 + i * 88_000;
    for (const m of exchange(id, now)) store.pushTrace(m);
    store.pushStatus(status(id, 'registered', now));
    store.flush();
  }
  assert.equal(count(sqlite, 'registration_events', id), 1);
  assert.equal(count(sqlite, 'registration_traces', id), 4);
  const row = sqlite.prepare('SELECT at, expires_at, next_attempt_at, last_success_at FROM registration_status WHERE registration_id = ?').get(id);
  // `at` stays the transition's time; the rest follows the refresh
  assert.deepEqual(row, { at: 1000, expires_at: now + 120_000, next_attempt_at: now + 88_000, last_success_at: now });
  assert.equal(store.counters.tracesDropped, 6 * 4);
});

both('a change of code, reason or server on a refresh is a transition: timeline row and its messages', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 1000;
  const store = newStore(t, sqlite, { now: () => now });
  store.pushStatus(status(id, 'registered', 1000));
  store.flush();
  now = 2000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted' }));
  now = 3000;
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted', target: '127.0.0.2:5060/udp' }));
  now = 4000;
  store.pushStatus(status(id, 'registered', now, { code: 202, reason: 'Accepted', target: '127.0.0.2:5060/udp' })); // no change
  store.flush();
  const events = sqlite.prepare('SELECT code, target, at FROM registration_events WHERE registration_id = ? ORDER BY id').all(id);
  assert.deepEqual(events, [
    { code: 200, target: '127.0.0.1:5060/udp', at: 1000 },
    { code: 202, target: '127.0.0.1:5060/udp', at: 2000 },
    { code: 202, target: '127.0.0.2:5060/udp', at: 3000 },
  ]);
  assert.equal(count(sqlite, 'registration_traces', id), 4);
  assert.deepEqual(sqlite.prepare('SELECT at FROM registration_status WHERE registration_id = ?').get(id), { at: 3000 });
});

both('the messages of a failed exchange are written; a routine one is sampled at most every routineTraceMs, replacing the previous sample', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 1000;
  const store = newStore(t, sqlite, { routineTraceMs: 600_000, traceKeep: 40, now: () => now });
  store.pushStatus(status(id, 'registered', now));
  store.flush();
  // the first routine exchange since start is the sample (nothing stored yet)
  now = 60_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 4);
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
  store.flush();
  assert.deepEqual(texts(sqlite, id).slice(4), ['REGISTER fail', 'SIP/2.0 503 Service Unavailable', 'REGISTER fail again', 'SIP/2.0 503 Service Unavailable again']);
  // recovered (a transition), then routine: dropped until routineTraceMs after the last written exchange
  now = 200_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  for (now = 260_000; now <= 860_000; now += 60_000) {
    for (const m of exchange(id, now)) store.pushTrace(m);
    store.pushStatus(status(id, 'registered', now));
  }
  store.flush();
  const stored = (sqlite.prepare('SELECT at FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ at: number }>).map((r) => r.at);
  // 260 k … 740 k dropped; 800 k is 600 s after the last written exchange: the sample, which
  // replaces the previous sample (60 k); 860 k dropped. The failures and the transition stay.
  assert.deepEqual(stored, [120_000, 120_001, 150_000, 150_001, 200_000, 200_001, 200_002, 200_003, 800_000, 800_001, 800_002, 800_003]);
  assert.deepEqual(texts(sqlite, id).slice(0, 4), ['REGISTER fail', 'SIP/2.0 503 Service Unavailable', 'REGISTER fail again', 'SIP/2.0 503 Service Unavailable again']);
});

both('messages no status follows (an OPTIONS, a binding audit) are settled as routine after a while', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 1000;
  const store = newStore(t, sqlite, { routineTraceMs: 600_000, now: () => now });
  store.pushTrace(trace(id, now, 'OPTIONS sip:x'));
  store.pushTrace(trace(id, now, 'SIP/2.0 200 OK'));
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 0); // held: its outcome is not known yet
  now += 40_000;
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 2); // first sample of this registration
  now += 1000;
  store.pushTrace(trace(id, now, 'OPTIONS sip:y'));
  now += 40_000;
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 2); // routine, sampled recently: dropped
});

both('the engine forgets the messages a store wrote: its ring keeps only those since the last written one', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 1000;
  const store = newStore(t, sqlite, { routineTraceMs: 600_000, now: () => now });
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
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 4);

  // a routine refresh is dropped by the store: the ring is where it stays
  now = 61_000;
  send(now, 'REGISTER 3');
  send(now + 1, 'SIP/2.0 200 OK');
  store.pushStatus(status(id, 'registered', now));
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 4);
  assert.deepEqual(inRing(), ['REGISTER 3', 'SIP/2.0 200 OK']);

  // a watch copies them in; the messages after it are written as they come and leave the ring at once
  store.watch(String(id), now + 180_000, ring.entries());
  now = 70_000;
  send(now, 'REGISTER 4');
  store.flush();
  assert.deepEqual(texts(sqlite, id).slice(-3), ['REGISTER 3', 'SIP/2.0 200 OK', 'REGISTER 4']);
  assert.deepEqual(inRing(), []);
});

both('a watched registration has every message written as it comes, starting with what the engine kept in memory', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  let now = 1000;
  const store = newStore(t, sqlite, { now: () => now });
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  store.flush();
  now = 61_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now)); // routine: dropped
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 4);
  now = 70_000;
  // the engine's ring holds both exchanges: only the newer one is missing from the table
  const ring = [...exchange(id, 1000), ...exchange(id, 61_000)].map(({ registrationId: _r, ...e }) => e);
  store.watch(String(id), now + 180_000, ring);
  store.flush();
  assert.deepEqual(
    (sqlite.prepare('SELECT at FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id) as Array<{ at: number }>).map((r) => r.at),
    [1000, 1001, 1002, 1003, 61_000, 61_001, 61_002, 61_003],
  );
  now = 121_000;
  store.pushTrace(trace(id, now, 'REGISTER 3'));
  store.flush(); // written at once, before the exchange ends
  assert.equal(texts(sqlite, id).at(-1), 'REGISTER 3');
  // the lease runs out: routine again
  now = 70_000 + 180_000 + 61_000;
  for (const m of exchange(id, now)) store.pushTrace(m);
  store.pushStatus(status(id, 'registered', now));
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 9);
});

test('drain writes in transactions of writeChunk rows, yielding between them', async (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite, { writeChunk: 10, traceKeep: 1000 });
  let flushes = 0;
  store.onFlush = () => flushes++;
  store.pushStatus(status(id, 'registering', 1));
  for (let i = 0; i < 45; i++) store.pushTrace(trace(id, 2 + i, `m${i}`));
  store.pushStatus(status(id, 'registered', 100));
  store.drain();
  assert.equal(flushes, 1); // the first chunk at once
  assert.equal(store.pending, 37);
  await new Promise<void>((resolve) => {
    const check = () => (store.pending === 0 ? resolve() : setImmediate(check));
    setImmediate(check);
  });
  assert.equal(flushes, 5);
  assert.equal(store.counters.transactions, 5);
  assert.equal(count(sqlite, 'registration_traces', id), 45);
  assert.equal(count(sqlite, 'registration_events', id), 2);
});

both('a deleted registration takes its timeline and traces with it, and late writes leave no orphans', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = newStore(t, sqlite);
  store.pushTrace(trace(id, 1000, 'SIP/2.0 200 OK'));
  store.pushStatus(status(id, 'registered', 1000));
  store.flush();
  assert.equal(count(sqlite, 'registration_events', id), 1);
  assert.equal(count(sqlite, 'registration_traces', id), 1);

  sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
  assert.equal(count(sqlite, 'registration_events', id), 0);
  assert.equal(count(sqlite, 'registration_traces', id), 0);

  store.pushTrace(trace(id, 2000, 'REGISTER …'));
  store.pushStatus(status(id, 'unregistered', 2000));
  store.flush();
  assert.equal(count(sqlite, 'registration_status', id), 0);
  assert.equal(count(sqlite, 'registration_events', id), 0);
  assert.equal(count(sqlite, 'registration_traces', id), 0);
});

test('with writeThread, drain hands the batch to the worker: nothing is written in this thread, onFlush comes when it is committed', async (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  // This thread's connection is read-only: any write through it would throw.
  const readonly = new Database(sqlite.name, { readonly: true, fileMustExist: true });
  t.after(() => readonly.close());
  const store = new StatusStore(readonly, { writeThread: true, writeChunk: 10, traceKeep: 1000 });
  t.after(() => store.close());
  const flushed = new Promise<void>((resolve) => (store.onFlush = resolve));
  store.pushStatus(status(id, 'registering', 1));
  for (let i = 0; i < 45; i++) store.pushTrace(trace(id, 2 + i, `m${i}`));
  store.pushStatus(status(id, 'registered', 100));
  store.drain();
  assert.equal(store.pending, 47, 'in the worker, not written yet');
  assert.equal(count(sqlite, 'registration_traces', id), 0);
  await flushed;
  assert.equal(store.pending, 0);
  assert.equal(store.counters.transactions, 5, 'chunks of writeChunk rows in the worker');
  assert.equal(count(sqlite, 'registration_traces', id), 45);
  assert.equal(count(sqlite, 'registration_events', id), 2);
});

test('with writeThread and no writeChunk, the worker commits 500 rows per transaction', async (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite, { writeThread: true, traceKeep: 10_000 });
  t.after(() => store.close());
  store.watch(String(id), Date.now() + 60_000, []);
  for (let i = 0; i < 1200; i++) store.pushTrace(trace(id, 10 + i, `m${i}`));
  store.flush();
  assert.equal(count(sqlite, 'registration_traces', id), 1200);
  // 500 + 500 + 200 (the watch's copy of the ring wrote nothing: it was empty).
  assert.equal(store.counters.transactions, 3);
});

test('with writeThread, a failed batch goes to onError and the store keeps working', async (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite, { writeThread: true });
  t.after(() => store.close());
  sqlite.exec(`CREATE TRIGGER refuse BEFORE INSERT ON registration_events BEGIN SELECT RAISE(ABORT, 'refused by test'); END`);
  const failed = new Promise<unknown>((resolve) => (store.onError = resolve));
  store.pushStatus(status(id, 'registered', 1000));
  store.drain();
  assert.match(String(await failed), /refused by test/);
  assert.equal(store.pending, 0);
  sqlite.exec('DROP TRIGGER refuse');
  store.pushStatus(status(id, 'registered', 2000, { code: 202 }));
  store.flush();
  assert.equal(count(sqlite, 'registration_events', id), 1);
});

test('with writeThread, drain posts at most 500 rows per event-loop turn; all are written in order', async (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = new StatusStore(sqlite, { writeThread: true, traceKeep: 10_000 });
  t.after(() => store.close());
  let batches = 0;
  store.onFlush = () => batches++;
  store.watch(String(id), Date.now() + 60_000, []); // watched: every message is queued as it comes
  for (let i = 0; i < 4500; i++) store.pushTrace(trace(id, 10 + i, `m${i}`));
  store.drain();
  const turn = store.pending;
  await new Promise<void>((resolve) => {
    const check = () => (store.pending === 0 ? resolve() : setTimeout(check, 5));
    check();
  });
  assert.equal(turn, 4500, 'nothing written synchronously');
  assert.equal(batches, 9, '8 × 500 + 500');
  assert.equal(count(sqlite, 'registration_traces', id), 4500);
  assert.deepEqual(texts(sqlite, id).slice(-2), ['m4498', 'm4499']);
});

both('retransmissions told after the request was handed over (written, or in the write thread) update its row; told while it is queued, they go on it', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const store = newStore(t, sqlite);
  store.watch(String(id), Date.now() + 60_000, []);
  store.pushTrace(trace(id, 1000, 'REGISTER a'));
  store.drain(); // handed over: inline it is written now, with the thread it may still be on its way
  store.pushRetransmits({ registrationId: String(id), at: 1000, retransmits: [500, 1500] });
  store.pushTrace(trace(id, 2000, 'REGISTER b'));
  store.pushRetransmits({ registrationId: String(id), at: 2000, retransmits: [500] });
  store.flush();
  const rows = sqlite.prepare('SELECT text, retransmits FROM registration_traces WHERE registration_id = ? ORDER BY id').all(id);
  assert.deepEqual(rows, [
    { text: 'REGISTER a', retransmits: '[500,1500]' },
    { text: 'REGISTER b', retransmits: '[500]' },
  ]);
  assert.equal(store.counters.traceAmends, 1);
  assert.equal(count(sqlite, 'registration_traces', id), 2, 'no row per retransmission');
});

test('StatusWriter: the last traceKeep messages stay across transactions and writers; one over the limit is pruned', (t) => {
  const { sqlite, id } = databaseWithOneRegistration(t);
  const row = (at: number, text: string, sample = 0): TraceRow => [id, 'out', at, '127.0.0.1:5060/udp', text, sample, null, null];
  const first = new StatusWriter(sqlite, 3);
  first.write([], [row(1, 'a'), row(2, 'b')]);
  first.write([], [row(3, 'c')]);
  assert.deepEqual(texts(sqlite, id), ['a', 'b', 'c'], 'at the limit: nothing pruned');
  first.write([], [row(4, 'd')]);
  assert.deepEqual(texts(sqlite, id), ['b', 'c', 'd']);
  // Another writer (a restarted registrar) counts what is there at its first message.
  const second = new StatusWriter(sqlite, 3);
  second.write([], [row(5, 'e')]);
  assert.deepEqual(texts(sqlite, id), ['c', 'd', 'e']);
  // A routine sample replaces the previous one: its deleted rows leave the count.
  second.write([], [row(6, 's1', 1)]);
  second.write([], [row(7, 's2', 2)]);
  assert.deepEqual(texts(sqlite, id), ['d', 'e', 's2']);
  second.write([], [row(8, 'f')]);
  assert.deepEqual(texts(sqlite, id), ['e', 's2', 'f']);
});
