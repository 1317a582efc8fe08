// Countdowns without a push per refresh: the browser projects refreshes in place from the last
// transition (or snapshot) it has.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grantedFromTransition, projectRefresh } from '../../../lib/registrations/projection';

// registered at 1 s, granted 60 s (expires at 61 s), next refresh at 49 s: a 48 s cycle
const base = { state: 'registered', code: 200, reason: 'OK', at: 1_000, expiresAt: 61_000, nextAttemptAt: 49_000, grantedExpires: 60, lastSuccessAt: 1_000 };

test('before the next attempt the status is shown as it is', () => {
  assert.equal(projectRefresh(base, 48_999), base);
});

test('past the next attempt, the refresh that was due is applied (and the ones after it, one cycle each)', () => {
  assert.deepEqual(projectRefresh(base, 49_000), { ...base, expiresAt: 109_000, nextAttemptAt: 97_000, lastSuccessAt: 49_000 });
  assert.deepEqual(projectRefresh(base, 100_000), { ...base, expiresAt: 157_000, nextAttemptAt: 145_000, lastSuccessAt: 97_000 });
  // an hour later the countdown still runs: expires within the granted lifetime, next attempt ahead
  const later = projectRefresh(base, 3_600_000);
  assert.ok(later.expiresAt > 3_600_000 && later.expiresAt <= 3_660_000, String(later.expiresAt));
  assert.ok(later.nextAttemptAt > 3_600_000 && later.nextAttemptAt <= 3_648_000, String(later.nextAttemptAt));
});

test('ISO strings (a fetched status) project too; without lastSuccessAt none is added', () => {
  const { lastSuccessAt: _l, ...fetched } = { ...base, expiresAt: new Date(61_000).toISOString(), nextAttemptAt: new Date(49_000).toISOString() };
  assert.deepEqual(projectRefresh(fetched, 50_000), { ...fetched, expiresAt: 109_000, nextAttemptAt: 97_000 });
});

test('anything but registered, or without a granted lifetime or times, is left alone', () => {
  for (const s of [
    { ...base, state: 'retrying' },
    { ...base, grantedExpires: null },
    { ...base, nextAttemptAt: null },
    { ...base, expiresAt: null },
    { ...base, grantedExpires: 10 }, // margin larger than the lifetime: no sensible cycle
  ]) {
    assert.equal(projectRefresh(s, 1_000_000), s);
  }
});

test('a registered transition implies the granted lifetime', () => {
  assert.equal(grantedFromTransition({ state: 'registered', at: 1_000, expiresAt: 3_601_000 }), 3600);
  assert.equal(grantedFromTransition({ state: 'retrying', at: 1_000, expiresAt: null }), null);
});
