// The engine's per-minute state samples (the dashboard chart): counts per effective state, one row
// per minute, retention; and the bands of a registration read back from its timeline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAMPLE_RETENTION_MS, StateSampler } from '../../../registrar/store/state-samples';
import { availabilityBands, stateHistory } from '../../../lib/registrations/history';
import { rawOf } from '../../db';
import { insertRegistration, tempDatabase } from '../secrets/helpers';

const MIN = 60_000;
const HOUR = 60 * MIN;

test('a sample counts the effective states (registered past its expiry is retrying), one row per minute, pruned after the retention', async (t) => {
  const db = await tempDatabase(t);
  const sqlite = rawOf(db);
  const t0 = Date.UTC(2026, 10, 30, 12, 0, 30);
  const ids: number[] = [];
  for (const u of ['a', 'b', 'c', 'd', 'e']) ids.push(await insertRegistration(db, u, null));
  const status = sqlite.prepare('INSERT INTO registration_status (registration_id, state, at, expires_at) VALUES (?, ?, ?, ?)');
  await status.run(ids[0], 'registered', t0, t0 + HOUR);
  await status.run(ids[1], 'registered', t0 - HOUR, t0 - MIN); // lapsed: reads as retrying
  await status.run(ids[2], 'retrying', t0, null);
  await status.run(ids[3], 'rejected', t0, null);
  await sqlite.prepare('UPDATE registrations SET enabled = ? WHERE id = ?').run(false, ids[4]);

  let now = t0;
  const sampler = new StateSampler(db, { now: () => now });
  assert.deepEqual(await sampler.sample(), { at: t0 - 30_000, total: 5, registered: 1, retrying: 2, rejected: 1, disabled: 1 });
  now += 10_000; // same minute: replaced, not added
  await sampler.sample();
  now += MIN;
  await sampler.sample();
  const rows = async () => (await sqlite.prepare('SELECT at FROM state_samples ORDER BY at').all()) as { at: number }[];
  assert.deepEqual((await rows()).map((r) => r.at), [t0 - 30_000, t0 + 30_000]);

  const history = await stateHistory(db, now);
  assert.deepEqual(history.samples.map((s) => s.failing), [3, 3]);

  now += SAMPLE_RETENTION_MS;
  await sampler.sample();
  assert.equal((await rows()).length, 1, 'older than the retention: dropped');
});

test('bands: transitions become segments, the state before the window carries into it, repeated reports merge', async (t) => {
  const db = await tempDatabase(t);
  const id = await insertRegistration(db, 'bands', null);
  const now = Date.UTC(2026, 10, 30, 12, 0, 0);
  const insert = rawOf(db).prepare('INSERT INTO registration_events (registration_id, state, code, reason, at) VALUES (?, ?, ?, ?, ?)');
  await insert.run(id, 'registered', 200, 'OK', now - 30 * HOUR);
  await insert.run(id, 'retrying', null, 'timeout', now - 4 * HOUR);
  await insert.run(id, 'retrying', null, 'timeout', now - 3 * HOUR);
  await insert.run(id, 'registering', null, null, now - 2 * HOUR);
  await insert.run(id, 'registered', 200, 'OK', now - 2 * HOUR + MIN);
  const { from, to, segments } = await availabilityBands(db, id, '24h', now);
  assert.equal(to - from, 24 * HOUR);
  assert.deepEqual(
    segments.map((s) => [s.band, s.state, (s.to - s.from) / MIN, s.reason]),
    [
      ['registered', 'registered', 20 * 60, 'OK'],
      ['retrying', 'retrying', 2 * 60, 'timeout'],
      ['other', 'registering', 1, null],
      ['registered', 'registered', 2 * 60 - 1, 'OK'],
    ],
  );
  assert.equal(segments[0]!.from, from, 'the state before the window starts it');
  assert.deepEqual((await availabilityBands(db, await insertRegistration(db, 'quiet', null), '7d', now)).segments, []);
});
