// The live status stream: coalescing, replay after reconnect (Last-Event-ID), snapshot when
// the missed events are gone, the engine's health, over a real HTTP server on 127.0.0.1.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db/client';
import { coalesce, EventTail } from '../../../lib/live/event-tail';
import { createEventStreamHandler } from '../../../lib/live/sse';
import type { StatusEvent } from '../../../lib/live/types';
import { Heartbeat } from '../../../registrar/store/heartbeat';

let dir: string;
let db: Db;
let tail: EventTail;
let server: Server;
let base: string;

function addRegistration(id: number): void {
  db.$client
    .prepare(`INSERT INTO registrations (id, ddi_provider_id, username, domain, ddi) VALUES (?, 1, ?, 'sip.example.com', ?)`)
    .run(id, `user${id}`, String(1000 + id));
}

function addEvent(registrationId: number, state: string, at: number): number {
  db.$client
    .prepare('INSERT OR REPLACE INTO registration_status (registration_id, state, at, attempts) VALUES (?, ?, ?, 0)')
    .run(registrationId, state, at);
  return Number(
    db.$client
      .prepare('INSERT INTO registration_events (registration_id, state, at) VALUES (?, ?, ?)')
      .run(registrationId, state, at).lastInsertRowid,
  );
}

interface SseMessage {
  id: string | null;
  event: string;
  data: unknown;
}

