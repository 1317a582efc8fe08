import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseChallenges } from '../../../registrar/auth/challenge';
import { computeDigest } from '../../../registrar/auth/digest';
import { FakeClock } from '../../../registrar/clock';
import type { DnsResolver } from '../../../registrar/dns/resolve-targets';
import { Engine, type EngineOptions } from '../../../registrar/engine';
import type { SipRequest } from '../../../registrar/message/types';
import type { RegistrationConfig } from '../../../registrar/registration/config';
import type { RegistrationStatus } from '../../../registrar/registration/status';
import { rawOf, statusStoreFor } from '../../db';
import { tempDatabase } from '../../sip/portal-db';
import { MemoryTransport, type SentMessage } from '../../../registrar/transport/memory';
import { parseRequest, respond } from './helpers';

const PASSWORD = 's3cr3t-pa55';

const CONFIG: RegistrationConfig = {
  id: 'reg-1',
  username: 'alice',
  domain: 'example.com',
  ddi: '+3215551234',
  authUsername: null,
  password: PASSWORD,
  registerServerUri: null,
  realm: null,
  expires: 3600,
  transport: 'udp',
  enabled: true,
};

function noRecord(): Promise<never> {
  return Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' }));
}

function stubResolver(a: Record<string, string[]>): DnsResolver {
  return {
    resolveNaptr: noRecord,
    resolveSrv: noRecord,
    resolve4: (name) => (a[name] ? Promise.resolve(a[name]) : noRecord()),
    resolve6: noRecord,
  };
}

type Server = (req: SipRequest, sent: SentMessage) => string | null;

/** Engines here audit no bindings unless a test asks (it sends queries of its own). */
function harness(server: Server, resolver: DnsResolver = stubResolver({ 'example.com': ['198.51.100.7'] }), options: EngineOptions = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({ clock, transports: { udp: transport }, resolver, random: () => 0.5, startupSpreadMs: 0, bindingCheckMs: 0, ...options });
  const statuses: RegistrationStatus[] = [];
  engine.on('status', (s) => statuses.push(s));
  let handler = server;
  transport.onSend = (m) => {
    const reply = handler(parseRequest(m.data), m);
    if (reply) transport.deliver(reply, { transport: 'udp', host: m.target.host, port: m.target.port });
  };
  const requests = (): SipRequest[] => transport.sent.map((m) => parseRequest(m.data));
  return { clock, transport, engine, statuses, requests, setServer: (s: Server) => (handler = s) };
}

/** Registrar that challenges, verifies the digest with PASSWORD and answers 200. */
function digestServer(opts: { status?: 401 | 407; expiresParam?: number; realm?: string; extraOk?: (req: SipRequest) => string[] } = {}): Server {
  const status = opts.status ?? 401;
  const realm = opts.realm ?? 'example.com';
  const authHeader = status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate';
  const credHeader = status === 401 ? 'authorization' : 'proxy-authorization';
  let nonce = 0;
  return (req, sent) => {
    const cred = req.headers.get(credHeader);
    if (!cred) {
      nonce++;
      return respond(sent.data, status, status === 401 ? 'Unauthorized' : 'Proxy Authentication Required', [
        `${authHeader}: Digest realm="${realm}", nonce="n${nonce}", qop="auth", algorithm=MD5, opaque="op"`,
      ]);
    }
    const p = parseChallenges([cred])[0].params;
    const [challenge] = parseChallenges([`Digest realm="${realm}", nonce="n${nonce}", qop="auth", algorithm=MD5, opaque="op"`]);
    const expected = computeDigest({
      challenge,
      credentials: { username: p.get('username') as string, password: PASSWORD },
      method: 'REGISTER',
      uri: p.get('uri') as string,
      cnonce: p.get('cnonce') as string,
      nc: parseInt(p.get('nc') as string, 16),
    });
    if (p.get('response') !== expected.response || p.get('opaque') !== 'op') return respond(sent.data, 403, 'Bad Digest');
    const contact = req.headers.get('contact') as string;
    const expires = req.headers.get('expires');
    const extra = opts.extraOk?.(req) ?? [`Contact: ${contact};expires=${opts.expiresParam ?? expires}`];
    return respond(sent.data, 200, 'OK', extra);
  };
}

