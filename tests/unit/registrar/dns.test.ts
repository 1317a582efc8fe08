import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipError } from '../../../registrar/errors';
import { orderSrv, resolveTargets, type DnsResolver, type NaptrRecordLike, type SrvRecordLike } from '../../../registrar/dns/resolve-targets';
import { parseUri } from '../../../registrar/message/uri';
import { FakeClock } from '../../../registrar/clock';
import { TargetCache } from '../../../registrar/dns/target-cache';

function fail(code: string): Promise<never> {
  return Promise.reject(Object.assign(new Error(code), { code }));
}

function resolver(data: { naptr?: Record<string, NaptrRecordLike[]>; srv?: Record<string, SrvRecordLike[]>; a?: Record<string, string[]>; aaaa?: Record<string, string[]> }, calls: string[] = []): DnsResolver {
  return {
    resolveNaptr: (n) => (calls.push(`NAPTR ${n}`), data.naptr?.[n] ? Promise.resolve(data.naptr[n]) : fail('ENODATA')),
    resolveSrv: (n) => (calls.push(`SRV ${n}`), data.srv?.[n] ? Promise.resolve(data.srv[n]) : fail('ENOTFOUND')),
    resolve4: (n) => (calls.push(`A ${n}`), data.a?.[n] ? Promise.resolve(data.a[n]) : fail('ENODATA')),
    resolve6: (n) => (calls.push(`AAAA ${n}`), data.aaaa?.[n] ? Promise.resolve(data.aaaa[n]) : fail('ENODATA')),
  };
}

test('IP literal → direct, default ports 5060 / 5061 for TLS and sips', async () => {
  const calls: string[] = [];
  const r = resolver({}, calls);
  assert.deepEqual(await resolveTargets(parseUri('sip:192.0.2.1'), 'udp', r), [{ transport: 'udp', host: '192.0.2.1', port: 5060, serverName: undefined }]);
  assert.deepEqual(await resolveTargets(parseUri('sip:[2001:db8::1]:5070'), 'tcp', r), [{ transport: 'tcp', host: '2001:db8::1', port: 5070, serverName: undefined }]);
  const [tls] = await resolveTargets(parseUri('sips:192.0.2.1'), 'udp', r);
  assert.deepEqual([tls.transport, tls.port], ['tls', 5061]);
  assert.deepEqual(calls, []);
});

test('explicit port → A/AAAA only, no NAPTR/SRV', async () => {
  const calls: string[] = [];
  const r = resolver({ a: { 'sip.example.com': ['192.0.2.5'] }, aaaa: { 'sip.example.com': ['2001:db8::5'] } }, calls);
  const t = await resolveTargets(parseUri('sip:sip.example.com:5080'), 'udp', r);
  assert.deepEqual(t.map((x) => `${x.host}:${x.port}`), ['192.0.2.5:5080', '2001:db8::5:5080']);
  assert.ok(calls.every((c) => c.startsWith('A')));
});

test('NAPTR → SRV → A, in NAPTR order and SRV priority order; TLS gets serverName', async () => {
  const r = resolver({
    naptr: {
      'example.com': [
        { flags: 's', service: 'SIP+D2U', regexp: '', replacement: '_sip._udp.example.com', order: 20, preference: 0 },
        { flags: 's', service: 'SIPS+D2T', regexp: '', replacement: '_sips._tcp.example.com', order: 10, preference: 0 },
        { flags: 's', service: 'SIP+D2T', regexp: '', replacement: '_sip._tcp.example.com', order: 10, preference: 5 },
      ],
    },
    srv: {
      '_sip._udp.example.com': [
        { name: 'b.example.com', port: 5062, priority: 20, weight: 0 },
        { name: 'a.example.com', port: 5061, priority: 10, weight: 0 },
      ],
      '_sips._tcp.example.com': [{ name: 'a.example.com', port: 5063, priority: 1, weight: 1 }],
    },
    a: { 'a.example.com': ['192.0.2.1'], 'b.example.com': ['192.0.2.2'] },
  });
  const udp = await resolveTargets(parseUri('sip:example.com'), 'udp', r);
  assert.deepEqual(udp.map((x) => `${x.host}:${x.port}/${x.transport}`), ['192.0.2.1:5061/udp', '192.0.2.2:5062/udp']);
  const tls = await resolveTargets(parseUri('sip:example.com'), 'tls', r);
  assert.deepEqual(tls.map((x) => [x.host, x.port, x.serverName]), [['192.0.2.1', 5063, 'example.com']]);
});

