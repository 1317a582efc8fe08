// The timeline tail when events do not commit in id order (a writer that took an id commits after
// one that took a higher id: engine nodes writing without the write lock). Rows are inserted with
// explicit ids in the order they "commit"; the tail is polled by hand with a fake clock, on SQLite
// and PostgreSQL alike.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawOf, tempDb, type RawDb } from '../../db';
import { EventTail, GAP_MS } from '../../../lib/live/event-tail';
import type { StatusEvent } from '../../../lib/live/types';

async function setup(t: Parameters<typeof tempDb>[0]) {
  const { db } = await tempDb(t, 'event-tail');
  const raw = rawOf(db);
  await raw.prepare(`INSERT INTO ddi_providers (id, name) VALUES (1, 'Acme')`).run();
  for (let id = 1; id <= 5; id++) {
    await raw.prepare(`INSERT INTO registrations (id, ddi_provider_id, username, domain, ddi) VALUES (?, 1, ?, 'sip.example.com', ?)`).run(id, `user${id}`, String(1000 + id));
  }
  let now = 1_000_000;
  const tail = await EventTail.open(db, 60_000, () => now);
  const batches: Array<Array<[number, number, string]>> = [];
  const unsubscribe = tail.subscribe((events: StatusEvent[]) => batches.push(events.map((e) => [e.id, e.registrationId, e.state])));
  t.after(() => {
    unsubscribe();
    tail.close();
  });
  return { raw, tail, batches, advance: (ms: number) => (now += ms) };
}

const commit = (raw: RawDb, id: number, registrationId: number, state: string) =>
  raw.prepare('INSERT INTO registration_events (id, registration_id, state, at) VALUES (?, ?, ?, ?)').run(id, registrationId, state, id);

test('an event committed after a higher one is still delivered, and the watermark waits for it', async (t) => {
  const { raw, tail, batches } = await setup(t);
  await commit(raw, 1, 1, 'registering');
  await commit(raw, 3, 2, 'registering'); // 2 taken by a writer that has not committed yet
  await tail.poll();
  assert.deepEqual(batches.splice(0), [[[1, 1, 'registering'], [3, 2, 'registering']]]);
  assert.equal(tail.position, 1, 'nothing after the missing id is taken for read');
  await commit(raw, 2, 3, 'registered');
  await tail.poll();
  assert.deepEqual(batches.splice(0), [[[2, 3, 'registered']]]);
  assert.equal(tail.position, 3);
  // a replay from before the gap gives everything read, coalesced
  assert.deepEqual((await tail.replay(0))!.map((e) => e.id), [1, 2, 3]);
});

test('a late event older than one already delivered for its registration is not delivered (no going back)', async (t) => {
  const { raw, tail, batches } = await setup(t);
  await commit(raw, 1, 4, 'registered');
  await tail.poll();
  await commit(raw, 3, 4, 'retrying');
  await tail.poll();
  assert.deepEqual(batches.splice(0), [[[1, 4, 'registered']], [[3, 4, 'retrying']]]);
  await commit(raw, 2, 4, 'registering'); // older than 3, committed after it
  await commit(raw, 4, 5, 'registered');
  await tail.poll();
  assert.deepEqual(batches.splice(0), [[[4, 5, 'registered']]]);
  assert.equal(tail.position, 4);
});

test('an id that never shows up (rolled back, deleted) is given up after GAP_MS', async (t) => {
  const { raw, tail, batches, advance } = await setup(t);
  await commit(raw, 1, 1, 'registering');
  await commit(raw, 3, 1, 'registered');
  await tail.poll();
  assert.equal(tail.position, 1);
  advance(GAP_MS);
  await tail.poll();
  assert.equal(tail.position, 1, 'still looked for at GAP_MS');
  advance(1);
  await tail.poll();
  assert.equal(tail.position, 3);
  // one registration: coalesced to its latest
  assert.deepEqual(batches.splice(0), [[[3, 1, 'registered']]]);
});
