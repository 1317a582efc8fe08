// RFC 2782 weights per binding, over real DNS (dnsmasq on 127.0.0.1, the engine's resolver
// pointed at it as SIP_DNS_SERVERS does) and two real Kamailio registrars: SRV weights 90/10
// at one priority spread 200 bindings about 90/10, because each binding draws its own order
// from the cached records (one DNS lookup for all of them).
//   node --import tsx --test tests/sip/srv-weights.test.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDnsServers, resolverFor } from '../../registrar/dns/servers';
import { config, defer, testEngine, waitUntil } from './engine-helpers';
import { startDnsmasq, startKamailio } from './harness';

const BINDINGS = 200;

test(`SRV weights 90/10: ${BINDINGS} bindings spread 80–98 % to the heavy registrar`, { timeout: 90_000 }, async (t) => {
  const heavy = await startKamailio({ noAuth: true, children: 2 });
  defer(t, () => heavy.stop());
  const light = await startKamailio({ noAuth: true, children: 2 });
  defer(t, () => light.stop());
  const dns = await startDnsmasq({
    hosts: { 'heavy.carrier.test': '127.0.0.1', 'light.carrier.test': '127.0.0.1' },
    srv: [
      { name: '_sip._udp.carrier.test', target: 'heavy.carrier.test', port: heavy.udpPort, priority: 10, weight: 90 },
      { name: '_sip._udp.carrier.test', target: 'light.carrier.test', port: light.udpPort, priority: 10, weight: 10 },
    ],
  });
  defer(t, () => dns.stop());

  // What registrar/start.ts does with SIP_DNS_SERVERS=<dnsmasq>.
  const resolver = resolverFor(parseDnsServers(dns.server));
  assert.ok(resolver);
  const engine = testEngine(t, { resolver, bindingCheckMs: 0, dnsCacheMs: 600_000 });
  const configs = Array.from({ length: BINDINGS }, (_, i) => config({ id: String(i), username: `u${i}`, domain: 'carrier.test', password: null }));
  await engine.start(configs);

  const statuses = await waitUntil(
    'all bindings registered',
    () => engine.statuses(),
    (all) => all.length === BINDINGS && all.every((s) => s.state === 'registered' || s.state === 'rejected' || s.state === 'retrying'),
    60_000,
    100,
  );
  assert.deepEqual(statuses.filter((s) => s.state !== 'registered').map((s) => `${s.registrationId}: ${s.state} ${s.reason}`), []);
  const heavyTarget = `127.0.0.1:${heavy.udpPort}/udp`;
  const lightTarget = `127.0.0.1:${light.udpPort}/udp`;
  const onHeavy = statuses.filter((s) => s.target === heavyTarget).length;
  const onLight = statuses.filter((s) => s.target === lightTarget).length;
  assert.equal(onHeavy + onLight, BINDINGS);
  const share = onHeavy / BINDINGS;
  assert.ok(share >= 0.8 && share <= 0.98, `${onHeavy} of ${BINDINGS} bindings (${(share * 100).toFixed(1)} %) on the heavy registrar`);
  // The registrars agree: a binding on the light one is there, not on the heavy one.
  const lightOne = statuses.find((s) => s.target === lightTarget);
  const heavyOne = statuses.find((s) => s.target === heavyTarget);
  assert.ok(lightOne && heavyOne);
  assert.equal((await light.lookupBindings(`u${lightOne.registrationId}@carrier.test`)).length, 1);
  assert.equal((await heavy.lookupBindings(`u${lightOne.registrationId}@carrier.test`)).length, 0);
  assert.equal((await heavy.lookupBindings(`u${heavyOne.registrationId}@carrier.test`)).length, 1);
  assert.equal((await light.lookupBindings(`u${heavyOne.registrationId}@carrier.test`)).length, 0);
  t.diagnostic(`heavy ${onHeavy}, light ${onLight}`);
});
