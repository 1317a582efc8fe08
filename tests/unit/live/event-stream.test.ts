// The live status stream: coalescing, replay after reconnect (Last-Event-ID), snapshot when
// the missed events are gone, the engine's health, over a real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import { closeDatabase, openDatabase, type Db } from '../../../lib/db/client';
import { newDatabaseLocation, rawOf, type RawDb } from '../../db';
import { coalesce, EventTail } from '../../../lib/live/event-tail';
import { createEventStreamHandler } from '../../../lib/live/sse';
import type { StatusEvent } from '../../../lib/live/types';
import { Heartbeat } from '../../../registrar/store/heartbeat';
import { listRegistrations } from '../../../lib/registrations/service';
import { registrationListQuerySchema } from '../../../lib/registrations/schema';

let drop: () => Promise<void>;
let db: Db;
let raw: RawDb;
let tail: EventTail;
let server: Server;
let base: string;

async function addRegistration(id: number): Promise<void> {
  await raw
    .prepare(`INSERT INTO registrations (id, ddi_provider_id, username, domain, ddi) VALUES (?, 1, ?, 'sip.example.com', ?)`)
    .run(id, `user${id}`, String(1000 + id));
}

const upsertStatus = (columns: string, values: string) =>
  `INSERT INTO registration_status (${columns}) VALUES (${values}) ON CONFLICT (registration_id) DO UPDATE SET ${columns
    .split(', ')
    .slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`;

async function addEvent(registrationId: number, state: string, at: number): Promise<number> {
  await raw.prepare(upsertStatus('registration_id, state, at, attempts', '?, ?, ?, 0')).run(registrationId, state, at);
  return (await raw.prepare('INSERT INTO registration_events (registration_id, state, at) VALUES (?, ?, ?)').run(registrationId, state, at)).lastInsertRowid;
}

interface SseMessage {
  id: string | null;
  event: string;
  data: unknown;
}

/** Opens the stream and collects parsed messages until `until` says stop (or the time is up). */
async function readStream(headers: Record<string, string>, until: (msgs: SseMessage[]) => boolean, timeoutMs = 3000, path = '/api/events'): Promise<SseMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const msgs: SseMessage[] = [];
  try {
    const res = await fetch(`${base}${path}`, { headers, signal: controller.signal });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block.split('\n').filter((l) => /^(id|event|data):/.test(l)).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]),
        );
        if (fields.data === undefined) continue;
        msgs.push({ id: fields.id ?? null, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
      }
      if (until(msgs)) break;
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return msgs;
}

before(async () => {
  const place = await newDatabaseLocation('live-stream');
  drop = place.drop;
  db = openDatabase(place.location);
  raw = rawOf(db);
  await raw.prepare(`INSERT INTO ddi_providers (id, name) VALUES (1, 'Acme')`).run();
  for (let id = 1; id <= 20; id++) await addRegistration(id);
  tail = await EventTail.open(db, 20);
  const handler = createEventStreamHandler(db, tail);
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  tail.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await closeDatabase(db);
  await drop();
});

test('coalesce keeps the last event per registration, in id order', () => {
  const e = (id: number, registrationId: number, state: StatusEvent['state']): StatusEvent => ({
    id, registrationId, state, code: null, reason: null, expiresAt: null, nextAttemptAt: null, target: null, at: id,
  });
  const out = coalesce([e(1, 7, 'pending'), e(2, 8, 'pending'), e(3, 7, 'registering'), e(4, 7, 'registered')]);
  assert.deepEqual(out.map((x) => [x.id, x.registrationId, x.state]), [[2, 8, 'pending'], [4, 7, 'registered']]);
});

test('a new client gets a snapshot, then live status events', async () => {
  await addEvent(1, 'registered', 1000);
  await tail.poll();
  let later: Promise<number> | null = null;
  const msgs = await readStream({}, (m) => {
    if (m.length === 1) later = addEvent(2, 'retrying', 2000);
    return m.some((x) => x.event === 'status');
  });
  assert.equal(msgs[0]!.event, 'snapshot');
  const snapshot = msgs[0]!.data as { registrations: Array<{ registrationId: number; state: string }>; engine: { state: string } };
  assert.ok(snapshot.registrations.some((r) => r.registrationId === 1 && r.state === 'registered'));
  assert.equal(snapshot.engine.state, 'unknown'); // no engine has written a heartbeat here
  const status = msgs.find((x) => x.event === 'status')!;
  assert.equal(status.id, String(await later!));
  assert.deepEqual((status.data as { registrationId: number; state: string }).state, 'retrying');
});