/** Opens the stream and collects parsed messages until `until` says stop (or the time is up). */
async function readStream(headers: Record<string, string>, until: (msgs: SseMessage[]) => boolean, timeoutMs = 3000): Promise<SseMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const msgs: SseMessage[] = [];
  try {
    const res = await fetch(`${base}/api/events`, { headers, signal: controller.signal });
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
  dir = mkdtempSync(join(tmpdir(), 'live-stream-'));
  db = openDatabase(join(dir, 'portal.db'));
  db.$client.prepare(`INSERT INTO ddi_providers (id, name) VALUES (1, 'Acme')`).run();
  for (let id = 1; id <= 20; id++) addRegistration(id);
  tail = new EventTail(db.$client, 20);
  const handler = createEventStreamHandler(db.$client, tail);
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(async () => {
  tail.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

test('coalesce keeps the last event per registration, in id order', () => {
  const e = (id: number, registrationId: number, state: StatusEvent['state']): StatusEvent => ({
    id, registrationId, state, code: null, reason: null, expiresAt: null, nextAttemptAt: null, target: null, at: id,
  });
  const out = coalesce([e(1, 7, 'pending'), e(2, 8, 'pending'), e(3, 7, 'registering'), e(4, 7, 'registered')]);
  assert.deepEqual(out.map((x) => [x.id, x.registrationId, x.state]), [[2, 8, 'pending'], [4, 7, 'registered']]);
});

test('a new client gets a snapshot, then live status events', async () => {
  addEvent(1, 'registered', 1000);
  tail.poll();
  let later = 0;
  const msgs = await readStream({}, (m) => {
    if (m.length === 1) later = addEvent(2, 'retrying', 2000);
    return m.some((x) => x.event === 'status');
  });
  assert.equal(msgs[0]!.event, 'snapshot');
  const snapshot = msgs[0]!.data as { registrations: Array<{ registrationId: number; state: string }>; engine: { state: string } };
  assert.ok(snapshot.registrations.some((r) => r.registrationId === 1 && r.state === 'registered'));
  assert.equal(snapshot.engine.state, 'unknown'); // no engine has written a heartbeat here
  const status = msgs.find((x) => x.event === 'status')!;
  assert.equal(status.id, String(later));
  assert.deepEqual((status.data as { registrationId: number; state: string }).state, 'retrying');
});

test('a burst is coalesced: one event per registration', async () => {
  let fired = false;
  const msgs = await readStream({}, (m) => {
    if (!fired && m.length === 1) {
      fired = true;
      const burst = db.$client.transaction(() => {
        for (let round = 0; round < 50; round++) {
          for (let id = 1; id <= 10; id++) addEvent(id, round === 49 ? 'registered' : 'registering', 3000 + round);
        }
      });
      burst();
    }
    return m.filter((x) => x.event === 'status').length >= 10;
  });
  const statuses = msgs.filter((x) => x.event === 'status');
  assert.equal(statuses.length, 10, 'one event per registration for 500 transitions');
  assert.ok(statuses.every((s) => (s.data as { state: string }).state === 'registered'));
});

test('a reconnect with Last-Event-ID gets the missed events, coalesced, and no snapshot', async () => {
  tail.poll();
  const lastSeen = tail.position;
  const missedA = addEvent(3, 'registering', 5000);
  const missedB = addEvent(3, 'rejected', 5001);
  addEvent(4, 'registered', 5002);
  const msgs = await readStream({ 'last-event-id': String(lastSeen) }, (m) => m.length >= 2, 1500);
  assert.ok(!msgs.some((x) => x.event === 'snapshot'));
  const byReg = new Map(msgs.map((x) => [(x.data as { registrationId: number }).registrationId, x]));
  assert.equal((byReg.get(3)!.data as { state: string }).state, 'rejected');
  assert.equal(byReg.get(3)!.id, String(missedB));
  assert.ok(missedB > missedA);
  assert.equal((byReg.get(4)!.data as { state: string }).state, 'registered');
});

test('a reconnect whose missed events were pruned gets a fresh snapshot', async () => {
  addEvent(5, 'registered', 6000);
  tail.poll();
  db.$client.prepare('DELETE FROM registration_events WHERE id < ?').run(tail.position);
  const msgs = await readStream({ 'last-event-id': '1' }, (m) => m.length >= 1);
  assert.equal(msgs[0]!.event, 'snapshot');
  assert.equal(msgs[0]!.id, String(tail.position));
});

test("the engine's health is pushed when it changes (and right away to a resuming client)", async () => {
  const beat = new Heartbeat(db.$client, { bind: '127.0.0.1:5098', intervalMs: 60_000 });
  let started = false;
  try {
    const msgs = await readStream({}, (m) => {
      if (!started && m.length === 1) {
        started = true;
        beat.start();
      }
      return m.some((x) => x.event === 'engine');
    });
    assert.equal(msgs[0]!.event, 'snapshot');
    const engine = msgs.find((x) => x.event === 'engine')!;
    assert.equal(engine.id, null, 'no id: it does not move Last-Event-ID');
    assert.deepEqual({ ...(engine.data as object), heartbeatAt: 0 }, { state: 'running', bind: '127.0.0.1:5098', heartbeatAt: 0, calls: { relayed: 0, refused: 0 } });

    const resumed = await readStream({ 'last-event-id': String(tail.position) }, (m) => m.some((x) => x.event === 'engine'), 500);
    assert.equal((resumed.find((x) => x.event === 'engine')?.data as { state: string } | undefined)?.state, 'running');
  } finally {
    beat.stopped('shut down');
    db.$client.prepare('DELETE FROM engine_nodes').run();
  }
});

test('the snapshot reads stored statuses by the expiry rule: a dead engine\'s "registered" past expiresAt is "retrying" (expired)', async () => {
  const lapsedAt = Date.now() - 60_000;
  db.$client
    .prepare("INSERT OR REPLACE INTO registration_status (registration_id, state, code, reason, at, attempts, expires_at) VALUES (2, 'registered', 200, 'OK', ?, 0, ?)")
    .run(lapsedAt - 3_600_000, lapsedAt);
  db.$client
    .prepare("INSERT OR REPLACE INTO registration_status (registration_id, state, code, reason, at, attempts, expires_at) VALUES (3, 'registered', 200, 'OK', ?, 0, ?)")
    .run(Date.now(), Date.now() + 3_600_000);
  const msgs = await readStream({}, (m) => m.some((x) => x.event === 'snapshot'));
  const rows = (msgs[0]!.data as { registrations: Array<{ registrationId: number; state: string; reason: string | null; code: number | null; at: number }> }).registrations;
  const lapsed = rows.find((r) => r.registrationId === 2)!;
  assert.deepEqual([lapsed.state, lapsed.reason, lapsed.code, lapsed.at], ['retrying', 'expired', null, lapsedAt]);
  assert.equal(rows.find((r) => r.registrationId === 3)!.state, 'registered');
});
