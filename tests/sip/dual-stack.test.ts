// Dual stack against real Kamailio: ONE engine bound to 127.0.0.1 and [::1] (its own UDP socket
// and TCP listener per family) registers at the same time with a Kamailio listening on [::1] and
// another on 127.0.0.1, over UDP and TCP. Each registrar holds a Contact of its own family, on
// that family's SIP port; the Contact answers sipp's OPTIONS on both families. "Test
// registration" (its own short-lived engine from SIP_BIND) reaches both families too.
//   node --import tsx --test tests/sip/dual-stack.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Engine } from '../../registrar/engine';
import type { RegistrationStatus } from '../../registrar/registration/status';
import { testRegistrationSchema, type TestRegistrationInput } from '../../lib/registrations/test-registration-request';
import { config, defer, inState, testEngine, waitStatus } from './engine-helpers';
import { startKamailio, startSipp, type KamailioHandle } from './harness';

const PASSWORD = 'dual-secret';

/** Kamailio's AoR key (use_domain): user@127.0.0.1 or user@[::1]. */
const aor = (user: string, k: KamailioHandle) => `${user}@${k.host.includes(':') ? `[${k.host}]` : k.host}`;
const uriHost = (k: KamailioHandle) => (k.host.includes(':') ? `[${k.host}]` : k.host);

test('one engine, both families: Kamailio on [::1] and on 127.0.0.1 each get a Contact of their own family, over UDP and TCP', { timeout: 60_000 }, async (t) => {
  const [k6, k4] = await Promise.all([startKamailio({ host: '::1', password: PASSWORD }), startKamailio({ password: PASSWORD })]);
  defer(t, () => k6.stop());
  defer(t, () => k4.stop());
  // Both families on ephemeral ports (they differ); no SIP_PUBLIC_HOST: the local address towards each target.
  const engine = testEngine(t, { binds: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }], publicHost: undefined });
  await engine.open();
  assert.equal(engine.bindings(), '127.0.0.1:0,[::1]:0');
  const ports = { 4: engine.listeningPorts(4), 6: engine.listeningPorts(6) };
  assert.ok(ports[4].udp && ports[6].udp);
  assert.equal(ports[4].tcp, ports[4].udp, 'IPv4: TCP listens on the IPv4 SIP port');
  assert.equal(ports[6].tcp, ports[6].udp, 'IPv6: TCP listens on the IPv6 SIP port');

  const cases = [
    { k: k6, family: 6 as const, transport: 'udp' as const, user: 'six-udp', ddi: '4930600001' },
    { k: k6, family: 6 as const, transport: 'tcp' as const, user: 'six-tcp', ddi: '4930600002' },
    { k: k4, family: 4 as const, transport: 'udp' as const, user: 'four-udp', ddi: '4930400001' },
    { k: k4, family: 4 as const, transport: 'tcp' as const, user: 'four-tcp', ddi: '4930400002' },
  ];
  await engine.start(
    cases.map((c) =>
      config({
        id: c.user,
        username: c.user,
        domain: uriHost(c.k),
        ddi: c.ddi,
        password: PASSWORD,
        transport: c.transport,
        registerServerUri: `sip:${uriHost(c.k)}:${c.k.udpPort}`,
      }),
    ),
  );
  for (const c of cases) {
    const s = await waitStatus(engine, c.user, inState('registered', 'rejected'), 10_000);
    assert.equal(s.state, 'registered', `${c.user}: ${JSON.stringify(s)}`);
    assert.equal(s.target, `${uriHost(c.k)}:${c.k.udpPort}/${c.transport}`);
  }
  for (const c of cases) {
    const local = c.family === 6 ? '[::1]' : '127.0.0.1';
    const bindings = await c.k.lookupBindings(aor(c.user, c.k));
    assert.equal(bindings.length, 1, `${c.user}: ${JSON.stringify(bindings)}`);
    assert.equal(bindings[0].contact, `sip:${c.ddi}@${local}:${ports[c.family][c.transport]};transport=${c.transport}`, `${c.user}: Contact in its own family, on that family's port`);
    // The request reached the registrar on its socket of that family.
    assert.equal(bindings[0].socket, `${c.transport}:${local}:${c.k.udpPort}`);
  }
  // Neither registrar saw the other family.
  for (const k of [k6, k4]) {
    for (const c of cases.filter((x) => x.k !== k)) assert.deepEqual(await k.lookupBindings(aor(c.user, k)), []);
  }
});

