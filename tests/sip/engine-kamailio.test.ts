// The REGISTER client engine against a real Kamailio registrar (digest auth,
// usrloc in memory) on 127.0.0.1: bindings are checked at the registrar.
//   node --import tsx --test tests/sip/engine-kamailio.test.ts
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startKamailio, type Binding, type KamailioHandle, type KamailioOptions } from './harness';
import { config, defer, header, inState, isRegister, record, testEngine, waitStatus, waitUntil } from './engine-helpers';
import { JumpClock } from './jump-clock';

async function kamailio(t: TestContext, opts: KamailioOptions = {}): Promise<KamailioHandle> {
  const k = await startKamailio(opts);
  defer(t, () => k.stop());
  return k;
}

const serverUri = (k: KamailioHandle, port = k.udpPort) => `sip:127.0.0.1:${port}`;
const contactRe = (ddi: string, transport: string) => new RegExp(`^sip:${ddi}@127\\.0\\.0\\.1:\\d+;transport=${transport}$`, 'i');

async function bindings(k: KamailioHandle, aor: string, count: number, timeoutMs = 3000): Promise<Binding[]> {
  return waitUntil(`${count} binding(s) of ${aor}`, () => k.lookupBindings(aor), (b) => b.length === count, timeoutMs);
}

test('kamailio: registers with digest auth, binding has Contact user = DDI', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t);
  const engine = testEngine(t);
  const rec = record(engine);
  await engine.start([
    config({ id: '1', username: 'alice', ddi: '493011111111', registerServerUri: serverUri(k) }),
    // Domain with the port and no register server URI: the AoR is still user@host.
    config({ id: '2', username: 'bob', domain: `127.0.0.1:${k.udpPort}`, ddi: '493022222222' }),
  ]);
  const s1 = await waitStatus(engine, '1', inState('registered'));
  const s2 = await waitStatus(engine, '2', inState('registered'));
  for (const s of [s1, s2]) {
    assert.equal(s.code, 200);
    assert.equal(s.grantedExpires, 3600);
    assert.equal(s.attempts, 0);
    assert.equal(s.target, `127.0.0.1:${k.udpPort}/udp`);
    assert.ok(s.expiresAt! > Date.now() + 3590_000);
    assert.ok(s.nextAttemptAt! > Date.now() + 2900_000, 'refresh well before expiry, not at once');
  }
  const [a] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.match(a.contact, contactRe('493011111111', 'udp'));
  assert.ok(a.expires > 3590 && a.expires <= 3600);
  assert.equal(a.userAgent, 'ddi-registrar/0.1');
  const [b] = await bindings(k, 'bob@127.0.0.1', 1);
  assert.match(b.contact, contactRe('493022222222', 'udp'));
  assert.equal(a.contact.split('@')[1], b.contact.split('@')[1], 'one socket for all registrations');
  // 401 answered once: REGISTER, 401, REGISTER with Authorization, 200.
  const t1 = rec.traces.filter((x) => x.registrationId === '1');
  assert.deepEqual(t1.map((x) => x.text.split('\r\n')[0]), [
    `REGISTER sip:127.0.0.1:${k.udpPort} SIP/2.0`,
    'SIP/2.0 401 Unauthorized',
    `REGISTER sip:127.0.0.1:${k.udpPort} SIP/2.0`,
    'SIP/2.0 200 OK',
  ]);
  assert.match(header(t1[2].text, 'Authorization')!, /^Digest username="alice", realm="127\.0\.0\.1".*response="<redacted>"/);
  assert.equal(header(t1[0].text, 'To'), '<sip:alice@127.0.0.1>');
  assert.deepEqual(
    rec.statuses.filter((x) => x.registrationId === '1').map((x) => x.state),
    ['pending', 'registering', 'registered'],
  );
});