test('401 challenge → 200: REGISTER format, digest and registered status', async () => {
  const h = harness(digestServer({ expiresParam: 600 }));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.code, 200);
  assert.equal(s?.reason, 'OK');
  assert.equal(s?.grantedExpires, 600);
  assert.equal(s?.attempts, 0);
  assert.equal(s?.target, '198.51.100.7:5060/udp');
  assert.equal(s?.expiresAt, h.clock.now() + 600_000);
  assert.equal(s?.lastSuccessAt, h.clock.now());
  // refresh at min(85% of 600, 600-32) = 510 s, minus jitter 0.5·min(5% of 510 s, 10 s)
  assert.equal(s?.nextAttemptAt, h.clock.now() + 510_000 - 5_000);
  assert.deepEqual(h.statuses.map((x) => x.state), ['pending', 'registering', 'registered']);

  const [first, second] = h.requests();
  assert.equal(h.transport.sent[0].target.host, '198.51.100.7');
  assert.equal(first.method, 'REGISTER');
  assert.equal(first.uri, 'sip:example.com');
  assert.equal(first.headers.get('to'), '<sip:alice@example.com>');
  assert.match(first.headers.get('from') as string, /^<sip:alice@example\.com>;tag=[0-9a-f]+$/);
  assert.equal(first.headers.get('contact'), '<sip:+3215551234@192.0.2.10:5060;transport=udp>');
  assert.equal(first.headers.get('expires'), '3600');
  assert.equal(first.headers.get('max-forwards'), '70');
  assert.equal(first.headers.get('content-length'), '0');
  assert.ok(first.headers.get('user-agent'));
  assert.match(first.headers.get('via') as string, /^SIP\/2\.0\/UDP 192\.0\.2\.10:5060;rport;branch=z9hG4bK[0-9a-f]+$/);
  assert.equal(first.headers.get('authorization'), undefined);
  const auth = second.headers.get('authorization') as string;
  assert.match(auth, /username="alice"/);
  assert.match(auth, /nc=00000001/);
  assert.match(auth, /uri="sip:example.com"/);
  assert.equal(second.headers.get('call-id'), first.headers.get('call-id'));
  assert.equal(second.headers.get('cseq'), '2 REGISTER');
  assert.notEqual(second.headers.get('via'), first.headers.get('via'));
});

test('407 is answered with Proxy-Authorization using authUsername', async () => {
  const h = harness(digestServer({ status: 407 }));
  await h.engine.start([{ ...CONFIG, authUsername: 'auth-alice' }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  const second = h.requests()[1];
  assert.match(second.headers.get('proxy-authorization') as string, /username="auth-alice"/);
  assert.equal(second.headers.get('authorization'), undefined);
});

test('a refused reused nonce falls back to the fresh challenge (4 messages), never a failure state', async () => {
  // A registrar that accepts each nonce once: the preemptive refresh gets a fresh 401.
  let nonce = 0;
  const used = new Set<string>();
  const h = harness((req, sent) => {
    const auth = req.headers.get('authorization');
    const n = auth ? /nonce="([^"]+)"/.exec(auth)?.[1] : undefined;
    if (!n || used.has(n)) {
      nonce++;
      return respond(sent.data, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="example.com", nonce="once${nonce}", qop="auth"`]);
    }
    used.add(n);
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=600`]);
  });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const next = h.engine.status('reg-1')?.nextAttemptAt as number;
  h.statuses.length = 0;
  const before = h.requests().length;
  await h.clock.advanceAsync(next - h.clock.now());
  assert.equal(h.requests().length - before, 2, 'preemptive REGISTER refused, then the answered challenge');
  assert.deepEqual(h.statuses.map((s) => s.state), ['registered']);
  assert.equal(h.engine.status('reg-1')?.attempts, 0);
});

test('stale=true is answered with the new nonce without counting a failure', async () => {
  let n = 0;
  const h = harness((req, sent) => {
    n++;
    if (n === 1) return respond(sent.data, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="old", qop="auth"']);
    if (n === 2) {
      assert.match(req.headers.get('authorization') as string, /nonce="old"/);
      return respond(sent.data, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="fresh", qop="auth", stale=true']);
    }
    assert.match(req.headers.get('authorization') as string, /nonce="fresh"/);
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')}`, 'Expires: 300']);
  });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.grantedExpires, 300);
  assert.equal(n, 3);
});

test('a second non-stale challenge means wrong password → rejected, retried slowly', async () => {
  let n = 0;
  const h = harness((_req, sent) => {
    n++;
    return respond(sent.data, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="example.com", nonce="x${n}", qop="auth"`]);
  });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'rejected');
  assert.equal(s?.code, 401);
  assert.equal(s?.reason, 'Unauthorized');
  assert.equal(s?.attempts, 1);
  assert.equal(n, 2);
  // random() = 0.5 → 300 s + 0.5·600 s
  assert.equal(s?.nextAttemptAt, h.clock.now() + 600_000);
  await h.clock.advanceAsync(600_000);
  assert.equal(n, 4);
  assert.equal(h.engine.status('reg-1')?.attempts, 2);
});

test('configured realm: other realms are not answered (E_AUTH_REALM → rejected)', async () => {
  const h = harness(digestServer({ realm: 'evil.example' }));
  await h.engine.start([{ ...CONFIG, realm: 'example.com' }]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'rejected');
  assert.equal(s?.reason, 'auth-realm');
  assert.equal(h.transport.sent.length, 1);
});

test('403 → rejected with the reason phrase', async () => {
  const h = harness((_r, sent) => respond(sent.data, 403, 'Forbidden'));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'rejected');
  assert.equal(h.engine.status('reg-1')?.code, 403);
  assert.equal(h.engine.status('reg-1')?.reason, 'Forbidden');
});

test('423 Interval Too Brief → retried at once with Min-Expires', async () => {
  const h = harness((req, sent) =>
    Number(req.headers.get('expires')) < 1800
      ? respond(sent.data, 423, 'Interval Too Brief', ['Min-Expires: 1800'])
      : respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=${req.headers.get('expires')}`]),
  );
  await h.engine.start([{ ...CONFIG, password: null, expires: 60 }]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.requestedExpires, 1800);
  assert.equal(s?.grantedExpires, 1800);
  assert.deepEqual(h.requests().map((r) => r.headers.get('expires')), ['60', '1800']);
});

test('503 with Retry-After → retrying, next attempt honours Retry-After', async () => {
  const h = harness((_r, sent) => respond(sent.data, 503, 'Service Unavailable', ['Retry-After: 120']));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'retrying');
  assert.equal(s?.code, 503);
  assert.equal(s?.reason, 'Service Unavailable');
  assert.equal(s?.attempts, 1);
  assert.equal(s?.nextAttemptAt, h.clock.now() + 120_000);
});