test('no NAPTR → SRV _sip._tcp; no SRV → A on 5060; nothing → E_DNS', async () => {
  const calls: string[] = [];
  const r = resolver({ srv: { '_sip._tcp.example.net': [{ name: 'p.example.net', port: 5090, priority: 0, weight: 0 }] }, a: { 'p.example.net': ['192.0.2.9'], 'example.org': ['192.0.2.10'] } }, calls);
  const viaSrv = await resolveTargets(parseUri('sip:example.net'), 'tcp', r);
  assert.deepEqual(viaSrv.map((x) => `${x.host}:${x.port}`), ['192.0.2.9:5090']);
  assert.ok(calls.includes('SRV _sip._tcp.example.net'));
  const fallback = await resolveTargets(parseUri('sip:example.org'), 'udp', r);
  assert.deepEqual(fallback.map((x) => `${x.host}:${x.port}`), ['192.0.2.10:5060']);
  await assert.rejects(resolveTargets(parseUri('sip:nowhere.invalid'), 'udp', r), (e: unknown) => e instanceof SipError && e.code === 'E_DNS');
});

test('resolver failure (SERVFAIL) on A/AAAA → E_DNS', async () => {
  const r: DnsResolver = { resolveNaptr: () => fail('ESERVFAIL'), resolveSrv: () => fail('ESERVFAIL'), resolve4: () => fail('ESERVFAIL'), resolve6: () => fail('ESERVFAIL') };
  await assert.rejects(resolveTargets(parseUri('sip:example.com'), 'udp', r), (e: unknown) => e instanceof SipError && e.code === 'E_DNS');
});

test('SRV weight selection follows RFC 2782 running sums', () => {
  const recs = [
    { name: 'zero', port: 1, priority: 5, weight: 0 },
    { name: 'w10', port: 1, priority: 5, weight: 10 },
    { name: 'w90', port: 1, priority: 5, weight: 90 },
    { name: 'first', port: 1, priority: 1, weight: 0 },
  ];
  assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.name), ['first', 'w90', 'w10', 'zero']);
  assert.deepEqual(orderSrv(recs, () => 0.05).map((r) => r.name), ['first', 'w10', 'w90', 'zero']);
  assert.deepEqual(orderSrv(recs, () => 0).map((r) => r.name), ['first', 'zero', 'w10', 'w90']);
});

test('RFC 6761: localhost and names under it are the loopback, with no DNS query at all', async () => {
  const never: DnsResolver = {
    resolveNaptr: (n) => assert.fail(`NAPTR query for ${n}`),
    resolveSrv: (n) => assert.fail(`SRV query for ${n}`),
    resolve4: (n) => assert.fail(`A query for ${n}`),
    resolve6: (n) => assert.fail(`AAAA query for ${n}`),
  };
  const hosts = (ts: readonly { host: string; port: number }[]) => ts.map((t) => `${t.host}:${t.port}`);
  assert.deepEqual(hosts(await resolveTargets(parseUri('sip:localhost'), 'udp', never)), ['127.0.0.1:5060', '::1:5060']);
  assert.deepEqual(hosts(await resolveTargets(parseUri('sip:pbx.LocalHost:5070'), 'tcp', never)), ['127.0.0.1:5070', '::1:5070']);
  assert.deepEqual(hosts(await resolveTargets(parseUri('sips:a.b.localhost'), 'udp', never)), ['127.0.0.1:5061', '::1:5061']);
  // an SRV record naming a localhost target is not looked up either
  const calls: string[] = [];
  const r = resolver({ srv: { '_sip._udp.example.com': [{ name: 'sip.localhost', port: 5080, priority: 0, weight: 0 }] } }, calls);
  assert.deepEqual(hosts(await resolveTargets(parseUri('sip:example.com'), 'udp', r)), ['127.0.0.1:5080', '::1:5080']);
  assert.ok(!calls.some((c) => c.includes('localhost')), calls.join(', '));
  // not a localhost name
  await assert.rejects(resolveTargets(parseUri('sip:localhost.example.com:5060'), 'udp', resolver({})), SipError);
});

