import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, refreshDelayMs, rejectedDelayMs } from '../../../registrar/registration/timing';

const P = DEFAULT_RETRY_POLICY;

test('refresh at min(85%, granted − Timer F per server), not before half of it, with jitter, never below the floor', () => {
  assert.equal(refreshDelayMs(3600, P, () => 0), 3_060_000);
  assert.equal(refreshDelayMs(3600, P, () => 1), 3_050_000);
  assert.equal(refreshDelayMs(120, P, () => 0), 88_000);
  assert.equal(refreshDelayMs(20, P, () => 0), 10_000);
  assert.equal(refreshDelayMs(3600, P, () => 0, 96_000), 3_060_000);
  assert.equal(refreshDelayMs(300, P, () => 0, 96_000), 204_000);
  assert.equal(refreshDelayMs(120, P, () => 0, 96_000), 60_000);
  assert.equal(refreshDelayMs(0, P, () => 0.9), 5_000);
});

test('backoff: full jitter between floor and min(cap, floor·2^n), Retry-After capped', () => {
  assert.equal(backoffDelayMs(1, null, P, () => 0), 2_000);
  assert.equal(backoffDelayMs(1, null, P, () => 1), 4_000);
  assert.equal(backoffDelayMs(3, null, P, () => 1), 16_000);
  assert.equal(backoffDelayMs(20, null, P, () => 1), 300_000);
  assert.equal(backoffDelayMs(1, 60_000, P, () => 0), 60_000);
  assert.equal(backoffDelayMs(1, 86_400_000, P, () => 0), 300_000);
});

test('rejected registrations retry every 300–900 s', () => {
  assert.equal(rejectedDelayMs(P, () => 0), 300_000);
  assert.equal(rejectedDelayMs(P, () => 1), 900_000);
});
