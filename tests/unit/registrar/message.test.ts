import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipError } from '../../../registrar/errors';
import { parseCSeq } from '../../../registrar/message/cseq';
import { parseNameAddr, parseNameAddrList } from '../../../registrar/message/name-addr';
import { parseMessage } from '../../../registrar/message/parser';
import { buildRegister } from '../../../registrar/registration/register-request';
import { formatUri, parseUri } from '../../../registrar/message/uri';
import { BRANCH_MAGIC_COOKIE, newBranch, parseVia, topViaBranch } from '../../../registrar/message/via';

const OK_200 = [
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;rport=5060;branch=z9hG4bKabc;received=198.51.100.1',
  'From: <sip:alice@example.com>;tag=111',
  'To: <sip:alice@example.com>;tag=222',
  'Call-ID: cid-1',
  'CSeq: 2 REGISTER',
  'Contact: <sip:100@192.0.2.10:5060;transport=udp>;expires=1800, "Other, Phone" <sip:100@203.0.113.5:5062>;expires=60',
  'Contact: sip:200@203.0.113.6;expires=30',
  'Expires: 3600',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function expectCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof SipError && err.code === code);
}

test('parses a 200 OK status line, headers and body', () => {
  const m = parseMessage(Buffer.from(OK_200));
  assert.equal(m.kind, 'response');
  if (m.kind !== 'response') return;
  assert.equal(m.status, 200);
  assert.equal(m.reason, 'OK');
  assert.equal(m.headers.get('call-id'), 'cid-1');
  assert.equal(m.headers.get('content-length'), '0');
  assert.equal(m.headers.getAll('contact').length, 2);
  assert.equal(m.body.length, 0);
  assert.deepEqual(parseCSeq(m.headers.get('cseq')), { seq: 2, method: 'REGISTER' });
});

test('multiple Contacts: comma lists with quoted commas and separate lines', () => {
  const m = parseMessage(Buffer.from(OK_200));
  const contacts = parseNameAddrList(m.headers.getAll('contact'));
  assert.equal(contacts.length, 3);
  assert.equal(contacts[0].uri.user, '100');
  assert.equal(contacts[0].uri.params.get('transport'), 'udp');
  assert.equal(contacts[0].params.get('expires'), '1800');
  assert.equal(contacts[1].displayName, 'Other, Phone');
  assert.equal(contacts[1].uri.port, 5062);
  assert.equal(contacts[1].params.get('expires'), '60');
  // addr-spec without <>: params belong to the header
  assert.equal(contacts[2].uri.host, '203.0.113.6');
  assert.equal(contacts[2].params.get('expires'), '30');
  assert.equal(contacts[2].uri.params.size, 0);
});

test('header folding (RFC 3261 §7.3.1) is unfolded with a single space', () => {
  const raw = 'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nWWW-Authenticate: Digest realm="r",\r\n   nonce="n",\r\n\talgorithm=MD5\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n';
  const m = parseMessage(Buffer.from(raw));
  assert.equal(m.headers.get('www-authenticate'), 'Digest realm="r", nonce="n", algorithm=MD5');
});