test('TargetCache: one lookup, but every resolve() draws its own RFC 2782 order (90/10 → ~90 % first)', async () => {
  const calls: string[] = [];
  const r = resolver(
    {
      srv: {
        '_sip._udp.example.com': [
          { name: 'heavy.example.com', port: 5060, priority: 10, weight: 90 },
          { name: 'light.example.com', port: 5060, priority: 10, weight: 10 },
          { name: 'backup.example.com', port: 5060, priority: 20, weight: 0 },
        ],
      },
      a: { 'heavy.example.com': ['192.0.2.90'], 'light.example.com': ['192.0.2.10'], 'backup.example.com': ['192.0.2.99'] },
    },
    calls,
  );
  // A seeded LCG (deterministic, spread over [0, 1)).
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cache = new TargetCache(r, new FakeClock(), 60_000, random);
  const uri = parseUri('sip:example.com');
  let heavy = 0;
  for (let i = 0; i < 1000; i++) {
    const targets = await cache.resolve(uri, 'udp');
    assert.equal(targets.length, 3);
    assert.equal(targets[2].host, '192.0.2.99', 'the lower priority stays last');
    if (targets[0].host === '192.0.2.90') heavy++;
  }
  assert.ok(heavy >= 850 && heavy <= 950, `heavy first in ${heavy} of 1000 draws`);
  assert.equal(calls.filter((c) => c.startsWith('SRV')).length, 1, 'the records are looked up once and cached');
  // A stepped source covers both sides of the running sum.
  const stepped = [0.5, 0, 0, 0.95, 0, 0]; // three picks per draw (one per remaining record)
  const cache2 = new TargetCache(r, new FakeClock(), 60_000, () => stepped.shift() ?? 0);
  assert.deepEqual((await cache2.resolve(uri, 'udp')).map((t) => t.host), ['192.0.2.90', '192.0.2.10', '192.0.2.99']);
  assert.deepEqual((await cache2.resolve(uri, 'udp')).map((t) => t.host), ['192.0.2.10', '192.0.2.90', '192.0.2.99']);
});

// ------------------------------------------------------------ transport `auto` (RFC 3263 §4.1)

const naptr = (service: string, order: number, preference: number, replacement: string, flags = 's'): NaptrRecordLike => ({ flags, service, regexp: '', replacement, order, preference });
const srv = (name: string, port: number, priority = 10, weight = 10): SrvRecordLike => ({ name, port, priority, weight });
const shown = (ts: readonly { host: string; port: number; transport: string }[]) => ts.map((t) => `${t.host}:${t.port}/${t.transport}`);

/** A domain publishing every transport: UDP on 5060, TCP on 5070, TLS on 5061 of three hosts. */
const everyTransport = {
  srv: {
    '_sip._udp.carrier.test': [srv('udp.carrier.test', 5060)],
    '_sip._tcp.carrier.test': [srv('tcp.carrier.test', 5070)],
    '_sips._tcp.carrier.test': [srv('tls.carrier.test', 5061)],
  },
  a: { 'udp.carrier.test': ['192.0.2.1'], 'tcp.carrier.test': ['192.0.2.2'], 'tls.carrier.test': ['192.0.2.3'], 'carrier.test': ['192.0.2.9'] },
};

