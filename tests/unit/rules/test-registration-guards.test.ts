import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scopeChanges } from '../../../lib/registrations/password-scope';
import { parseDenyList } from '../../../lib/registrations/test-deny';
import { TestLimiter } from '../../../lib/registrations/test-limiter';

test('TEST_REGISTRATION_DENY: addresses and CIDR blocks, IPv4 and IPv6; names and junk refused', () => {
  const deny = parseDenyList(' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,');
  assert.equal(deny.size, 3);
  assert.ok(deny.denies('10.200.1.1'));
  assert.ok(deny.denies('192.0.2.7'));
  assert.ok(!deny.denies('192.0.2.8'));
  assert.ok(deny.denies('fd12::1'));
  assert.ok(!deny.denies('2001:db8::1'));
  assert.ok(!deny.denies('sip.example.com'), 'only resolved addresses are checked');
  assert.equal(parseDenyList(undefined).size, 0);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::/129', '10.0.0.0/x']) assert.throws(() => parseDenyList(bad), /is not an IP address or CIDR block/, bad);
});

test('the test pace: 2 at a time and 10 a minute per operator', () => {
  let now = 0;
  const limiter = new TestLimiter({ concurrent: 2, perMinute: 10 }, () => now);
  const a = limiter.acquire(1);
  const b = limiter.acquire(1);
  assert.ok(a.ok && b.ok);
  assert.deepEqual(limiter.acquire(1), { ok: false, retryAfterMs: 1000 });
  assert.ok(limiter.acquire(2).ok, 'another operator has its own slots');
  if (a.ok) a.release();
  if (a.ok) a.release(); // twice is harmless
  for (let i = 0; i < 8; i++) {
    now += 1000;
    const s = limiter.acquire(1);
    assert.ok(s.ok, `start ${i + 3}`);
    if (s.ok) s.release();
  }
  now += 1000;
  const over = limiter.acquire(1);
  assert.equal(over.ok, false);
  assert.equal(!over.ok && over.retryAfterMs, 51_000, "the oldest start (t=0) leaves the window at 60 s");
  now = 60_001;
  assert.ok(limiter.acquire(1).ok, 'the window moves on');
});

test('the saved password scope: domain, registrar URI and realm; blank and null alike', () => {
  const saved = { domain: 'sip.own.example', registerServerUri: null, realm: null };
  assert.deepEqual(scopeChanges(saved, { domain: 'sip.own.example', registerServerUri: '', realm: null }), []);
  assert.deepEqual(scopeChanges(saved, {}), []);
  assert.deepEqual(scopeChanges(saved, { domain: 'evil.example', registerServerUri: 'sip:evil', realm: 'x' }), ['domain', 'registerServerUri', 'realm']);
});