test('kamailio: refresh keeps the Call-ID, increases the CSeq, stays registered', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t);
  // T1 50 ms (Timer F 3.2 s), granted 4 s → refresh at max(half, min(85 %, granted − Timer F)) = 2 s,
  // less up to 5 % jitter (RFC 3261 §10.2.4: before expiry), on the next 100 ms step of the clock (refreshes share timer turns).
  const engine = testEngine(t, { timers: { t1: 50, t2: 200, t4: 250 } });
  const rec = record(engine);
  await engine.start([config({ id: '1', expires: 4, registerServerUri: serverUri(k) })]);
  const first = await waitStatus(engine, '1', inState('registered'));
  assert.equal(first.grantedExpires, 4);
  assert.ok(first.nextAttemptAt! - first.at >= 1900 && first.nextAttemptAt! - first.at < 2100, `refresh in ${first.nextAttemptAt! - first.at} ms`);
  assert.equal(first.nextAttemptAt! % 100, 0);
  const [b0] = await bindings(k, 'alice@127.0.0.1', 1);
  const seen = [b0];
  await waitUntil(
    'two refreshes at the registrar',
    async () => {
      const [b] = await k.lookupBindings('alice@127.0.0.1');
      if (b && b.cseq !== seen[seen.length - 1].cseq) seen.push(b);
      return seen.length;
    },
    (n) => n >= 3,
    8000,
    50,
  );
  for (let i = 1; i < seen.length; i++) {
    assert.equal(seen[i].callId, b0.callId, 'same Call-ID (RFC 3261 §10.2.4)');
    assert.ok(seen[i].cseq > seen[i - 1].cseq, `CSeq increases: ${seen.map((b) => b.cseq).join(', ')}`);
    assert.equal(seen[i].contact, b0.contact);
  }
  const registers = rec.traces.filter((x) => x.direction === 'out' && isRegister(x.text));
  const challenges = rec.traces.filter((x) => x.direction === 'in' && x.text.startsWith('SIP/2.0 401'));
  // Preemptive digest (RFC 7616 §3.4): only the first REGISTER is challenged; each refresh is
  // one REGISTER with the last nonce and nc + 1, answered 200: 2 messages per refresh.
  assert.equal(challenges.length, 1, 'refreshes are not challenged again');
  assert.ok(registers.length >= 4, `${registers.length} REGISTERs`);
  assert.match(header(registers.at(-1)!.text, 'Authorization')!, new RegExp(`nc=0000000${registers.length - 1}`));
  assert.equal(new Set(registers.map((x) => header(x.text, 'Call-ID'))).size, 1);
  const cseqs = registers.map((x) => Number.parseInt(header(x.text, 'CSeq')!, 10));
  assert.deepEqual(cseqs, cseqs.map((_, i) => i + 1), 'CSeq +1 per request, also across challenges');
  const states = rec.statuses.map((x) => x.state);
  assert.deepEqual(states.slice(0, 3), ['pending', 'registering', 'registered']);
  assert.ok(states.slice(3).every((s) => s === 'registered'), `a refresh does not leave 'registered': ${states.join(',')}`);
  assert.equal(engine.status('1')!.attempts, 0);
});

test('kamailio: a reused nonce that has expired is refused with a fresh challenge, answered at once: 4 messages, never a failure state', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t, { defines: { NONCE_EXPIRE: 1 } });
  const engine = testEngine(t, { timers: { t1: 50, t2: 200, t4: 250 } });
  const rec = record(engine);
  // Kamailio keeps a nonce's expiry in whole seconds (issued in second s, nonce_expire 1: good
  // through second s + 1), so only a refresh 2 s or more after the challenge is sure to find it
  // expired: expires 6 refreshes after 2.85–3.1 s (half of it, less jitter, on the 100 ms grid);
  // expires 4 refreshed after 1.9–2.1 s and, with a challenge early in its second, now and then
  // found the nonce still good.
  await engine.start([config({ id: '1', expires: 6, registerServerUri: serverUri(k) })]);
  await waitStatus(engine, '1', inState('registered'));
  const registeredAt = Date.now();
  await waitUntil('a refresh after the nonce expired', () => rec.statuses.filter((x) => x.at > registeredAt).length, (n) => n >= 1, 5000, 50);
  const refresh = rec.traces.filter((x) => x.at > registeredAt);
  assert.deepEqual(
    refresh.map((x) => (x.direction === 'out' ? 'REGISTER' : x.text.split('\r\n')[0]!.replace(/^SIP\/2\.0 /, ''))),
    ['REGISTER', '401 Unauthorized', 'REGISTER', '200 OK'],
  );
  // This Kamailio config refuses it with a plain fresh challenge (no stale=true): still not "wrong password".
  assert.match(refresh[1]!.text, /WWW-Authenticate: Digest/);
  assert.deepEqual(new Set(rec.statuses.slice(2).map((x) => x.state)), new Set(['registered']));
  assert.equal(engine.status('1')!.attempts, 0);
});