test('auto: NAPTR order, then preference, picks the transport; the other records follow as failover', async () => {
  const r = resolver({
    ...everyTransport,
    naptr: {
      'carrier.test': [
        naptr('SIP+D2U', 20, 0, '_sip._udp.carrier.test'),
        naptr('SIPS+D2T', 10, 50, '_sips._tcp.carrier.test'),
        naptr('SIP+D2T', 10, 10, '_sip._tcp.carrier.test'),
      ],
    },
  });
  const t = await resolveTargets(parseUri('sip:carrier.test'), 'auto', r);
  assert.deepEqual(shown(t), ['192.0.2.2:5070/tcp', '192.0.2.3:5061/tls', '192.0.2.1:5060/udp']);
  assert.equal(t[1].serverName, 'carrier.test', 'TLS keeps the domain for SNI and the certificate check');
  assert.equal(t[0].serverName, undefined);
});

test('auto: NAPTR preferring UDP → UDP first', async () => {
  const r = resolver({
    ...everyTransport,
    naptr: { 'carrier.test': [naptr('SIP+D2T', 10, 20, '_sip._tcp.carrier.test'), naptr('SIP+D2U', 10, 10, '_sip._udp.carrier.test')] },
  });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', r)), ['192.0.2.1:5060/udp', '192.0.2.2:5070/tcp']);
});

test('auto: unsupported services (SCTP, WebSocket, other flags, empty replacement) are skipped', async () => {
  const r = resolver({
    ...everyTransport,
    srv: { ...everyTransport.srv, '_sip._sctp.carrier.test': [srv('udp.carrier.test', 5099)] },
    naptr: {
      'carrier.test': [
        naptr('SIP+D2S', 1, 0, '_sip._sctp.carrier.test'),
        naptr('SIPS+D2W', 2, 0, '_sips._ws.carrier.test'),
        naptr('SIP+D2T', 3, 0, '_sip._tcp.carrier.test', 'a'),
        naptr('SIP+D2T', 4, 0, ''),
        naptr('sip+d2u', 5, 0, '_sip._udp.carrier.test'),
      ],
    },
  });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', r)), ['192.0.2.1:5060/udp']);
});

test('auto: a NAPTR record whose SRV name has no usable records is passed over', async () => {
  const r = resolver({
    ...everyTransport,
    naptr: { 'carrier.test': [naptr('SIP+D2T', 10, 0, '_sip._tcp.gone.test'), naptr('SIP+D2U', 20, 0, '_sip._udp.carrier.test')] },
  });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', r)), ['192.0.2.1:5060/udp']);
});