test('the Contact answers OPTIONS on both families, over UDP and TCP (sipp on ::1 and on 127.0.0.1)', { timeout: 60_000 }, async (t) => {
  const engine = testEngine(t, { binds: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
  const DDI = '493012345678';
  await engine.start([config({ id: '1', ddi: DDI, enabled: false })]);
  for (const family of [6, 4] as const) {
    const port = engine.listeningPorts(family).udp!;
    const host = family === 6 ? '::1' : '127.0.0.1';
    for (const transport of ['udp', 'tcp'] as const) {
      const remote = family === 6 ? `[::1]:${port}` : `127.0.0.1:${port}`;
      const sipp = await startSipp('uac-options.xml', { host, remote, service: DDI, transport, maxCalls: 1, timeoutSec: 10 });
      defer(t, () => sipp.stop());
      assert.equal(await sipp.done, 0, `sipp over IPv${family}/${transport} got its 200 with Allow and Accept`);
      const ok = sipp.messages().find((m) => m.direction === 'in' && m.status === 200)!;
      assert.equal(ok.header('Allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
      assert.match(ok.header('Via')!, new RegExp(`;received=${host.replace(/\./g, '\\.')}$`));
    }
  }
  assert.deepEqual(engine.counters().uas.requests, { OPTIONS: { udp: 2, tcp: 2 } });
});

test('"Test registration" with a dual SIP_BIND reaches a registrar of either family; with IPv4 only, an IPv6 one fails no-ipv6 at once', { timeout: 60_000 }, async (t) => {
  const [k6, k4] = await Promise.all([startKamailio({ host: '::1', password: PASSWORD }), startKamailio({ password: PASSWORD })]);
  defer(t, () => k6.stop());
  defer(t, () => k4.stop());
  // As the form posts it (the schema's defaults filled in).
  const input = (k: KamailioHandle, transport: 'udp' | 'tcp'): TestRegistrationInput =>
    testRegistrationSchema.parse({
      username: `probe-${transport}`,
      domain: uriHost(k),
      ddi: '4930555',
      registerServerUri: `sip:${uriHost(k)}:${k.udpPort}`,
      expires: 120,
      transport,
    });
  // "Test registration" runs in the engine process (Engine.probe, registrar/store/test-commands.ts): from its SIP_BIND sockets.
  const probeWith = async (binds: Array<{ host: string; port: number }>, values: TestRegistrationInput) => {
    const engine = new Engine({ binds, startupSpreadMs: 0, bindingCheckMs: 0 });
    await engine.start([]);
    try {
      let settle: (s: RegistrationStatus) => void = () => {};
      const outcome = new Promise<RegistrationStatus>((resolve) => (settle = resolve));
      const probe = engine.probe({ ...values, id: 'test', password: PASSWORD, enabled: true }, {
        onStatus: (s) => {
          if (['registered', 'rejected', 'retrying'].includes(s.state)) settle(s);
        },
      });
      const status = await outcome;
      await probe.finish(status.code !== null ? 3000 : 0);
      const trace = () => probe.trace();
      return { status, trace: trace() };
    } finally {
      await engine.stop(1000);
    }
  };
  const dual = [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }];
  for (const k of [k6, k4]) {
    for (const transport of ['udp', 'tcp'] as const) {
      const { status, trace } = await probeWith(dual, input(k, transport));
      assert.equal(status.state, 'registered', `${k.host}/${transport}: ${JSON.stringify(status)}`);
      const register = trace.find((m) => m.direction === 'out')!;
      const local = k.host === '::1' ? '\\[::1\\]' : '127\\.0\\.0\\.1';
      assert.match(register.text, new RegExp(`^Contact: <sip:4930555@${local}:\\d+;transport=${transport}>`, 'm'));
    }
  }
  const started = performance.now();
  const { status, trace } = await probeWith([{ host: '127.0.0.1', port: 0 }], input(k6, 'udp'));
  assert.deepEqual([status.state, status.reason], ['retrying', 'no-ipv6']);
  assert.ok(performance.now() - started < 4_000, 'nothing sent: answered without waiting for a SIP answer');
  assert.match(trace.find((m) => m.direction === 'note')?.text ?? '', /no IPv6 socket to reach \[::1\]:\d+: SIP_BIND has no IPv6 address \(127\.0\.0\.1\)/);
});
