import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, refreshDelayMs, rejectedDelayMs } from '../../../registrar/registration/timing';

const P = DEFAULT_RETRY_POLICY;

test('refresh at min(85%, granted − Timer F per server), not before half of it, with jitter, never below the floor', () => {
  assert.equal(refreshDelayMs(3600, P, () => 0), 3_060_000);
  assert.equal(refreshDelayMs(3600, P, () => 1), 3_050_000);
  assert.equal(refreshDelayMs(120, P, () => 0), 88_000);
  assert.equal(refreshDelayMs(20, P, () => 0), 15_000, 'at most one REGISTER per 15 s');
  assert.equal(refreshDelayMs(30, P, () => 0), 15_000, 'granted 30 s: every 15 s, not every 5 s');
  assert.equal(refreshDelayMs(10, P, () => 0), 9_000, 'a grant shorter than 15 s: at 90 % of it, never lapsing');
  assert.equal(refreshDelayMs(3600, P, () => 0, 96_000), 3_060_000);
  assert.equal(refreshDelayMs(300, P, () => 0, 96_000), 204_000);
  assert.equal(refreshDelayMs(120, P, () => 0, 96_000), 60_000);
  assert.equal(refreshDelayMs(0, P, () => 0.9), 1_000, 'never a tight loop');
});

test('backoff: full jitter between floor and min(cap, floor·2^n); Retry-After honoured as given, up to a day', () => {
  assert.equal(backoffDelayMs(1, null, P, () => 0), 2_000);
  assert.equal(backoffDelayMs(1, null, P, () => 1), 4_000);
  assert.equal(backoffDelayMs(3, null, P, () => 1), 16_000);
  assert.equal(backoffDelayMs(20, null, P, () => 1), 300_000);
  assert.equal(backoffDelayMs(1, 60_000, P, () => 0), 60_000);
  assert.equal(backoffDelayMs(1, 400_000, P, () => 0), 400_000, 'RFC 3261 §21.5.4: not sooner than Retry-After');
  assert.equal(backoffDelayMs(1, 10 * 86_400_000, P, () => 0), 86_400_000);
});

test('rejected registrations retry every 300–900 s', () => {
  assert.equal(rejectedDelayMs(P, () => 0), 300_000);
  assert.equal(rejectedDelayMs(P, () => 1), 900_000);
  assert.equal(rejectedDelayMs(P, () => 1, 60_000), 60_000, 'or when its Retry-After says');
});