test('compact header forms are expanded', () => {
  const raw = [
    'SIP/2.0 200 OK',
    'v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx',
    'f: <sip:a@b>;tag=1',
    't: <sip:a@b>',
    'i: abc',
    'm: <sip:1@192.0.2.1>',
    'CSeq: 1 REGISTER',
    'k: path',
    'c: application/sdp',
    'l: 3',
    '',
    'xyzTRAILING',
  ].join('\r\n');
  const m = parseMessage(Buffer.from(raw));
  assert.equal(m.headers.get('via'), 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx');
  assert.equal(m.headers.get('from'), '<sip:a@b>;tag=1');
  assert.equal(m.headers.get('to'), '<sip:a@b>');
  assert.equal(m.headers.get('call-id'), 'abc');
  assert.equal(m.headers.get('contact'), '<sip:1@192.0.2.1>');
  assert.equal(m.headers.get('supported'), 'path');
  assert.equal(m.headers.get('content-type'), 'application/sdp');
  assert.equal(m.body.toString(), 'xyz');
});

test('parses requests and tolerates bare LF and leading CRLF', () => {
  const m = parseMessage(Buffer.from('\r\nREGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\nCSeq: 7 REGISTER\nContent-Length: 0\n\n'));
  assert.equal(m.kind, 'request');
  if (m.kind !== 'request') return;
  assert.equal(m.method, 'REGISTER');
  assert.equal(m.uri, 'sip:example.com');
});

test('malformed messages fail with E_PARSE', () => {
  expectCode(() => parseMessage(Buffer.from('HELLO WORLD\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 2000 OK\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 099 Low\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/3.0 200 OK\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 200 OK\r\nNoColonHere\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 200 OK\r\n folded-first\r\n\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: abc\r\n\r\n')), 'E_PARSE');
});

test('truncated messages fail with E_PARSE', () => {
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\n')), 'E_PARSE');
  expectCode(() => parseMessage(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc')), 'E_PARSE');
});

test('oversized messages and too many headers fail with E_TOO_LARGE', () => {
  const big = Buffer.concat([Buffer.from('SIP/2.0 200 OK\r\nX: '), Buffer.alloc(70_000, 0x61), Buffer.from('\r\n\r\n')]);
  expectCode(() => parseMessage(big), 'E_TOO_LARGE');
  const many = 'SIP/2.0 200 OK\r\n' + Array.from({ length: 300 }, (_, i) => `X-H${i}: v`).join('\r\n') + '\r\n\r\n';
  expectCode(() => parseMessage(Buffer.from(many)), 'E_TOO_LARGE');
  expectCode(() => parseMessage(Buffer.from(many), { maxMessageBytes: 65536, maxHeaders: 10 }), 'E_TOO_LARGE');
});

test('URI parsing: user, IPv4/IPv6/hostname, port, params, sips', () => {
  const a = parseUri('sip:alice@example.com;transport=tcp');
  assert.deepEqual([a.scheme, a.user, a.host, a.port, a.params.get('transport')], ['sip', 'alice', 'example.com', null, 'tcp']);
  const b = parseUri('sips:[2001:db8::1]:5061;lr');
  assert.deepEqual([b.scheme, b.user, b.host, b.port, b.params.has('lr')], ['sips', null, '2001:db8::1', 5061, true]);
  assert.equal(formatUri(b), 'sips:[2001:db8::1]:5061;lr');
  const c = parseUri('sip:100:secret@192.0.2.4:5070');
  assert.deepEqual([c.user, c.host, c.port], ['100', '192.0.2.4', 5070]);
  assert.equal(formatUri(c), 'sip:100@192.0.2.4:5070');
  expectCode(() => parseUri('http://example.com'), 'E_PARSE');
  expectCode(() => parseUri('sip:host:99999'), 'E_PARSE');
  expectCode(() => parseUri('sip:[::1'), 'E_PARSE');
  expectCode(() => parseUri('sip:bad host'), 'E_PARSE');
});

test('name-addr with display name and header params', () => {
  const n = parseNameAddr('"Alice \\"A\\"" <sip:alice@example.com>;tag=abc');
  assert.equal(n.displayName, 'Alice "A"');
  assert.equal(n.uri.user, 'alice');
  assert.equal(n.params.get('tag'), 'abc');
  assert.equal(parseNameAddr('Bob <sip:bob@b>').displayName, 'Bob');
});

test('Via helpers: branch extraction and generation', () => {
  assert.equal(topViaBranch('SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKaaa, SIP/2.0/UDP p;branch=z9hG4bKbbb'), 'z9hG4bKaaa');
  assert.equal(topViaBranch('SIP/2.0/UDP 192.0.2.1;Branch = z9hG4bKccc'), 'z9hG4bKccc');
  assert.equal(topViaBranch('SIP/2.0/UDP 192.0.2.1'), null);
  const v = parseVia('SIP/2.0/TCP [2001:db8::2]:5080;received=1.2.3.4;rport=4000;branch=z9hG4bKq');
  assert.deepEqual([v.protocol, v.host, v.port, v.params.get('rport')], ['TCP', '2001:db8::2', 5080, '4000']);
  const b1 = newBranch();
  assert.ok(b1.startsWith(BRANCH_MAGIC_COOKIE));
  assert.notEqual(b1, newBranch());
});

test('serializes a request with Content-Length and round-trips through the parser', () => {
  const { data: buf, text, branch } = buildRegister({
    requestUri: 'sip:example.com', aor: 'sip:a@example.com', fromTag: 't', callId: 'c', cseq: 1, contact: null, expires: 0,
    transport: 'udp', viaHost: 'h', viaPort: 5060, userAgent: 'ua', authorization: [],
  });
  assert.equal(buf.toString(), text);
  assert.equal(text, `REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP h:5060;rport;branch=${branch}\r\nMax-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=t\r\nTo: <sip:a@example.com>\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\nUser-Agent: ua\r\nContent-Length: 0\r\n\r\n`);
  const m = parseMessage(buf);
  assert.equal(m.kind, 'request');
  assert.equal(m.headers.get('content-length'), '0');
});
