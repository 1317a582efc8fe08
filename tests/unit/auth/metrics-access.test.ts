// Who may read /metrics (METRICS_ACCESS) and what non-admins see (lib/server/metrics-access.ts),
// and the live stream limit per principal (lib/live/stream-limit.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../../lib/auth/principal';
import { createStreamLimiter } from '../../../lib/live/stream-limit';
import { isTrustedPeer, parseTrustedProxies } from '../../../lib/server/client-address';
import { metricsAllowed, withoutVersionInfo } from '../../../lib/server/metrics-access';

const who = (role: Principal['role'], via: Principal['via']): Principal => ({ operatorId: 1, email: 'a@b.c', name: '', role, via });

test('METRICS_ACCESS: admin (default) admins only; token adds any API token; viewer anyone signed in', () => {
  const cases: [Principal, boolean, boolean, boolean][] = [
    [who('admin', 'session'), true, true, true],
    [who('admin', 'token'), true, true, true],
    [who('editor', 'session'), false, false, true],
    [who('viewer', 'session'), false, false, true],
    [who('viewer', 'token'), false, true, true],
  ];
  for (const [p, admin, token, viewer] of cases) {
    assert.equal(metricsAllowed(p, 'admin'), admin, `${p.role}/${p.via} admin`);
    assert.equal(metricsAllowed(p, 'token'), token, `${p.role}/${p.via} token`);
    assert.equal(metricsAllowed(p, 'viewer'), viewer, `${p.role}/${p.via} viewer`);
  }
});

test('the Node version is taken out for non-admins, the rest stays', () => {
  const text = '# HELP nodejs_version_info Node.js version info.\n# TYPE nodejs_version_info gauge\nnodejs_version_info{version="v20.1.0",major="20"} 1\n# HELP up x\nup 1\n';
  assert.equal(withoutVersionInfo(text), '# HELP up x\nup 1\n');
});

test('at most N streams per principal; releasing (once) frees a slot; principals are apart', () => {
  const limiter = createStreamLimiter(2);
  const a1 = limiter.acquire('session:a')!;
  const a2 = limiter.acquire('session:a')!;
  assert.equal(typeof a2, 'function');
  assert.equal(limiter.acquire('session:a'), null);
  assert.ok(limiter.acquire('token:7'));
  a1();
  a1();
  assert.equal(limiter.open('session:a'), 1);
  assert.ok(limiter.acquire('session:a'));
  assert.equal(limiter.acquire('session:a'), null);
});

test('X-Forwarded-* is believed only from a TRUST_PROXY peer', () => {
  const trusted = parseTrustedProxies('127.0.0.1, 10.0.0.2');
  assert.ok(isTrustedPeer('::ffff:127.0.0.1', trusted));
  assert.ok(isTrustedPeer('10.0.0.2', trusted));
  assert.ok(!isTrustedPeer('203.0.113.9', trusted));
  assert.ok(!isTrustedPeer('127.0.0.1', parseTrustedProxies(undefined)));
  assert.ok(!isTrustedPeer(undefined, trusted));
});
