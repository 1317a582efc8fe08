// 'registered' stays true: the binding audit (RFC 3261 §10.2.3 queries), the expiry
// invariant, the last working server first, and a lost TCP flow re-registering at once.
// In-memory transport and fake clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import type { DnsResolver } from '../../../registrar/dns/resolve-targets';
import { Engine, type EngineOptions } from '../../../registrar/engine';
import { SipError } from '../../../registrar/errors';
import type { SipRequest } from '../../../registrar/message/types';
import type { RegistrationConfig } from '../../../registrar/registration/config';
import type { RegistrationStatus } from '../../../registrar/registration/status';
import { MemoryTransport, type SentMessage } from '../../../registrar/transport/memory';
import type { TransportProtocol } from '../../../registrar/transport/types';
import { parseRequest, respond } from './helpers';

const CONFIG: RegistrationConfig = {
  id: 'reg-1',
  username: 'alice',
  domain: 'example.com',
  ddi: '+3215551234',
  password: null,
  expires: 3600,
  transport: 'udp',
  enabled: true,
};
const CHECK_MS = 10_000;

function noRecord(): Promise<never> {
  return Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' }));
}

function resolver(addresses: string[]): DnsResolver {
  return { resolveNaptr: noRecord, resolveSrv: noRecord, resolve4: () => Promise.resolve(addresses), resolve6: noRecord };
}

type Server = (req: SipRequest, sent: SentMessage) => string | null;

/** A registrar with a binding table: REGISTER stores or removes Contacts, every 2xx lists them all. */
function bindingServer(opts: { listsOnQuery?: boolean; queryStatus?: number } = {}) {
  const bindings = new Map<string, string>();
  const server: Server = (req, sent) => {
    const contact = req.headers.get('contact');
    if (!contact) {
      if (opts.queryStatus) return respond(sent.data, opts.queryStatus, 'Forbidden');
      if (opts.listsOnQuery === false) return respond(sent.data, 200, 'OK');
    } else if (req.headers.get('expires') === '0') bindings.delete(contact);
    else bindings.set(contact, `Contact: ${contact};expires=${req.headers.get('expires')}`);
    return respond(sent.data, 200, 'OK', [...bindings.values()]);
  };
  return { server, bindings };
}