test('no response → Timer F → retrying with reason timeout, then exponential backoff', async () => {
  const h = harness(() => null);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(31_999);
  assert.equal(h.engine.status('reg-1')?.state, 'registering');
  assert.equal(h.transport.sent.length, 11);
  await h.clock.advanceAsync(1);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'retrying');
  assert.equal(s?.reason, 'timeout');
  assert.equal(s?.code, null);
  assert.equal(s?.attempts, 1);
  // floor 2 s, upper min(300 s, 2 s·2¹) → 2 s + 0.5·2 s
  assert.equal(s?.nextAttemptAt, h.clock.now() + 3000);
  await h.clock.advanceAsync(3000 + 32_000);
  const s2 = h.engine.status('reg-1');
  assert.equal(s2?.attempts, 2);
  assert.equal(s2?.nextAttemptAt, h.clock.now() + 2000 + 0.5 * 6000);
});

test('a timed-out REGISTER carries its 10 retransmission times on its one trace entry', async () => {
  const h = harness(() => null);
  const told: Array<{ registrationId: string; at: number; retransmits: number[] }> = [];
  h.engine.on('retransmits', (r) => told.push(r));
  await h.engine.start([CONFIG]);
  const sentAt = h.clock.now();
  await h.clock.advanceAsync(31_999);
  // not known before the transaction ends
  assert.equal(h.engine.trace('reg-1')[0].retransmits, undefined);
  assert.equal(told.length, 0);
  await h.clock.advanceAsync(1);
  assert.equal(h.engine.status('reg-1')?.reason, 'timeout');
  const trace = h.engine.trace('reg-1').filter((e) => e.direction !== 'note');
  assert.equal(trace.length, 1, 'one entry for the request, not one per retransmission');
  const times = [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500];
  assert.equal(trace[0].at, sentAt);
  assert.deepEqual(trace[0].retransmits, times);
  assert.deepEqual(told, [{ registrationId: 'reg-1', at: sentAt, retransmits: times }]);
});

test('a REGISTER answered after two retransmissions: the request entry has both times, the response none', async () => {
  const h = harness(() => null);
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(2000); // retransmitted at 500 and 1500 ms
  const last = h.transport.sent.at(-1) as SentMessage;
  h.transport.deliver(respond(last.data, 200, 'OK', [`Contact: ${parseRequest(last.data).headers.get('contact')};expires=3600`]), { transport: 'udp', host: '198.51.100.7', port: 5060 });
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  const [out, answer] = h.engine.trace('reg-1');
  assert.equal(out.direction, 'out');
  assert.deepEqual(out.retransmits, [500, 1500]);
  assert.equal(answer.direction, 'in');
  assert.equal(answer.retransmits, undefined);
});

