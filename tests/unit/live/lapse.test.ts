import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withLapse } from '../../../lib/registrations/lapse';

const base = { state: 'registered', code: 200, reason: 'OK', at: 1_000, expiresAt: 61_000, target: '127.0.0.1:5060/udp' };

test('registered before expiresAt stays as it is', () => {
  assert.equal(withLapse(base, 60_999), base);
});

test('registered at or past expiresAt reads as retrying "expired", since expiresAt', () => {
  assert.deepEqual(withLapse(base, 61_000), { ...base, state: 'retrying', code: null, reason: 'expired', at: 61_000 });
  assert.deepEqual(withLapse({ ...base, expiresAt: '1970-01-01T00:01:01.000Z' }, 90_000).state, 'retrying');
});

test('other states and unknown expiry are left alone', () => {
  const retrying = { ...base, state: 'retrying', reason: 'timeout', code: null };
  assert.equal(withLapse(retrying, 90_000), retrying);
  const noExpiry = { ...base, expiresAt: null };
  assert.equal(withLapse(noExpiry, 90_000), noExpiry);
});