test('kamailio: a shorter granted expiry is honoured (max_expires 120, asked 3600)', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t, { maxExpires: 120 });
  const engine = testEngine(t);
  await engine.start([config({ id: '1', expires: 3600, registerServerUri: serverUri(k) })]);
  const s = await waitStatus(engine, '1', inState('registered'));
  assert.equal(s.requestedExpires, 3600);
  assert.equal(s.grantedExpires, 120);
  assert.ok(Math.abs(s.expiresAt! - (s.at + 120_000)) < 50);
  // Refresh at min(85 % of 120 s, 120 − 32 s) = 88 s, minus up to 5 % jitter, on a 100 ms step.
  const refreshIn = s.nextAttemptAt! - s.at;
  assert.ok(refreshIn < 88_100 && refreshIn >= 83_500, `refresh in ${refreshIn} ms`);
  const [b] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.ok(b.expires <= 120 && b.expires > 110);
});

test('kamailio: 423 Interval Too Brief → retried at once with Min-Expires', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t, { minExpires: 600 });
  const engine = testEngine(t);
  const rec = record(engine);
  await engine.start([config({ id: '1', expires: 60, registerServerUri: serverUri(k) })]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(s.state, 'registered');
  assert.equal(s.grantedExpires, 600);
  assert.equal(s.requestedExpires, 600);
  const firstLines = rec.traces.map((x) => x.text.split('\r\n')[0].replace(/ sip:\S+/, ''));
  assert.deepEqual(firstLines, ['REGISTER SIP/2.0', 'SIP/2.0 401 Unauthorized', 'REGISTER SIP/2.0', 'SIP/2.0 423 Interval Too Brief', 'REGISTER SIP/2.0', 'SIP/2.0 200 OK']);
  assert.equal(header(rec.traces[4].text, 'Expires'), '600');
  const [b] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.ok(b.expires > 590 && b.expires <= 600);
});

for (const badAuth403 of [false, true]) {
  const code = badAuth403 ? 403 : 401;
  test(`kamailio: wrong password → rejected ${code}, no binding, slow retry`, { timeout: 20_000 }, async (t) => {
    const k = await kamailio(t, { password: 'right', badAuth403 });
    const clock = new JumpClock();
    const engine = testEngine(t, { clock });
    const rec = record(engine);
    await engine.start([config({ id: '1', password: 'wrong', registerServerUri: serverUri(k) })]);
    const s = await waitStatus(engine, '1', inState('rejected', 'registered', 'retrying'));
    assert.equal(s.state, 'rejected');
    assert.equal(s.code, code);
    assert.equal(s.attempts, 1);
    assert.ok(s.nextAttemptAt! >= s.at + 120_000, 'rejected registrations retry on the slow schedule');
    assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
    // One challenge answered, then no loop on the server's new challenge / 403: nothing more is
    // sent until the slow retry is due (the engine's clock jumps to a second before it).
    await clock.jump(s.nextAttemptAt! - 1000 - clock.now());
    assert.equal(engine.status('1')!.state, 'rejected');
    assert.equal(rec.traces.filter((x) => x.direction === 'out').length, 2);
    // Removing it sends nothing: nothing is bound (RFC 3261 §10.2.2 needs a binding to remove).
    await engine.remove('1');
    assert.equal(rec.traces.filter((x) => x.direction === 'out').length, 2);
    assert.equal(rec.statuses.at(-1)!.state, 'unregistered');
  });
}

test('kamailio: disable, enable and remove: Expires: 0 answered with credentials removes the binding', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t);
  const clock = new JumpClock();
  const engine = testEngine(t, { clock });
  const rec = record(engine);
  const cfg = config({ id: '1', registerServerUri: serverUri(k) });
  await engine.start([cfg]);
  await waitStatus(engine, '1', inState('registered'));
  await bindings(k, 'alice@127.0.0.1', 1);

  engine.upsert({ ...cfg, enabled: false });
  const d = await waitStatus(engine, '1', inState('disabled'));
  assert.equal(d.code, 200);
  assert.equal(d.expiresAt, null);
  assert.equal(d.nextAttemptAt, null);
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
  const unreg = rec.traces.filter((x) => x.direction === 'out' && header(x.text, 'Expires') === '0');
  assert.equal(unreg.length, 1, 'Expires: 0 with preemptive Authorization (the last nonce, nc 2): one round trip');
  assert.match(header(unreg[0].text, 'Authorization')!, /nc=00000002/);
  assert.match(header(unreg[0].text, 'Contact')!, /^<sip:493012345678@127\.0\.0\.1:\d+;transport=udp>$/, 'the Contact we registered, not *');
  // Two hours of the engine's time: past the refresh and the expiry of the removed binding (3600 s).
  const sent = rec.traces.filter((x) => x.direction === 'out').length;
  await clock.jump(2 * 3600_000);
  assert.equal(engine.status('1')!.state, 'disabled', 'no refresh while disabled');
  assert.equal(rec.traces.filter((x) => x.direction === 'out').length, sent, 'nothing sent while disabled');

  engine.upsert(cfg);
  await waitStatus(engine, '1', inState('registered'));
  await bindings(k, 'alice@127.0.0.1', 1);

  await engine.remove('1');
  assert.equal(engine.status('1'), null);
  const last = rec.statuses.at(-1)!;
  assert.equal(last.state, 'unregistered');
  assert.equal(last.code, 200);
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
});