test('StatusStore: retransmissions go on the request row (held: with its insert; written already: one UPDATE), no extra rows', async (t) => {
  const { db } = await tempDatabase(t);
  const sqlite = rawOf(db);
  const provider = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier')`).run()).lastInsertRowid;
  const addReg = async (ddi: string) =>
    String(
      (
        await sqlite
          .prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi, expires, transport, enabled) VALUES (?, ?, 'example.com', ?, 3600, 'udp', ?)`)
          .run(provider, `u${ddi}`, ddi, true)
      ).lastInsertRowid,
    );
  const held = await addReg('101');
  const watched = await addReg('102');
  const h = harness(() => null);
  const store = statusStoreFor(db, { now: () => h.clock.now() });
  h.engine.on('status', (s) => store.pushStatus(s));
  h.engine.on('trace', (e) => store.pushTrace(e));
  h.engine.on('retransmits', (r) => store.pushRetransmits(r));
  // `watched`: someone has its SIP messages open, so its REGISTER is written as it goes out
  await store.watch(watched, h.clock.now() + 3_600_000, []);
  await h.engine.start([
    { ...CONFIG, id: held, ddi: '101', password: null },
    { ...CONFIG, id: watched, ddi: '102', username: 'bob', password: null },
  ]);
  await h.clock.advanceAsync(0);
  await store.flush();
  // the stored JSON text (PostgreSQL's json column answers it parsed)
  const rows = async (id: string) =>
    (await sqlite.prepare('SELECT direction, retransmits FROM registration_traces WHERE registration_id = ? ORDER BY id').all<{ direction: string; retransmits: unknown }>(Number(id))).map(
      (r) => ({ direction: r.direction, retransmits: r.retransmits === null || typeof r.retransmits === 'string' ? r.retransmits : JSON.stringify(r.retransmits) }),
    );
  assert.deepEqual(await rows(watched), [{ direction: 'out', retransmits: null }]);
  assert.deepEqual(await rows(held), [], 'held until the outcome is known');
  await h.clock.advanceAsync(32_000);
  assert.equal(h.engine.status(held)?.reason, 'timeout');
  await store.flush();
  const times = JSON.stringify([500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
  const outRows = async (id: string) => (await rows(id)).filter((r) => r.direction === 'out');
  assert.deepEqual(await outRows(held), [{ direction: 'out', retransmits: times }]);
  assert.deepEqual(await outRows(watched), [{ direction: 'out', retransmits: times }]);
  assert.equal(store.counters.traceAmends, 1, 'only the row already written was updated');
});

test('refresh keeps Call-ID and From tag, increments CSeq, stays registered', async () => {
  const h = harness(digestServer({ expiresParam: 600 }));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const next = h.engine.status('reg-1')?.nextAttemptAt as number;
  h.statuses.length = 0;
  await h.clock.advanceAsync(next - h.clock.now());
  const reqs = h.requests();
  // The refresh answers preemptively (last nonce, nc 2): one REGISTER, no second challenge.
  assert.equal(reqs.length, 3);
  assert.deepEqual(reqs.map((r) => r.headers.get('cseq')), ['1 REGISTER', '2 REGISTER', '3 REGISTER']);
  assert.match(reqs[2].headers.get('authorization') ?? '', /nonce="n1".*nc=00000002|nc=00000002.*nonce="n1"/);
  assert.equal(new Set(reqs.map((r) => r.headers.get('call-id'))).size, 1);
  assert.equal(new Set(reqs.map((r) => r.headers.get('from'))).size, 1);
  assert.equal(new Set(reqs.map((r) => r.headers.get('via'))).size, 3);
  assert.deepEqual(h.statuses.map((s) => s.state), ['registered']);
  assert.equal(h.engine.status('reg-1')?.lastSuccessAt, h.clock.now());
});

test('granted expiry comes from our own Contact among several bindings', async () => {
  const h = harness(
    digestServer({
      extraOk: (req) => [
        'Contact: <sip:+3215551234@203.0.113.9:5060;transport=udp>;expires=60',
        `Contact: ${req.headers.get('contact')};expires=1200, <sip:other@203.0.113.10>;expires=30`,
        'Expires: 3600',
      ],
    }),
  );
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.grantedExpires, 1200);
});

test('3xx redirect is followed to the Contact registrar', async () => {
  const h = harness((req, sent) => {
    if (sent.target.host === '198.51.100.7') return respond(sent.data, 302, 'Moved Temporarily', ['Contact: <sip:198.51.100.8:5070>']);
    assert.equal(req.uri, 'sip:198.51.100.8:5070');
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=900`]);
  });
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.grantedExpires, 900);
  assert.equal(s?.target, '198.51.100.8:5070/udp');
});

test('a redirect to the server that sent it is a loop, refused at once', async () => {
  const h = harness((_r, sent) => respond(sent.data, 302, 'Moved', ['Contact: <sip:198.51.100.7>']));
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'rejected');
  assert.equal(h.engine.status('reg-1')?.reason, 'redirect-loop');
  assert.equal(h.transport.sent.length, 1);
});

test('a redirect back to a URI already tried is refused on its first repeat', async () => {
  // example.com (198.51.100.7) → sip:198.51.100.8:5070 → sip:example.com
  const h = harness((_r, sent) =>
    respond(sent.data, 302, 'Moved', [sent.target.host === '198.51.100.7' ? 'Contact: <sip:198.51.100.8:5070>' : 'Contact: <sip:example.com>']),
  );
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'rejected');
  assert.equal(h.engine.status('reg-1')?.reason, 'redirect-loop');
  assert.deepEqual(h.requests().map((r) => r.uri), ['sip:example.com', 'sip:198.51.100.8:5070']);
});

test('a chain of distinct redirects is bounded by maxRedirects', async () => {
  // 198.51.100.7 → .8 → .9 → … each to a new address.
  const h = harness((_r, sent) => respond(sent.data, 302, 'Moved', [`Contact: <sip:198.51.100.${Number(sent.target.host.split('.')[3]) + 1}>`]));
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'rejected');
  assert.equal(h.engine.status('reg-1')?.reason, 'too-many-redirects');
  assert.equal(h.transport.sent.length, 6);
});