test('auto with a sips: URI: only SIPS+D2T records count, TLS even when TCP/UDP are preferred', async () => {
  const r = resolver({
    ...everyTransport,
    naptr: {
      'carrier.test': [naptr('SIP+D2U', 1, 0, '_sip._udp.carrier.test'), naptr('SIP+D2T', 2, 0, '_sip._tcp.carrier.test'), naptr('SIPS+D2T', 3, 0, '_sips._tcp.carrier.test')],
    },
  });
  const t = await resolveTargets(parseUri('sips:carrier.test'), 'auto', r);
  assert.deepEqual(shown(t), ['192.0.2.3:5061/tls']);
  // no SIPS+D2T at all → _sips._tcp SRV, then A on 5061, never UDP/TCP
  const none = resolver({ ...everyTransport, naptr: { 'carrier.test': [naptr('SIP+D2U', 1, 0, '_sip._udp.carrier.test')] } });
  assert.deepEqual(shown(await resolveTargets(parseUri('sips:other.test'), 'auto', resolver({ a: { 'other.test': ['192.0.2.8'] } }))), ['192.0.2.8:5061/tls']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sips:carrier.test'), 'auto', none)), ['192.0.2.3:5061/tls']);
});

test('auto without NAPTR: SRV for every transport, in the order TLS, TCP, UDP', async () => {
  const calls: string[] = [];
  const r = resolver(everyTransport, calls);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', r)), ['192.0.2.3:5061/tls', '192.0.2.2:5070/tcp', '192.0.2.1:5060/udp']);
  for (const q of ['NAPTR carrier.test', 'SRV _sips._tcp.carrier.test', 'SRV _sip._tcp.carrier.test', 'SRV _sip._udp.carrier.test']) assert.ok(calls.includes(q), `${q} asked`);
  // only some published: those, in that order
  const tcpUdp = resolver({ ...everyTransport, srv: { '_sip._udp.carrier.test': everyTransport.srv['_sip._udp.carrier.test'], '_sip._tcp.carrier.test': everyTransport.srv['_sip._tcp.carrier.test'] } });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', tcpUdp)), ['192.0.2.2:5070/tcp', '192.0.2.1:5060/udp']);
  const udpOnly = resolver({ ...everyTransport, srv: { '_sip._udp.carrier.test': everyTransport.srv['_sip._udp.carrier.test'] } });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', udpOnly)), ['192.0.2.1:5060/udp']);
});

test('auto without NAPTR or SRV: A/AAAA over UDP on 5060; nothing at all → E_DNS', async () => {
  const r = resolver({ a: { 'carrier.test': ['192.0.2.9'] }, aaaa: { 'carrier.test': ['2001:db8::9'] } });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'auto', r)), ['192.0.2.9:5060/udp', '2001:db8::9:5060/udp']);
  await assert.rejects(resolveTargets(parseUri('sip:nowhere.test'), 'auto', r), (e: unknown) => e instanceof SipError && e.code === 'E_DNS');
});

test('auto: a numeric host or an explicit port → UDP (TLS for sips:), with no NAPTR/SRV query', async () => {
  const calls: string[] = [];
  const r = resolver({ ...everyTransport, naptr: { 'carrier.test': [naptr('SIP+D2T', 1, 0, '_sip._tcp.carrier.test')] } }, calls);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:192.0.2.50'), 'auto', r)), ['192.0.2.50:5060/udp']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:[2001:db8::50]:5080'), 'auto', r)), ['2001:db8::50:5080/udp']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sips:192.0.2.50'), 'auto', r)), ['192.0.2.50:5061/tls']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:localhost'), 'auto', r)), ['127.0.0.1:5060/udp', '::1:5060/udp']);
  assert.equal(calls.length, 0, calls.join(', '));
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test:5090'), 'auto', r)), ['192.0.2.9:5090/udp']);
  assert.ok(calls.every((c) => c.startsWith('A')), calls.join(', '));
});

test('auto: a ;transport= parameter in the URI wins over NAPTR', async () => {
  const calls: string[] = [];
  const r = resolver({ ...everyTransport, naptr: { 'carrier.test': [naptr('SIP+D2T', 1, 0, '_sip._tcp.carrier.test'), naptr('SIP+D2U', 2, 0, '_sip._udp.carrier.test')] } }, calls);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test;transport=udp'), 'auto', r)), ['192.0.2.1:5060/udp']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test;transport=TLS'), 'auto', r)), ['192.0.2.3:5061/tls']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:192.0.2.50;transport=tcp'), 'auto', r)), ['192.0.2.50:5060/tcp']);
});

test('a fixed transport still follows only its own NAPTR service, whatever auto would choose', async () => {
  const r = resolver({ ...everyTransport, naptr: { 'carrier.test': [naptr('SIP+D2T', 1, 0, '_sip._tcp.carrier.test'), naptr('SIP+D2U', 2, 0, '_sip._udp.carrier.test')] } });
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'udp', r)), ['192.0.2.1:5060/udp']);
  assert.deepEqual(shown(await resolveTargets(parseUri('sip:carrier.test'), 'tls', r)), ['192.0.2.3:5061/tls']);
});