test('a burst is coalesced: one event per registration', async () => {
  let burst: Promise<void> | null = null;
  const msgs = await readStream({}, (m) => {
    if (!burst && m.length === 1) {
      // one transaction: the tail sees all 500 transitions at once
      burst = db.transaction(async (tx) => {
        const rawTx = rawOf(tx);
        // 50 rounds of the 10 registrations, a round's rows in one statement each (a loaded machine
        // still commits it well within the stream's deadline)
        const ids = Array.from({ length: 10 }, (_, i) => i + 1);
        const rows = ids.map(() => '(?, ?, ?)').join(', ');
        for (let round = 0; round < 50; round++) {
          const state = round === 49 ? 'registered' : 'registering';
          const params = ids.flatMap((id) => [id, state, 3000 + round]);
          await rawTx.prepare(`INSERT INTO registration_status (registration_id, state, at) VALUES ${rows} ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, at = excluded.at`).run(...params);
          await rawTx.prepare(`INSERT INTO registration_events (registration_id, state, at) VALUES ${rows}`).run(...params);
        }
      });
    }
    return m.filter((x) => x.event === 'status').length >= 10;
  });
  await burst;
  const statuses = msgs.filter((x) => x.event === 'status');
  assert.equal(statuses.length, 10, 'one event per registration for 500 transitions');
  assert.ok(statuses.every((s) => (s.data as { state: string }).state === 'registered'));
});

test('a reconnect with Last-Event-ID gets the missed events, coalesced, and no snapshot', async () => {
  await tail.poll();
  const lastSeen = tail.position;
  const missedA = await addEvent(3, 'registering', 5000);
  const missedB = await addEvent(3, 'rejected', 5001);
  await addEvent(4, 'registered', 5002);
  const msgs = await readStream({ 'last-event-id': String(lastSeen) }, (m) => m.length >= 2, 1500);
  assert.ok(!msgs.some((x) => x.event === 'snapshot'));
  const byReg = new Map(msgs.map((x) => [(x.data as { registrationId: number }).registrationId, x]));
  assert.equal((byReg.get(3)!.data as { state: string }).state, 'rejected');
  assert.equal(byReg.get(3)!.id, String(missedB));
  assert.ok(missedB > missedA);
  assert.equal((byReg.get(4)!.data as { state: string }).state, 'registered');
});

test('a reconnect whose missed events were pruned gets a fresh snapshot', async () => {
  await addEvent(5, 'registered', 6000);
  await tail.poll();
  await raw.prepare('DELETE FROM registration_events WHERE id < ?').run(tail.position);
  const msgs = await readStream({ 'last-event-id': '1' }, (m) => m.length >= 1);
  assert.equal(msgs[0]!.event, 'snapshot');
  assert.equal(msgs[0]!.id, String(tail.position));
});

test("the engine's health is pushed when it changes (and right away to a resuming client)", async () => {
  const beat = new Heartbeat(db, { bind: '127.0.0.1:5098', intervalMs: 60_000 });
  let started: Promise<void> | null = null;
  try {
    const msgs = await readStream({}, (m) => {
      if (!started && m.length === 1) started = beat.start();
      return m.some((x) => x.event === 'engine');
    });
    assert.equal(msgs[0]!.event, 'snapshot');
    const engine = msgs.find((x) => x.event === 'engine')!;
    assert.equal(engine.id, null, 'no id: it does not move Last-Event-ID');
    assert.deepEqual({ ...(engine.data as object), heartbeatAt: 0 }, { state: 'running', bind: '127.0.0.1:5098', heartbeatAt: 0, calls: { relayed: 0, refused: 0 } });

    const resumed = await readStream({ 'last-event-id': String(tail.position) }, (m) => m.some((x) => x.event === 'engine'), 500);
    assert.equal((resumed.find((x) => x.event === 'engine')?.data as { state: string } | undefined)?.state, 'running');
  } finally {
    await started;
    await beat.stopped('shut down');
    await raw.prepare('DELETE FROM engine_nodes').run();
  }
});