test('kamailio: TCP transport registers (Contact ;transport=tcp), and unregisters on stop', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t);
  const engine = testEngine(t);
  await engine.start([config({ id: '1', transport: 'tcp', registerServerUri: serverUri(k, k.tcpPort) })]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(s.state, 'registered');
  assert.equal(s.target, `127.0.0.1:${k.tcpPort}/tcp`);
  const [b] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.match(b.contact, contactRe('493012345678', 'tcp'));
  assert.equal(b.socket, `tcp:127.0.0.1:${k.tcpPort}`);
  await engine.stop();
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
});

test('kamailio: TLS transport registers, verifying the server certificate', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t, { tls: true });
  assert.ok(k.tlsPort && k.caFile);
  const engine = testEngine(t, { tlsCaFile: k.caFile });
  await engine.start([config({ id: '1', transport: 'tls', registerServerUri: serverUri(k, k.tlsPort) })]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(s.state, 'registered', JSON.stringify(s));
  assert.equal(s.target, `127.0.0.1:${k.tlsPort}/tls`);
  const [b] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.match(b.contact, contactRe('493012345678', 'tls'));
  assert.equal(b.socket, `tls:127.0.0.1:${k.tlsPort}`);
  await engine.stop();
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);

  // Without the CA the self-signed certificate is refused: no binding.
  const untrusting = testEngine(t);
  await untrusting.start([config({ id: '2', transport: 'tls', registerServerUri: serverUri(k, k.tlsPort) })]);
  const f = await waitStatus(untrusting, '2', inState('registered', 'rejected', 'retrying'));
  assert.equal(f.state, 'retrying');
  assert.equal(f.reason, 'tls-untrusted');
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
});

test('kamailio: a restarted engine registers again (new Call-ID)', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t);
  const cfg = config({ id: '1', registerServerUri: serverUri(k) });
  const first = testEngine(t);
  await first.start([cfg]);
  await waitStatus(first, '1', inState('registered'));
  const [b1] = await bindings(k, 'alice@127.0.0.1', 1);
  await first.stop();
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), [], 'stop() unregisters');

  const second = testEngine(t);
  await second.start([cfg]);
  await waitStatus(second, '1', inState('registered'));
  const [b2] = await bindings(k, 'alice@127.0.0.1', 1);
  assert.notEqual(b2.callId, b1.callId);
  assert.match(b2.contact, contactRe('493012345678', 'udp'));
});

test('kamailio: 407 proxy challenge answered with Proxy-Authorization (verified)', { timeout: 20_000 }, async (t) => {
  const k = await kamailio(t, { proxyAuth: true, users: { 'auth-alice': 'pr0xy' } });
  const engine = testEngine(t);
  const rec = record(engine);
  await engine.start([
    config({ id: '1', authUsername: 'auth-alice', password: 'pr0xy', registerServerUri: serverUri(k) }),
    config({ id: '2', username: 'bob', ddi: '493099999999', authUsername: 'auth-alice', password: 'nope', registerServerUri: serverUri(k) }),
  ]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(s.state, 'registered');
  const out = rec.traces.filter((x) => x.registrationId === '1' && x.direction === 'out');
  assert.match(header(out[1].text, 'Proxy-Authorization')!, /^Digest username="auth-alice"/);
  assert.equal(header(out[1].text, 'Authorization'), undefined);
  await bindings(k, 'alice@127.0.0.1', 1);
  const bad = await waitStatus(engine, '2', inState('registered', 'rejected', 'retrying'));
  assert.equal(bad.state, 'rejected');
  assert.equal(bad.code, 407);
  assert.deepEqual(await k.lookupBindings('bob@127.0.0.1'), []);
});
