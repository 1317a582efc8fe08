import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage } from '../../../registrar/message/parser';
import type { SipResponse } from '../../../registrar/message/types';
import { grantedExpiry } from '../../../registrar/registration/response-info';

const OURS = 'sip:34910000001@192.0.2.10:5060';

function ok(...headers: string[]): SipResponse {
  const text = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1;rport=5060',
    'From: <sip:user@example.com>;tag=a',
    'To: <sip:user@example.com>;tag=b',
    'Call-ID: c1',
    'CSeq: 2 REGISTER',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  return parseMessage(Buffer.from(text)) as SipResponse;
}

test('grantedExpiry: our Contact echoed as sent (the fast path) and written otherwise (the full parse) give the same answers', () => {
  // Echoed as sent.
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>;expires=120`), OURS, 3600), 120);
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>;q=0.5;Expires=60`), OURS, 3600), 60);
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>`, 'Expires: 90'), OURS, 3600), 90);
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>`), OURS, 3600), 3600, 'listed without expiry: what we asked');
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>;expires=0`), OURS, 3600), null, 'listed with 0: not bound');
  // Not as sent, but the same binding address (host case, a display name, a URI param): the full parse.
  assert.equal(grantedExpiry(ok('Contact: <sip:34910000001@192.0.2.10:5060;transport=udp>;expires=75'), OURS, 3600), 75);
  assert.equal(grantedExpiry(ok(`Contact: "PBX" <${OURS}>;expires=45`), OURS, 3600), 45);
  // Other bindings of the AOR next to ours, in one value or in two headers.
  assert.equal(grantedExpiry(ok(`Contact: <sip:other@198.51.100.1>;expires=10, <${OURS}>;expires=30`), OURS, 3600), 30);
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}>;expires=30, <sip:other@198.51.100.1>;expires=10`), OURS, 3600), 30);
  assert.equal(grantedExpiry(ok('Contact: <sip:other@198.51.100.1>;expires=10', `Contact: <${OURS}>;expires=35`), OURS, 3600), 35);
  // Ours missing, or a prefix of another URI: not bound.
  assert.equal(grantedExpiry(ok('Contact: <sip:other@198.51.100.1>;expires=10'), OURS, 3600), null);
  assert.equal(grantedExpiry(ok(`Contact: <${OURS}0>;expires=10`), OURS, 3600), null);
  assert.equal(grantedExpiry(ok(), OURS, 3600), null);
});