test('a 3xx Contact is kept: refreshes and the un-REGISTER start there, falling back to the configured URI when it fails', async () => {
  let redirectTargetUp = true;
  const h = harness((req, sent) => {
    if (sent.target.host === '198.51.100.7') {
      if (redirectTargetUp) return respond(sent.data, 302, 'Moved Temporarily', ['Contact: <sip:198.51.100.8:5070>']);
      return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=600`]);
    }
    if (!redirectTargetUp) return respond(sent.data, 503, 'Service Unavailable');
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=600`]);
  });
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  assert.deepEqual(h.transport.sent.map((m) => m.target.host), ['198.51.100.7', '198.51.100.8']);

  // The refresh goes straight to the redirect target, with its Request-URI.
  await h.clock.advanceAsync((h.engine.status('reg-1')?.nextAttemptAt as number) - h.clock.now());
  assert.equal(h.transport.sent.length, 3);
  assert.equal(h.transport.sent[2].target.host, '198.51.100.8');
  assert.equal(h.requests()[2].uri, 'sip:198.51.100.8:5070');
  assert.equal(h.engine.status('reg-1')?.target, '198.51.100.8:5070/udp');

  // It fails: the same refresh falls back to the configured Request-URI.
  redirectTargetUp = false;
  await h.clock.advanceAsync((h.engine.status('reg-1')?.nextAttemptAt as number) - h.clock.now());
  assert.deepEqual(h.transport.sent.slice(3).map((m) => m.target.host), ['198.51.100.8', '198.51.100.7']);
  assert.deepEqual(h.requests().slice(3).map((r) => r.uri), ['sip:198.51.100.8:5070', 'sip:example.com']);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  assert.equal(h.engine.status('reg-1')?.target, '198.51.100.7:5060/udp');

  // The kept redirect is gone: the un-REGISTER goes to the configured URI only.
  const stopped = h.engine.stop(2000);
  await h.clock.advanceAsync(0);
  await stopped;
  assert.deepEqual(h.requests().slice(5).map((r) => [r.uri, r.headers.get('expires')]), [['sip:example.com', '0']]);
});