test('TargetCache: auto and a fixed transport are cached apart; the same address over two transports is two targets', async () => {
  const calls: string[] = [];
  const r = resolver(
    {
      naptr: { 'carrier.test': [naptr('SIP+D2T', 1, 0, '_sip._tcp.carrier.test'), naptr('SIP+D2U', 2, 0, '_sip._udp.carrier.test')] },
      srv: { '_sip._tcp.carrier.test': [srv('one.carrier.test', 5060)], '_sip._udp.carrier.test': [srv('one.carrier.test', 5060)] },
      a: { 'one.carrier.test': ['192.0.2.1'] },
    },
    calls,
  );
  const cache = new TargetCache(r, new FakeClock(), 60_000, () => 0.5);
  const uri = parseUri('sip:carrier.test');
  assert.deepEqual(shown(await cache.resolve(uri, 'auto')), ['192.0.2.1:5060/tcp', '192.0.2.1:5060/udp']);
  assert.deepEqual(shown(await cache.resolve(uri, 'auto')), ['192.0.2.1:5060/tcp', '192.0.2.1:5060/udp']);
  assert.deepEqual(shown(await cache.resolve(uri, 'udp')), ['192.0.2.1:5060/udp']);
  assert.equal(calls.filter((c) => c === 'NAPTR carrier.test').length, 2, 'one lookup for auto, one for udp');
});

test('TargetCache.resolveNow: null until the lookup is done, then what resolve() gives without a promise; null again past the TTL', async () => {
  const calls: string[] = [];
  const r = resolver({ a: { 'example.com': ['192.0.2.7'] } }, calls);
  const clock = new FakeClock();
  const cache = new TargetCache(r, clock, 60_000);
  const uri = parseUri('sip:example.com;transport=udp');
  assert.equal(cache.resolveNow(uri, 'udp'), null);
  const targets = await cache.resolve(uri, 'udp');
  const lookups = calls.length;
  assert.ok(lookups > 0);
  assert.deepEqual(cache.resolveNow(uri, 'udp'), targets);
  assert.deepEqual(targets, [{ transport: 'udp', host: '192.0.2.7', port: 5060, serverName: undefined }]);
  assert.equal(calls.length, lookups);
  clock.advance(60_001);
  assert.equal(cache.resolveNow(uri, 'udp'), null);
  await cache.resolve(uri, 'udp');
  assert.equal(calls.length, 2 * lookups);
});

test('TargetCache.resolveNow: an IP literal or localhost is answered at the first call, with no lookup (a burst to it never waits for DNS)', async () => {
  const calls: string[] = [];
  const cache = new TargetCache(resolver({}, calls), new FakeClock(), 60_000);
  assert.deepEqual(cache.resolveNow(parseUri('sip:192.0.2.9:5080'), 'auto'), [{ transport: 'udp', host: '192.0.2.9', port: 5080, serverName: undefined }]);
  assert.deepEqual(cache.resolveNow(parseUri('sips:[2001:db8::9]'), 'auto'), await cache.resolve(parseUri('sips:[2001:db8::9]'), 'auto'));
  assert.deepEqual(
    cache.resolveNow(parseUri('sip:localhost;transport=tcp'), 'udp')?.map((t) => `${t.transport}:${t.host}:${t.port}`),
    ['tcp:127.0.0.1:5060', 'tcp:::1:5060'],
  );
  assert.deepEqual(calls, []);
  // What the literal path gives is what the full lookup gives.
  assert.deepEqual(await resolveTargets(parseUri('sip:192.0.2.9:5080'), 'auto', resolver({}, calls)), cache.resolveNow(parseUri('sip:192.0.2.9:5080'), 'auto'));
});
