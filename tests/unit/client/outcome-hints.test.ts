import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outcomeHint } from '../../../lib/client/outcome-hints';

test('a refused REGISTER says which settings to check, by SIP code', () => {
  for (const code of [401, 403, 407]) assert.match(outcomeHint(code, 'Unauthorized')!, /check the user .*password and the realm/i, String(code));
  assert.match(outcomeHint(404, 'Not Found')!, /check the username and the domain/);
  assert.match(outcomeHint(423, 'Interval Too Brief')!, /raise Expire/);
  // the reason phrase is the server's: the code decides
  assert.equal(outcomeHint(404, 'Unauthorized'), outcomeHint(404, 'Not Found'));
});

test('codes without their own hint fall back to their class; success has none', () => {
  assert.equal(outcomeHint(200, 'OK'), undefined);
  assert.equal(outcomeHint(202, 'Accepted'), undefined);
  assert.match(outcomeHint(302, 'Moved')!, /redirected/);
  assert.match(outcomeHint(488, 'Not Acceptable Here')!, /refused the REGISTER/);
  assert.match(outcomeHint(599, 'x')!, /usually temporary/);
  assert.match(outcomeHint(603, 'Decline')!, /with the provider/);
});

test('local causes say what happened and what to check', () => {
  for (const cause of ['timeout', 'no-answer', 'transport']) {
    assert.match(outcomeHint(null, cause)!, /could not be reached: check the domain .*port.*firewall/, cause);
  }
  assert.match(outcomeHint(null, 'binding-lost')!, /dropped our registration.*registered again/);
  assert.match(outcomeHint(undefined, 'connection-closed')!, /closed the TCP\/TLS connection.*registered again/);
  assert.match(outcomeHint(0, 'dns')!, /spelling of the domain/);
});

test('unknown or missing causes give no hint (the outcome alone is shown)', () => {
  assert.equal(outcomeHint(null, null), undefined);
  assert.equal(outcomeHint(null, ''), undefined);
  assert.equal(outcomeHint(null, 'something-new'), undefined);
  assert.equal(outcomeHint(null, 'toString'), undefined);
  assert.equal(outcomeHint(null, 'bad-response'), undefined);
});