test('the un-REGISTER of a redirected binding goes to the redirect target', async () => {
  const h = harness((req, sent) => {
    if (sent.target.host === '198.51.100.7') return respond(sent.data, 302, 'Moved Temporarily', ['Contact: <sip:198.51.100.8:5070>']);
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=600`]);
  });
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  const stopped = h.engine.stop(2000);
  await h.clock.advanceAsync(0);
  await stopped;
  assert.equal(h.engine.status('reg-1')?.state, 'unregistered');
  assert.deepEqual(h.requests().slice(2).map((r) => [r.uri, r.headers.get('expires')]), [['sip:198.51.100.8:5070', '0']]);
  assert.equal(h.transport.sent[2].target.host, '198.51.100.8');
});

test('failover to the next DNS target on 503 and on timeout', async () => {
  const resolver = stubResolver({ 'example.com': ['198.51.100.1', '198.51.100.2', '198.51.100.3'] });
  const h = harness((req, sent) => {
    if (sent.target.host === '198.51.100.1') return respond(sent.data, 503, 'Service Unavailable');
    if (sent.target.host === '198.51.100.2') return null;
    return respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]);
  }, resolver);
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(32_000);
  const s = h.engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.target, '198.51.100.3:5060/udp');
});

test('DNS failure → retrying with reason dns', async () => {
  const h = harness(() => null, stubResolver({}));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'retrying');
  assert.equal(h.engine.status('reg-1')?.reason, 'dns');
  assert.equal(h.transport.sent.length, 0);
});

test('disable → REGISTER Expires: 0 (challenge answered) → disabled; re-enable registers again', async () => {
  const h = harness(digestServer());
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  h.statuses.length = 0;
  h.engine.upsert({ ...CONFIG, enabled: false });
  await h.clock.advanceAsync(0);
  const reqs = h.requests();
  // The un-REGISTER answers preemptively with the last nonce (nc 2): one round trip.
  assert.equal(reqs.length, 3);
  assert.equal(reqs[2].headers.get('expires'), '0');
  assert.equal(reqs[2].headers.get('contact'), reqs[0].headers.get('contact'));
  assert.match(reqs[2].headers.get('authorization') ?? '', /nc=00000002/);
  assert.deepEqual(h.statuses.map((s) => s.state), ['unregistering', 'disabled']);
  const s = h.engine.status('reg-1');
  assert.equal(s?.expiresAt, null);
  assert.equal(s?.nextAttemptAt, null);
  await h.clock.advanceAsync(3_600_000);
  assert.equal(h.transport.sent.length, 3);
  h.engine.upsert(CONFIG);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
});

test('stop() unregisters bound registrations → unregistered', async () => {
  const h = harness(digestServer());
  await h.engine.start([CONFIG, { ...CONFIG, id: 'reg-2', username: 'bob', enabled: false }]);
  await h.clock.advanceAsync(0);
  const stopped = h.engine.stop(2000);
  await h.clock.advanceAsync(0);
  await stopped;
  assert.equal(h.engine.status('reg-1')?.state, 'unregistered');
  assert.equal(h.engine.status('reg-2')?.state, 'disabled');
  assert.equal(h.requests().at(-1)?.headers.get('expires'), '0');
});

test('changing the binding unregisters the old one, then registers with a new Call-ID', async () => {
  const h = harness(digestServer());
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  h.engine.upsert({ ...CONFIG, ddi: '+3215550000' });
  await h.clock.advanceAsync(0);
  const reqs = h.requests();
  // register (2), un-REGISTER of the old binding (1, preemptive), register the new one (2, its own Call-ID: a fresh challenge)
  assert.equal(reqs.length, 5);
  assert.equal(reqs[2].headers.get('expires'), '0');
  assert.equal(reqs[2].headers.get('contact'), '<sip:+3215551234@192.0.2.10:5060;transport=udp>');
  assert.equal(reqs[4].headers.get('contact'), '<sip:+3215550000@192.0.2.10:5060;transport=udp>');
  assert.notEqual(reqs[4].headers.get('call-id'), reqs[0].headers.get('call-id'));
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
});

test('trace keeps the last messages, redacted; no password or digest response leaks', async () => {
  const h = harness(digestServer());
  const events: string[] = [];
  h.engine.on('trace', (e) => events.push(e.text));
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const trace = h.engine.trace('reg-1');
  assert.deepEqual(trace.map((t) => t.direction), ['out', 'in', 'out', 'in']);
  assert.equal(trace[0].remote, '198.51.100.7:5060/udp');
  const rawResponse = /response="([0-9a-f]+)"/.exec(h.transport.sent[1].text)?.[1] as string;
  assert.ok(rawResponse);
  for (const text of [...trace.map((t) => t.text), ...events]) {
    assert.ok(!text.includes(rawResponse));
    assert.ok(!text.includes(PASSWORD));
  }
  assert.ok(trace[2].text.includes('response="<redacted>"'));
  assert.equal(events.length, 4);
});

test('trace events are redacted however a listener reads them; the StatusStore writes only redacted text', async (t) => {
  const { db } = await tempDatabase(t);
  const sqlite = rawOf(db);
  const provider = (await sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier')`).run()).lastInsertRowid;
  const regId = (
    await sqlite
      .prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi, password, expires, transport, enabled) VALUES (?, 'alice', 'example.com', '100', 'x', 3600, 'udp', ?)`)
      .run(provider, true)
  ).lastInsertRowid;
  const h = harness(digestServer());
  const store = statusStoreFor(db);
  h.engine.on('status', (s) => store.pushStatus(s));
  h.engine.on('trace', (e) => store.pushTrace(e));
  // A live listener (the portal's stream) that copies events the ways code does.
  const emitted: string[] = [];
  h.engine.on('trace', (e) => emitted.push(JSON.stringify(e), JSON.stringify({ ...e }), JSON.stringify(structuredClone(e)), e.text, String(Object.values(e))));
  const config = { ...CONFIG, id: String(regId), registerServerUri: 'sip:example.com' };
  await h.engine.start([config]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status(String(regId))?.state, 'registered');
  await store.flush();
  const rawResponse = /response="([0-9a-f]+)"/.exec(h.transport.sent[1].text)?.[1] as string;
  assert.ok(rawResponse);
  const stored = ((await sqlite.prepare('SELECT text FROM registration_traces WHERE registration_id = ? ORDER BY id').all(regId)) as Array<{ text: string }>).map((r) => r.text);
  // The first registration is a transition: its exchange (REGISTER, 401, REGISTER, 200) is stored.
  assert.equal(stored.length, 4);
  assert.match(stored[2], /\r\nAuthorization: Digest .*response="<redacted>"/);
  assert.equal(emitted.length, 20);
  assert.ok(emitted.some((text) => text.includes('response=\\"<redacted>\\"')), emitted.join('\n'));
  for (const text of [...stored, ...emitted]) {
    assert.ok(!text.includes(rawResponse), text);
    assert.ok(!text.includes(PASSWORD), text);
  }
  // A routine refresh (no transition, its sample not due: stored once at the first registration) is dropped unread.
  const before = stored.length;
  h.engine.registerNow(String(regId));
  await h.clock.advanceAsync(0);
  await store.flush();
  assert.equal(((await sqlite.prepare('SELECT count(*) AS n FROM registration_traces WHERE registration_id = ?').get(regId)) as { n: number }).n, before);
  assert.ok(store.counters.tracesDropped > 0);
});

test('trace rings share traceBudgetBytes: with many registrations each keeps fewer characters, the newest message always', async () => {
  const full = harness(digestServer());
  await full.engine.start([CONFIG]);
  await full.clock.advanceAsync(0);
  assert.equal(full.engine.trace('reg-1').length, 4);
  // 2 registrations (one disabled), 1,200 characters in all: 600 each, less than one REGISTER with credentials.
  const h = harness(digestServer(), undefined, { traceBudgetBytes: 1200 });
  await h.engine.start([CONFIG, { ...CONFIG, id: 'reg-2', enabled: false }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  for (const id of ['reg-1']) {
    const trace = h.engine.trace(id);
    assert.ok(trace.length >= 1 && trace.length < 4, `${id}: ${trace.length} messages`);
    assert.match(trace[trace.length - 1].text, /^SIP\/2\.0 200 OK/);
    if (trace.length > 1) assert.ok(trace.reduce((n, t) => n + t.text.length, 0) <= 600);
  }
});

test('start() from pages: the first page registers while the next is still to come; the spread counts `total`', async () => {
  const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]));
  const configs = Array.from({ length: 600 }, (_, i) => ({ ...CONFIG, id: `r${i}`, username: `u${i}`, ddi: `${1000 + i}`, password: null }));
  let releaseSecond!: () => void;
  const second = new Promise<void>((resolve) => (releaseSecond = resolve));
  async function* pages() {
    yield configs.slice(0, 300);
    await second;
    yield configs.slice(300);
  }
  let started = false;
  const done = h.engine.start(pages(), { spreadMs: 0, total: 600 }).then(() => (started = true));
  for (let i = 0; i < 20 && h.transport.sent.length < 300; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    await h.clock.advanceAsync(0);
  }
  assert.equal(h.transport.sent.length, 300, 'the first page sent its REGISTERs');
  assert.equal(started, false);
  assert.equal(h.engine.status('r300'), null, 'the second page is not made yet');
  releaseSecond();
  await done;
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.counters().registrationsByState.registered, 600);

  const spread = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]));
  async function* four() {
    yield configs.slice(0, 2);
    yield configs.slice(2, 4);
  }
  await spread.engine.start(four(), { spreadMs: 4000, total: 4 });
  await spread.clock.advanceAsync(0);
  assert.equal(spread.transport.sent.length, 1);
  await spread.clock.advanceAsync(3000);
  assert.equal(spread.transport.sent.length, 4);
});

test('refreshes fall due on 100 ms steps of the clock, at most 100 ms after the computed time; a large spread starts on 20 ms steps', async () => {
  const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]));
  // A clock off the steps.
  await h.clock.advanceAsync(37);
  const configs = Array.from({ length: 1000 }, (_, i) => ({ ...CONFIG, id: `g${i}`, username: `u${i}`, ddi: `${5000 + i}`, password: null }));
  const begun = h.clock.now();
  await h.engine.start(configs, { spreadMs: 2000 });
  const sendTimes = new Set<number>();
  const sentBefore = () => h.transport.sent.length;
  let seen = 0;
  while (h.clock.now() - begun <= 2100) {
    await h.clock.advanceAsync(1);
    if (sentBefore() > seen) {
      sendTimes.add(h.clock.now());
      seen = sentBefore();
    }
  }
  assert.equal(seen, 1000);
  // 1,000 first REGISTERs over 2 s: on 20 ms steps (≤ 101 instants), not one per 2 ms.
  assert.ok(sendTimes.size <= 101, `${sendTimes.size} send instants`);
  for (const t of sendTimes) assert.equal(t % 20, 0);
  const registered = h.statuses.filter((st) => st.state === 'registered');
  assert.equal(registered.length, 1000);
  for (const st of registered) {
    const at = st.nextAttemptAt as number;
    assert.equal(at % 100, 0, `next attempt ${at} on a 100 ms step`);
    // random() = 0.5: refreshDelayMs(300 s) = 255,000 − jitter 0.5 · 10,000 = 250,000 ms after the 200 OK.
    assert.ok(at - st.at >= 250_000 && at - st.at < 250_100, `refresh ${at - st.at} ms after the 200`);
  }
});

test('a grant too short for the 100 ms step is refreshed at its computed time, before it expires', async () => {
  const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=1`]));
  await h.clock.advanceAsync(37);
  await h.engine.start([{ ...CONFIG, password: null }]);
  await h.clock.advanceAsync(0);
  const st = h.engine.status('reg-1')!;
  assert.equal(st.state, 'registered');
  // refreshDelayMs(1 s) = its floor, 1,000 ms: not moved to the next step (that would be past the expiry).
  assert.equal(st.nextAttemptAt! - st.at, 1000);
});

