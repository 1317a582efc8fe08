// RFC 3263 failover without lapses, over real DNS (dnsmasq on 127.0.0.1) and a real Kamailio:
// SRV lists dead servers (UDP sockets that never answer) before the live one. After the first
// exchange has failed over, refreshes go to the server that answered last first, so the binding
// never lapses at the registrar; and when every server is silent, the status leaves
// `registered` (cause `expired`) at the moment the binding lapses, never later.
// T1 is 50 ms here, so Timer F (64·T1) is 3.2 s.
//   node --import tsx --test tests/sip/srv-failover.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { test, type TestContext } from 'node:test';
import type { RegistrationStatus } from '../../registrar/registration/status';
import { config, defer, inState, record, sleep, testEngine, waitStatus } from './engine-helpers';
import { startDnsmasq, startKamailio, type KamailioHandle } from './harness';

const T1 = 50;
const TIMER_F = 64 * T1;
const EXPIRES = 12;

/** A UDP socket that swallows everything: a server that is down without ICMP. */
async function blackHole(t: TestContext): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  defer(t, () => new Promise<void>((r) => s.close(() => r())));
  return s.address().port;
}

async function setup(t: TestContext, deadServers: number) {
  const kamailio = await startKamailio({ noAuth: true });
  defer(t, () => kamailio.stop());
  const srv = [];
  for (let i = 0; i < deadServers; i++) srv.push({ name: '_sip._udp.carrier.test', target: `dead${i}.carrier.test`, port: await blackHole(t), priority: 10 + i, weight: 10 });
  srv.push({ name: '_sip._udp.carrier.test', target: 'live.carrier.test', port: kamailio.udpPort, priority: 90, weight: 10 });
  const hosts: Record<string, string> = { 'live.carrier.test': '127.0.0.1' };
  for (let i = 0; i < deadServers; i++) hosts[`dead${i}.carrier.test`] = '127.0.0.1';
  const dns = await startDnsmasq({ hosts, srv });
  defer(t, () => dns.stop());
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dns.server]);
  const engine = testEngine(t, { resolver, timers: { t1: T1, t2: 4 * T1, t4: 5 * T1 }, bindingCheckMs: 0, dnsCacheMs: 600_000 });
  const rec = record(engine);
  await engine.start([config({ id: '1', domain: 'carrier.test', password: null, expires: EXPIRES })]);
  return { kamailio, engine, rec, livePort: kamailio.udpPort };
}

/** Samples the registrar's binding every 100 ms for `ms`; returns the longest gap without one. */
async function longestGapMs(kamailio: KamailioHandle, aor: string, ms: number): Promise<number> {
  let longest = 0;
  let since: number | null = null;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const bound = (await kamailio.lookupBindings(aor)).length > 0;
    const now = performance.now();
    if (bound) since = null;
    else {
      since ??= now;
      longest = Math.max(longest, now - since);
    }
    await sleep(100);
  }
  return longest;
}

for (const dead of [1, 2]) {
  test(`${dead} dead SRV target(s) before the live one: refreshes go to the live server first, the binding never lapses`, { timeout: 60_000 }, async (t) => {
    const { kamailio, engine, rec, livePort } = await setup(t, dead);
    const first = await waitStatus(engine, '1', inState('registered', 'retrying'), dead * TIMER_F + 5000);
    assert.equal(first.state, 'registered');
    assert.equal(first.target, `127.0.0.1:${livePort}/udp`);
    const registeredAt = Date.now();
    // Two refresh cycles (refresh at half of the 12 s: the margin for 2–3 servers' Timer F does not fit).
    const gap = await longestGapMs(kamailio, 'alice@carrier.test', 2 * (EXPIRES / 2) * 1000 + 500);
    assert.equal(gap, 0, `the registrar held no binding for ${gap} ms`);
    const sentAfter = rec.traces.filter((x) => x.direction === 'out' && x.at > registeredAt);
    assert.ok(sentAfter.length >= 2, `refreshes were sent (${sentAfter.length})`);
    assert.deepEqual(new Set(sentAfter.map((x) => x.remote)), new Set([`127.0.0.1:${livePort}/udp`]), 'every refresh went to the live server');
    assert.deepEqual(new Set(rec.statuses.filter((s) => s.at > registeredAt).map((s) => s.state)), new Set(['registered']));
  });
}

test('every server silent: registered until expiresAt, then retrying "expired" at that moment, never registered after it', { timeout: 60_000 }, async (t) => {
  const { kamailio, engine, rec } = await setup(t, 1);
  const bound = await waitStatus(engine, '1', inState('registered', 'retrying'), TIMER_F + 5000);
  assert.equal(bound.state, 'registered');
  await kamailio.stop(); // the live server goes silent too
  const lapsed = await waitStatus(engine, '1', (s) => s.state !== 'registered', EXPIRES * 1000 + 2000);
  const expiresAt = bound.expiresAt as number;
  assert.equal(lapsed.state, 'retrying');
  assert.equal(lapsed.reason, 'expired');
  assert.ok(lapsed.at >= expiresAt && lapsed.at - expiresAt < 50, `left 'registered' ${lapsed.at - expiresAt} ms after expiresAt`);
  const lies = rec.statuses.filter((s: RegistrationStatus) => s.state === 'registered' && s.at >= expiresAt);
  assert.deepEqual(lies, []);
  const final = await waitStatus(engine, '1', (s) => s.reason === 'timeout', 4 * TIMER_F);
  assert.equal(final.state, 'retrying', 'then the failover itself times out');
});
