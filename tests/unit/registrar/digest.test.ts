import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { keptChallenge, parseChallenges, pickChallenge } from '../../../registrar/auth/challenge';
import { buildAuthorization, computeDigest, credentialsHash, formatNc } from '../../../registrar/auth/digest';
import { redact } from '../../../registrar/auth/redact';

// RFC 7616 §3.9.1 example. The nonce is the one printed in the RFC; the
// expected responses below only reproduce with exactly this value.
const NONCE = '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v';
const CNONCE = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
const OPAQUE = 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS';
const HEADERS = [
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="${NONCE}", opaque="${OPAQUE}"`,
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="${NONCE}", opaque="${OPAQUE}"`,
];
const creds = { username: 'Mufasa', password: 'Circle of Life' };

test('RFC 7616 §3.9.1 MD5 vector', () => {
  const md5 = parseChallenges(HEADERS).find((c) => c.algorithm === 'MD5');
  assert.ok(md5);
  const r = computeDigest({ challenge: md5, credentials: creds, method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, nc: 1 });
  assert.equal(r.response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(r.qop, 'auth');
  assert.equal(r.nc, '00000001');
});

test('RFC 7616 §3.9.1 SHA-256 vector', () => {
  const sha = parseChallenges(HEADERS).find((c) => c.algorithm === 'SHA-256');
  assert.ok(sha);
  const r = computeDigest({ challenge: sha, credentials: creds, method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, nc: 1 });
  assert.equal(r.response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('parses several challenges in one header and picks the strongest', () => {
  const list = parseChallenges([
    'Digest realm="a", nonce="1", algorithm=MD5, Digest realm="a", nonce="2", algorithm=SHA-512-256, qop="auth"',
    'Basic realm="x"',
    'Digest realm="b", nonce="3", algorithm=SHA-256-sess',
    'Digest realm="a", nonce="4", algorithm=UNKNOWN-ALG',
  ]);
  assert.deepEqual(list.map((c) => c.algorithm), ['MD5', 'SHA-512-256', 'SHA-256-sess']);
  assert.equal(pickChallenge(list)?.nonce, '2');
  assert.equal(pickChallenge(list, 'b')?.nonce, '3');
  assert.equal(pickChallenge(list, 'nope'), null);
  const md5Default = parseChallenges(['Digest realm="r", nonce="n", stale=TRUE, opaque="o"'])[0];
  assert.equal(md5Default.algorithm, 'MD5');
  assert.equal(md5Default.stale, true);
  assert.equal(md5Default.opaque, 'o');
  assert.deepEqual(md5Default.qop, []);
});

test('builds Authorization with qop, nc, cnonce, opaque; RFC 2069 form without qop', () => {
  const [sha] = parseChallenges([HEADERS[0]]);
  const header = buildAuthorization({ challenge: sha, credentials: creds, method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, nc: 1 });
  assert.equal(
    header,
    `Digest username="Mufasa", realm="http-auth@example.org", nonce="${NONCE}", uri="/dir/index.html", ` +
      `response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="${CNONCE}", opaque="${OPAQUE}"`,
  );
  const [plain] = parseChallenges(['Digest realm="r", nonce="n"']);
  const h2 = buildAuthorization({ challenge: plain, credentials: { username: 'u', password: 'p' }, method: 'REGISTER', uri: 'sip:r', cnonce: 'c', nc: 1 });
  assert.ok(!h2.includes('qop='));
  assert.ok(!h2.includes('nc='));
});

test('a kept H(A1) (credentialsHash) gives the same response as the credentials, -sess included; the RFC vector with it', () => {
  const md5 = parseChallenges(HEADERS).find((c) => c.algorithm === 'MD5');
  assert.ok(md5);
  const ha1 = credentialsHash('MD5', creds, md5.realm);
  const kept = computeDigest({ challenge: md5, credentials: creds, method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, nc: 1, ha1 });
  assert.equal(kept.response, '8ca523f5e9506fed4657c9700eebdbec');
  for (const algorithm of ['MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256'] as const) {
    const [c] = parseChallenges([`Digest realm="r.example", nonce="n1", qop="auth", algorithm=${algorithm}`]);
    const input = { challenge: c, credentials: creds, method: 'REGISTER', uri: 'sip:r.example', cnonce: 'c1', nc: 3 };
    assert.equal(computeDigest({ ...input, ha1: credentialsHash(algorithm, creds, 'r.example') }).response, computeDigest(input).response, algorithm);
  }
  // It is used as given: another H(A1) gives another response.
  assert.notEqual(computeDigest({ challenge: md5, credentials: creds, method: 'GET', uri: '/dir/index.html', cnonce: CNONCE, nc: 1, ha1: credentialsHash('MD5', { ...creds, password: 'x' }, md5.realm) }).response, kept.response);
});

test('auth-int, -sess and SHA-512-256 produce distinct, well-formed responses', () => {
  const [intOnly] = parseChallenges(['Digest realm="r", nonce="n", qop="auth-int", algorithm=SHA-512-256-sess']);
  const r = computeDigest({ challenge: intOnly, credentials: creds, method: 'REGISTER', uri: 'sip:r', cnonce: 'c', nc: 2, body: Buffer.alloc(0) });
  assert.equal(r.qop, 'auth-int');
  assert.match(r.response, /^[0-9a-f]{64}$/);
  assert.equal(r.nc, '00000002');
  assert.equal(formatNc(0x1ff), '000001ff');
});

test('redact hides digest responses and passwords', () => {
  const text = 'REGISTER sip:x SIP/2.0\r\nAuthorization: Digest username="u", response="8ca523f5e9506fed4657c9700eebdbec", nc=00000001\r\nX-Debug: password=hunter2\r\nContact: <sip:100:topsecret@host>\r\n\r\n';
  const out = redact(text);
  assert.ok(!out.includes('8ca523f5e9506fed4657c9700eebdbec'));
  assert.ok(!out.includes('hunter2'));
  assert.ok(!out.includes('topsecret'));
  assert.ok(out.includes('response="<redacted>"'));
  assert.ok(out.includes('username="u"'));
  assert.ok(out.includes('nc=00000001'));
});

test('redact: the one-pass pre-check never skips a text the full scrub would change; a text with nothing to scrub comes back as it is', () => {
  const full = (t: string) =>
    t
      .replace(/(\bresponse\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,;]+)/gi, '$1"<redacted>"')
      .replace(/(\b(?:password|passwd|pwd|secret)\s*[=:]\s*)("(?:[^"\\]|\\.)*"|[^\s,;&>]+)/gi, '$1"<redacted>"')
      .replace(/(\bsips?:[^:@\s;>"]+:)([^@\s;>"]+)@/gi, '$1<redacted>@');
  const cases = [
    'Authorization: Digest username="u", RESPONSE = "abc", nc=1',
    'Proxy-Authorization: Digest response=0a1b2c',
    'X-Note: PassWord: "a b"',
    'X-Note: passwd=x&pwd=y&Secret=z',
    'Contact: <SIPS:alice:s3cret@host>',
    'To: <sip:alice:p@example.com>;tag=1',
    'SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="r", nonce="n", qop="auth"\r\n\r\n',
    'SIP/2.0 200 OK\r\nContact: <sip:4930@127.0.0.1:5060>;expires=600\r\nServer: kamailio\r\n\r\n',
    'REGISTER sip:example.com SIP/2.0\r\nFrom: <sip:alice@example.com>;tag=1\r\n\r\n',
    'X-Odd: responsetime=5, bypass=1, sip:a:@b',
  ];
  for (let i = 0; i < 2000; i++) {
    // Random mixes of the pieces the scrub looks for, in any case.
    const parts = ['response', '=', '"x"', 'pass', 'word', 'pwd', ':', 'secret', 'sip', 's', '@', 'h', ' ', ';', ',', '>', 'q'];
    let t = '';
    for (let j = 0; j < 12; j++) t += parts[Math.floor(Math.random() * parts.length)];
    cases.push(Math.random() < 0.5 ? t.toUpperCase() : t);
  }
  for (const t of cases) assert.equal(redact(t), full(t), t);
  const clean = 'SIP/2.0 200 OK\r\nContact: <sip:4930@127.0.0.1:5060>;expires=600\r\n\r\n';
  assert.equal(redact(clean), clean);
});

test('keptChallenge: what a registration keeps shares no memory with the 401 it came from, and drops the raw auth-params', () => {
  const header = `Digest realm="example.com", nonce="${'5f3a9c'.repeat(8)}", algorithm=MD5, qop="auth", opaque="${'0b1c'.repeat(6)}"`;
  const [parsed] = parseChallenges([header]);
  const kept = keptChallenge(parsed);
  assert.deepEqual(kept, { realm: 'example.com', nonce: parsed.nonce, opaque: parsed.opaque, algorithm: 'MD5', qop: ['auth'], stale: false });
  assert.equal('params' in kept, false);
  // The qop list is one frozen array for every registration offered the same.
  assert.equal(keptChallenge(parseChallenges([header])[0]).qop, kept.qop);
  assert.ok(Object.isFrozen(kept.qop));
  // V8's own view of the strings (a child with --allow-natives-syntax): the parsed nonce is a
  // slice of the header value (it pins it), the kept one a string of its own.
  const code = `
    const { parseChallenges, keptChallenge } = await import(${JSON.stringify(new URL('../../../registrar/auth/challenge.ts', import.meta.url).href)});
    const [c] = parseChallenges([${JSON.stringify(header)}]);
    const k = keptChallenge(c);
    const show = new Function('s', '%DebugPrint(s)');
    for (const s of [c.nonce, k.nonce, k.opaque]) { show(s); console.log('--'); }`;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  const kinds = out.split('--').slice(0, 3).map((part) => /- type: (\w+)/.exec(part)?.[1]);
  assert.deepEqual(kinds.map((k) => k?.startsWith('SLICED')), [true, false, false], out);
});
