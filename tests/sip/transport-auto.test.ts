// Transport `auto` (RFC 3263 §4.1) over real DNS (dnsmasq on 127.0.0.1 serving NAPTR and SRV)
// and a real Kamailio listening on UDP and TCP: the most preferred NAPTR record decides the
// transport, the REGISTER goes over it (Via, Contact ;transport=), Kamailio stores the binding
// on that socket, and the status target names it. A dead TCP server falls over to the UDP record.
//   node --import tsx --test tests/sip/transport-auto.test.ts
import assert from 'node:assert/strict';
import { Resolver } from 'node:dns/promises';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { config, defer, inState, record, testEngine, waitStatus } from './engine-helpers';
import { HOST, startDnsmasq, startKamailio } from './harness';

/** A TCP server that accepts connections and never answers: a SIP server that hangs. */
async function silentTcp(t: TestContext): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, HOST, r));
  defer(t, () => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    server.close(() => r());
  }));
  return (server.address() as net.AddressInfo).port;
}

const AOR = 'alice@carrier.test';

/** NAPTR for carrier.test: SIP+D2T and SIP+D2U with these preferences (same order), each to its SRV name. */
async function setup(t: TestContext, prefer: 'tcp' | 'udp', opts: { deadTcp?: boolean } = {}) {
  const kamailio = await startKamailio({ noAuth: true });
  defer(t, () => kamailio.stop());
  const tcpPort = opts.deadTcp ? await silentTcp(t) : kamailio.tcpPort;
  const dns = await startDnsmasq({
    hosts: { 'live.carrier.test': '127.0.0.1' },
    naptr: [
      { name: 'carrier.test', order: 10, preference: prefer === 'tcp' ? 10 : 20, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.carrier.test' },
      { name: 'carrier.test', order: 10, preference: prefer === 'udp' ? 10 : 20, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
    ],
    srv: [
      { name: '_sip._tcp.carrier.test', target: 'live.carrier.test', port: tcpPort, priority: 10, weight: 10 },
      { name: '_sip._udp.carrier.test', target: 'live.carrier.test', port: kamailio.udpPort, priority: 10, weight: 10 },
    ],
  });
  defer(t, () => dns.stop());
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([dns.server]);
  // The resolver really is served NAPTR by dnsmasq (not only SRV): the test would prove nothing otherwise.
  const naptr = await resolver.resolveNaptr('carrier.test');
  assert.deepEqual(naptr.map((r) => r.service).sort(), ['SIP+D2T', 'SIP+D2U']);
  const engine = testEngine(t, { resolver, bindingCheckMs: 0, timers: { t1: 100, t2: 400, t4: 500 } });
  const rec = record(engine);
  await engine.start([config({ id: '1', domain: 'carrier.test', password: null, transport: 'auto' })]);
  return { kamailio, engine, rec, tcpPort };
}

test('NAPTR prefers SIP+D2T: an auto registration registers over TCP (Kamailio binds it on its TCP socket, Contact ;transport=tcp)', { timeout: 60_000 }, async (t) => {
  const { kamailio, engine, rec } = await setup(t, 'tcp');
  const s = await waitStatus(engine, '1', inState('registered', 'retrying', 'rejected'), 15_000);
  assert.equal(s.state, 'registered', `${s.state} ${s.reason}`);
  assert.equal(s.target, `127.0.0.1:${kamailio.tcpPort}/tcp`, 'the status names the transport DNS chose');
  const [binding, ...others] = await kamailio.lookupBindings(AOR);
  assert.deepEqual(others, []);
  assert.match(binding!.socket, /^tcp:/, `Kamailio received the REGISTER on ${binding!.socket}`);
  assert.match(binding!.contact, /;transport=tcp/i);
  const sent = rec.traces.filter((x) => x.direction === 'out');
  assert.ok(sent.length > 0);
  for (const m of sent) {
    assert.equal(m.remote, `127.0.0.1:${kamailio.tcpPort}/tcp`);
    assert.match(m.text, /^Via: SIP\/2\.0\/TCP /m);
  }
});

test('NAPTR prefers SIP+D2U: the same domain registers over UDP', { timeout: 60_000 }, async (t) => {
  const { kamailio, engine, rec } = await setup(t, 'udp');
  const s = await waitStatus(engine, '1', inState('registered', 'retrying', 'rejected'), 15_000);
  assert.equal(s.state, 'registered', `${s.state} ${s.reason}`);
  assert.equal(s.target, `127.0.0.1:${kamailio.udpPort}/udp`);
  const [binding] = await kamailio.lookupBindings(AOR);
  assert.match(binding!.socket, /^udp:/);
  assert.match(binding!.contact, /;transport=udp/i);
  assert.ok(rec.traces.filter((x) => x.direction === 'out').every((m) => /^Via: SIP\/2\.0\/UDP /m.test(m.text)));
});

test('NAPTR prefers SIP+D2T but the TCP server never answers: after its Timer F, falls over to the UDP record', { timeout: 60_000 }, async (t) => {
  const { kamailio, engine, rec, tcpPort } = await setup(t, 'tcp', { deadTcp: true });
  const s = await waitStatus(engine, '1', inState('registered', 'rejected'), 64 * 100 + 10_000);
  assert.equal(s.state, 'registered', `${s.state} ${s.reason}`);
  assert.equal(s.target, `127.0.0.1:${kamailio.udpPort}/udp`);
  const [binding] = await kamailio.lookupBindings(AOR);
  assert.match(binding!.socket, /^udp:/);
  assert.match(binding!.contact, /;transport=udp/i, 'the Contact follows the transport actually used');
  const remotes = rec.traces.filter((x) => x.direction === 'out').map((x) => x.remote);
  assert.equal(remotes[0], `127.0.0.1:${tcpPort}/tcp`, 'TCP was tried first');
  assert.equal(remotes.at(-1), `127.0.0.1:${kamailio.udpPort}/udp`);
});