test('start() spreads first registrations over the window', async () => {
  const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]));
  const configs = Array.from({ length: 4 }, (_, i) => ({ ...CONFIG, id: `r${i}`, username: `u${i}`, password: null }));
  await h.engine.start(configs, { spreadMs: 4000 });
  await h.clock.advanceAsync(0);
  assert.equal(h.transport.sent.length, 1);
  await h.clock.advanceAsync(2000);
  assert.equal(h.transport.sent.length, 3);
  await h.clock.advanceAsync(1000);
  assert.equal(h.transport.sent.length, 4);
  assert.equal(h.engine.counters().registrationsByState.registered, 4);
  assert.equal(h.engine.counters().transactions.responsesByClass[2], 4);
});

test('TCP: the Contact keeps the SIP port across reconnects (no second binding); Via has the connection port', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  let localPort = 40001;
  const transport = new MemoryTransport('tcp');
  // Every connection gets a new ephemeral local port, as after a reconnect.
  transport.localAddressFor = () => Promise.resolve({ host: '192.0.2.10', port: localPort++ });
  const resolver = stubResolver({ 'example.com': ['198.51.100.7'] });
  const engine = new Engine({ clock, transports: { tcp: transport }, resolver, random: () => 0.5, startupSpreadMs: 0, bindPort: 5070, bindingCheckMs: 0 });
  const server = digestServer({ expiresParam: 300 });
  transport.onSend = (m) => {
    const reply = server(parseRequest(m.data), m);
    if (reply) transport.deliver(reply, { transport: 'tcp', host: m.target.host, port: m.target.port });
  };
  await engine.start([{ ...CONFIG, transport: 'tcp' }]);
  await clock.advanceAsync(0);
  assert.equal(engine.status('reg-1')?.state, 'registered');
  await clock.advanceAsync(300_000); // refresh, over "new connections"
  const reqs = transport.sent.map((m) => parseRequest(m.data));
  assert.equal(reqs.length, 3, 'register with its challenge, then one preemptive refresh');
  const contacts = new Set(reqs.map((r) => r.headers.get('contact')));
  assert.deepEqual([...contacts], ['<sip:+3215551234@192.0.2.10:5070;transport=tcp>']);
  assert.deepEqual(
    reqs.map((r) => /:(\d+);rport/.exec(r.headers.get('via') ?? '')?.[1]),
    ['40001', '40002', '40003'],
  );
  assert.equal(engine.status('reg-1')?.state, 'registered');
  await engine.stop(0);
});