test('the snapshot reads stored statuses by the expiry rule: a dead engine\'s "registered" past expiresAt is "retrying" (expired)', async () => {
  const lapsedAt = Date.now() - 60_000;
  const columns = 'registration_id, state, code, reason, at, attempts, expires_at';
  await raw.prepare(upsertStatus(columns, "2, 'registered', 200, 'OK', ?, 0, ?")).run(lapsedAt - 3_600_000, lapsedAt);
  await raw.prepare(upsertStatus(columns, "3, 'registered', 200, 'OK', ?, 0, ?")).run(Date.now(), Date.now() + 3_600_000);
  const msgs = await readStream({}, (m) => m.some((x) => x.event === 'snapshot'));
  const rows = (msgs[0]!.data as { registrations: Array<{ registrationId: number; state: string; reason: string | null; code: number | null; at: number }> }).registrations;
  const lapsed = rows.find((r) => r.registrationId === 2)!;
  assert.deepEqual([lapsed.state, lapsed.reason, lapsed.code, lapsed.at], ['retrying', 'expired', null, lapsedAt]);
  assert.equal(rows.find((r) => r.registrationId === 3)!.state, 'registered');
});

test('with ?snapshot=none the snapshot carries no statuses: its id is the stream position, then the status events after it', async () => {
  const position = await addEvent(6, 'registered', 7000);
  await tail.poll();
  let later: Promise<number> | null = null;
  const msgs = await readStream(
    {},
    (m) => {
      if (m.length === 1) later = addEvent(6, 'rejected', 7001);
      return m.some((x) => x.event === 'status');
    },
    3000,
    '/api/events?snapshot=none',
  );
  assert.equal(msgs[0]!.event, 'snapshot');
  assert.equal(msgs[0]!.id, String(position));
  const snapshot = msgs[0]!.data as { registrations: unknown; engine: { state: string } };
  assert.equal(snapshot.registrations, null);
  assert.equal(snapshot.engine.state, 'unknown');
  const status = msgs.find((x) => x.event === 'status')!;
  assert.equal(status.id, String(await later!));
  assert.ok(Number(status.id) > Number(msgs[0]!.id));
  assert.equal((status.data as { registrationId: number; state: string }).state, 'rejected');
});

test("a list answer's lastEventId is a resume point: a stream opened with it as Last-Event-ID sends the changes since, no snapshot", async () => {
  await addEvent(7, 'registering', 8000);
  const page = await listRegistrations(db, registrationListQuerySchema.parse({ q: 'user7' }));
  assert.equal(page.items[0]!.status?.state, 'registering');
  assert.equal(page.lastEventId, (await raw.prepare('SELECT max(id) AS id FROM registration_events').get<{ id: number }>())!.id);
  const changed = await addEvent(7, 'registered', 8001);
  await tail.poll();
  const msgs = await readStream({ 'last-event-id': String(page.lastEventId) }, (m) => m.some((x) => x.event === 'status'), 3000, '/api/events?snapshot=none');
  assert.ok(!msgs.some((x) => x.event === 'snapshot'));
  const status = msgs.find((x) => x.event === 'status')!;
  assert.equal(status.id, String(changed));
  assert.deepEqual([(status.data as { registrationId: number }).registrationId, (status.data as { state: string }).state], [7, 'registered']);
});

test('a stream opened after a spell with no listener starts at the newest event: what was written meanwhile is not pushed', async () => {
  for (let i = 0; i < 100 && tail.clients > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(tail.clients, 0, 'no stream open');
  for (let id = 8; id <= 10; id++) await addEvent(id, 'registered', 9000 + id);
  const newest = await addEvent(11, 'registered', 9011);
  let later: Promise<number> | null = null;
  const msgs = await readStream(
    {},
    (m) => {
      if (m.length === 1) later = addEvent(12, 'rejected', 9012);
      return m.some((x) => x.event === 'status');
    },
    3000,
    '/api/events?snapshot=none',
  );
  assert.equal(msgs[0]!.event, 'snapshot');
  assert.equal(msgs[0]!.id, String(newest));
  const statuses = msgs.filter((x) => x.event === 'status');
  assert.deepEqual(statuses.map((s) => s.id), [String(await later!)], 'only the event written after the snapshot');
});