function harness(server: Server, options: EngineOptions & { protocol?: TransportProtocol; addresses?: string[] } = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const protocol = options.protocol ?? 'udp';
  const transport = new MemoryTransport(protocol, { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({
    clock,
    transports: { [protocol]: transport },
    resolver: resolver(options.addresses ?? ['198.51.100.7']),
    random: () => 0.5,
    startupSpreadMs: 0,
    bindingCheckMs: CHECK_MS,
    ...options,
  });
  const statuses: RegistrationStatus[] = [];
  engine.on('status', (s) => statuses.push(s));
  const notes: string[] = [];
  engine.on('trace', (t) => {
    if (t.direction === 'note') notes.push(t.text);
  });
  transport.onSend = (m) => {
    const reply = server(parseRequest(m.data), m);
    if (reply) transport.deliver(reply, { transport: protocol, host: m.target.host, port: m.target.port });
  };
  const requests = (): SipRequest[] => transport.sent.map((m) => parseRequest(m.data));
  const queries = (): SipRequest[] => requests().filter((r) => !r.headers.get('contact'));
  return { clock, transport, engine, statuses, notes, requests, queries };
}

test('the audit queries the bindings (no Contact, no Expires) within the interval and keeps a listed binding registered', async () => {
  const { server } = bindingServer();
  const h = harness(server);
  await h.engine.start([{ ...CONFIG, transport: 'udp' }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  h.statuses.length = 0;
  await h.clock.advanceAsync(CHECK_MS);
  const [query] = h.queries();
  assert.ok(query, 'a binding query within the interval');
  assert.equal(query.headers.get('expires'), undefined);
  assert.equal(query.headers.get('call-id'), h.requests()[0].headers.get('call-id'));
  assert.equal(query.headers.get('cseq'), '2 REGISTER');
  await h.clock.advanceAsync(10 * CHECK_MS);
  assert.ok(h.queries().length >= 10, `one query per interval (${h.queries().length})`);
  assert.deepEqual(h.statuses, [], 'no transition while the binding is listed');
});

test('audits fall on 100 ms steps and never past the interval, even with the longest draw and a clock off the steps', async () => {
  const { server } = bindingServer();
  // random() = 1: the first audit after the whole interval, the next ones after 100 % of it.
  const h = harness(server, { random: () => 1 });
  await h.clock.advanceAsync(37);
  await h.engine.start([{ ...CONFIG, transport: 'udp' }]);
  await h.clock.advanceAsync(0);
  let last = h.clock.now();
  const at: number[] = [];
  for (let step = 0; step < 3 * CHECK_MS + 1000 && at.length < 3; step += 1) {
    await h.clock.advanceAsync(1);
    if (h.queries().length > at.length) at.push(h.clock.now());
  }
  assert.equal(at.length, 3, 'three audits');
  for (const t of at) {
    assert.equal(t % 100, 0, `audit at ${t} on a 100 ms step`);
    assert.ok(t - last <= CHECK_MS, `${t - last} ms after the previous exchange: within the interval`);
    last = t;
  }
});

test('a registrar that lost our binding (restart) → retrying "binding-lost" → registered again at once', async () => {
  const { server, bindings } = bindingServer();
  const h = harness(server);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(CHECK_MS); // first audit: listed
  assert.equal(h.queries().length, 1);
  bindings.clear(); // the registrar restarts and forgets
  const lostAt = h.clock.now();
  h.statuses.length = 0;
  await h.clock.advanceAsync(CHECK_MS);
  assert.deepEqual(h.statuses.map((s) => [s.state, s.reason]), [
    ['retrying', 'binding-lost'],
    ['registering', 'binding-lost'],
    ['registered', 'OK'],
  ]);
  assert.ok(h.statuses[0].at - lostAt <= CHECK_MS, 'found within one interval');
  assert.equal(h.statuses[0].expiresAt, null);
  assert.equal(bindings.size, 1, 'bound again at the registrar');
  assert.deepEqual(h.engine.counters().bindingChecks, { listed: 1, lost: 1, contactless: 0, refused: 0, failed: 0, refreshed: 0 });
});

test('our Contact missing among other bindings → binding-lost even before any query listed it', async () => {
  const { server, bindings } = bindingServer();
  const h = harness(server);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  bindings.clear();
  bindings.set('other', 'Contact: <sip:someone@203.0.113.9:5060>;expires=100');
  h.statuses.length = 0;
  await h.clock.advanceAsync(CHECK_MS);
  assert.equal(h.statuses[0]?.reason, 'binding-lost');
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
});

test('a registrar that answers queries without Contact never makes the binding look lost: the audit refreshes instead and says so', async () => {
  const { server, bindings } = bindingServer({ listsOnQuery: false });
  const h = harness(server);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  h.statuses.length = 0;
  await h.clock.advanceAsync(5 * CHECK_MS);
  assert.deepEqual(new Set(h.statuses.map((s) => s.state)), new Set(['registered']));
  assert.equal(h.queries().length, 2, 'two contact-less answers, then refreshes only');
  assert.ok(h.requests().length - h.queries().length >= 5, 'a refresh per interval');
  assert.match(h.notes[0], /without any Contact: refreshing/);
  const checks = h.engine.counters().bindingChecks;
  assert.equal(checks.contactless, 2);
  assert.equal(checks.lost, 0);
  assert.ok(checks.refreshed >= 3, `audits done as refreshes: ${checks.refreshed}`);
  assert.match(h.notes[1], /does not list bindings, so the audit refreshes the registration every 10 s instead/);
  assert.equal(bindings.size, 1);
});

test('a registrar that answers queries with an error: no lost binding, a refresh at the audit interval, noted in the trace', async () => {
  const { server } = bindingServer({ queryStatus: 403 });
  const h = harness(server);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  h.statuses.length = 0;
  await h.clock.advanceAsync(4 * CHECK_MS);
  assert.deepEqual(new Set(h.statuses.map((s) => s.state)), new Set(['registered']));
  assert.equal(h.queries().length, 1);
  assert.match(h.notes[0], /^Binding query answered 403 Forbidden: this registrar does not answer queries/);
  const refreshes = h.requests().length - 1 - h.queries().length;
  assert.ok(refreshes >= 4, `refreshes at the audit's pace (${refreshes})`);
});

test('REGISTRAR_BINDING_CHECK_S=0: no queries', async () => {
  const { server } = bindingServer();
  const h = harness(server, { bindingCheckMs: 0 });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(30 * CHECK_MS);
  assert.equal(h.queries().length, 0);
});

test('invariant: never registered past expiresAt without a successful refresh → retrying "expired" at that moment', async () => {
  let answer = true;
  const h = harness((req, sent) => (answer ? respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=60`]) : null), {
    bindingCheckMs: 0,
  });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1') as RegistrationStatus;
  assert.equal(s.state, 'registered');
  const expiresAt = s.expiresAt as number;
  assert.ok((s.nextAttemptAt as number) < expiresAt);
  answer = false;
  h.statuses.length = 0;
  await h.clock.advanceAsync(expiresAt - h.clock.now() - 1);
  assert.equal(h.engine.status('reg-1')?.state, 'registered', 'refresh in flight: still registered before expiry');
  await h.clock.advanceAsync(1);
  assert.deepEqual(h.statuses.map((x) => [x.state, x.reason, x.at]), [['retrying', 'expired', expiresAt]]);
  await h.clock.advanceAsync(60_000);
  assert.equal(h.engine.status('reg-1')?.reason, 'timeout', 'the refresh itself then times out');
});

test('refreshes go to the last server that answered first, and start early enough for a failover across servers', async () => {
  const h = harness(
    (req, sent) => (sent.target.host === '198.51.100.1' ? null : respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=600`])),
    { addresses: ['198.51.100.1', '198.51.100.2'], bindingCheckMs: 0 },
  );
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(32_000); // first server silent: Timer F, then the second
  const s = h.engine.status('reg-1') as RegistrationStatus;
  assert.equal(s.target, '198.51.100.2:5060/udp');
  // 2 servers: min(85 % of 600 s, 600 s − 2 × 32 s) = 510 s, jitter 0.5 × 10 s
  assert.equal((s.nextAttemptAt as number) - h.clock.now(), 505_000);
  const before = h.transport.sent.length;
  await h.clock.advanceAsync(505_000);
  const refresh = h.transport.sent.slice(before);
  assert.equal(refresh.length, 1);
  assert.equal(refresh[0].target.host, '198.51.100.2');
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
});

test('TCP: the flow carrying the binding is lost → retrying "connection-closed" → registered again at once', async () => {
  const { server, bindings } = bindingServer();
  const h = harness(server, { protocol: 'tcp', bindingCheckMs: 0 });
  await h.engine.start([{ ...CONFIG, transport: 'tcp' }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.engine.status('reg-1')?.state, 'registered');
  h.statuses.length = 0;
  bindings.clear();
  h.transport.loseFlow({ transport: 'tcp', host: '198.51.100.7', port: 5060 }, new SipError('E_TRANSPORT', 'connection closed'));
  await h.clock.advanceAsync(0);
  assert.deepEqual(h.statuses.map((s) => [s.state, s.reason]), [
    ['retrying', 'connection-closed'],
    ['registering', 'connection-closed'],
    ['registered', 'OK'],
  ]);
  assert.equal(bindings.size, 1);
  h.statuses.length = 0;
  h.transport.loseFlow({ transport: 'tcp', host: '198.51.100.99', port: 5060 }, new SipError('E_TRANSPORT', 'connection closed'));
  await h.clock.advanceAsync(0);
  assert.deepEqual(h.statuses, [], 'another flow: nothing to do');
});

test('a 2xx that does not bind us is no success: retrying "binding-missing", response in the trace', async () => {
  for (const ok of [
    () => [], // no Contact at all
    () => ['Contact: <sip:someone-else@203.0.113.9:5060>;expires=300'], // not ours
    (c: string) => [`Contact: ${c};expires=soon`], // ours, expiry unparsable, no Expires header
    (c: string) => [`Contact: ${c};expires=0`], // ours, removed
  ]) {
    const h = harness((req, sent) => respond(sent.data, 200, 'OK', ok(req.headers.get('contact') as string)), { bindingCheckMs: 0 });
    await h.engine.start([CONFIG]);
    await h.clock.advanceAsync(0);
    const s = h.engine.status('reg-1')!;
    assert.deepEqual([s.state, s.code, s.reason, s.expiresAt], ['retrying', null, 'binding-missing', null], String(ok));
    assert.ok(h.engine.trace('reg-1').some((m) => m.direction === 'in' && m.text.startsWith('SIP/2.0 200')));
  }
  // Ours with an unparsable expiry but a usable Expires header, or with no expiry at all: bound.
  for (const [extra, granted] of [[';expires=soon', 'Expires: 120'], ['', null]] as const) {
    const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')}${extra}`, ...(granted ? [granted] : [])]), { bindingCheckMs: 0 });
    await h.engine.start([CONFIG]);
    await h.clock.advanceAsync(0);
    assert.equal(h.engine.status('reg-1')!.grantedExpires, granted ? 120 : 3600);
  }
});

test('Retry-After is honoured as given (RFC 3261 §21.5.4), on 5xx and on rejections alike', async () => {
  for (const [status, reason, state] of [
    [503, 'Service Unavailable', 'retrying'],
    [480, 'Temporarily Unavailable', 'rejected'],
  ] as const) {
    const h = harness((_req, sent) => respond(sent.data, status, reason, ['Retry-After: 400']), { bindingCheckMs: 0 });
    await h.engine.start([CONFIG]);
    await h.clock.advanceAsync(0);
    const s = h.engine.status('reg-1')!;
    assert.equal(s.state, state);
    assert.ok((s.nextAttemptAt as number) - h.clock.now() >= 400_000, `${status}: next attempt in ${(s.nextAttemptAt as number) - h.clock.now()} ms`);
  }
});

test('423 whose Min-Expires is not above the request is a transient fault: retrying with backoff, not rejected', async () => {
  const h = harness((_req, sent) => respond(sent.data, 423, 'Interval Too Brief', ['Min-Expires: 60']), { bindingCheckMs: 0 });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  const s = h.engine.status('reg-1')!;
  assert.deepEqual([s.state, s.code], ['retrying', 423]);
  assert.ok((s.nextAttemptAt as number) - h.clock.now() <= 4_000, 'backoff, not the 5–15 min of a rejection');
});

test('a 30 s grant is refreshed every 15 s at most, not every 5 s', async () => {
  const h = harness((req, sent) => respond(sent.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=30`]), { bindingCheckMs: 0 });
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(60_000);
  const registers = h.requests().length;
  assert.ok(registers <= 5, `${registers} REGISTERs in 60 s`);
  assert.equal(h.engine.status('reg-1')!.state, 'registered');
});