test('disabled configs report their status at start() and when added', async () => {
  const h = harness(digestServer());
  await h.engine.start([{ ...CONFIG, id: 'on' }, { ...CONFIG, id: 'off', enabled: false }]);
  assert.deepEqual(
    h.statuses.map((s) => [s.registrationId, s.state]),
    [['off', 'disabled'], ['on', 'pending']],
  );
  h.engine.upsert({ ...CONFIG, id: 'off2', enabled: false });
  assert.deepEqual(h.statuses.at(-1), { ...h.engine.status('off2'), registrationId: 'off2', state: 'disabled' });
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('on')?.state, 'registered');
  assert.equal(h.statuses.filter((s) => s.registrationId !== 'on').length, 2);
});

test('transport auto: NAPTR prefers SIP+D2T → REGISTER over TCP (Via TCP, Contact ;transport=tcp); a dead TCP server falls back to the UDP record', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const udp = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const tcp = new MemoryTransport('tcp', { host: '192.0.2.10', port: 40001 });
  const resolver: DnsResolver = {
    resolveNaptr: (n) =>
      n === 'example.com'
        ? Promise.resolve([
            { flags: 'S', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.com', order: 10, preference: 10 },
            { flags: 'S', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com', order: 10, preference: 20 },
          ])
        : noRecord(),
    resolveSrv: (n) =>
      n === '_sip._tcp.example.com' ? Promise.resolve([{ name: 'tcp.example.com', port: 5070, priority: 0, weight: 0 }])
      : n === '_sip._udp.example.com' ? Promise.resolve([{ name: 'udp.example.com', port: 5060, priority: 0, weight: 0 }])
      : noRecord(),
    resolve4: (n) => (n === 'tcp.example.com' ? Promise.resolve(['198.51.100.20']) : n === 'udp.example.com' ? Promise.resolve(['198.51.100.10']) : noRecord()),
    resolve6: noRecord,
  };
  const engine = new Engine({ clock, transports: { udp, tcp }, resolver, random: () => 0.5, startupSpreadMs: 0, bindPort: 5070, bindingCheckMs: 0, dnsCacheMs: 0 });
  let tcpAlive = true;
  for (const t of [udp, tcp]) {
    t.onSend = (m) => {
      if (t === tcp && !tcpAlive) return;
      const req = parseRequest(m.data);
      t.deliver(respond(m.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]), { transport: t.protocol, host: m.target.host, port: m.target.port });
    };
  }
  await engine.start([{ ...CONFIG, password: null, transport: 'auto' }]);
  await clock.advanceAsync(0);
  assert.equal(engine.status('reg-1')?.state, 'registered');
  assert.equal(engine.status('reg-1')?.target, '198.51.100.20:5070/tcp');
  assert.equal(udp.sent.length, 0);
  const first = parseRequest(tcp.sent[0].data);
  assert.match(first.headers.get('via') ?? '', /^SIP\/2\.0\/TCP 192\.0\.2\.10:40001;/);
  assert.equal(first.headers.get('contact'), '<sip:+3215551234@192.0.2.10:5070;transport=tcp>');

  // The TCP server dies: the refresh times out there (Timer F), then goes to the UDP record.
  tcpAlive = false;
  await clock.advanceAsync(300_000);
  const s = engine.status('reg-1');
  assert.equal(s?.state, 'registered');
  assert.equal(s?.target, '198.51.100.10:5060/udp');
  const overUdp = parseRequest(udp.sent[0].data);
  assert.match(overUdp.headers.get('via') ?? '', /^SIP\/2\.0\/UDP /);
  assert.equal(overUdp.headers.get('contact'), '<sip:+3215551234@192.0.2.10:5060;transport=udp>');
  // What worked is remembered: the next refresh goes straight to UDP.
  const tcpSent = tcp.sent.length;
  await clock.advanceAsync(300_000);
  assert.equal(engine.status('reg-1')?.target, '198.51.100.10:5060/udp');
  assert.equal(tcp.sent.length, tcpSent, 'no REGISTER to the dead TCP server first');
  assert.ok(udp.sent.length >= 2);
  await engine.stop(0);
});

test('transport auto on an engine without the chosen transport: that target is skipped, none left → config', async () => {
  const resolver: DnsResolver = {
    resolveNaptr: () => Promise.resolve([{ flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.com', order: 1, preference: 1 }]),
    resolveSrv: (n) => (n === '_sip._tcp.example.com' ? Promise.resolve([{ name: 'example.com', port: 5060, priority: 0, weight: 0 }]) : noRecord()),
    resolve4: () => Promise.resolve(['198.51.100.7']),
    resolve6: noRecord,
  };
  const h = harness(() => null, resolver);
  await h.engine.start([{ ...CONFIG, transport: 'auto' }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'retrying');
  assert.equal(h.engine.status('reg-1')?.reason, 'config');
  assert.equal(h.transport.sent.length, 0);
});
