// Engine.probe, the engine's side of "Test registration" (registrar/store/test-commands.ts):
// a one-off REGISTER from the engine's own socket against a real Kamailio, kept apart from the
// engine's registrations; its Expires: 0 never removes a binding the engine keeps for the same DDI.
//   node --import tsx --test tests/sip/engine-probe.test.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RegistrationStatus } from '../../registrar/registration/status';
import { config, defer, testEngine, waitStatus } from './engine-helpers';
import { startKamailio } from './harness';

test('a probe registers from the engine socket and removes its binding; with the DDI kept by the engine, no Expires: 0 is sent', { timeout: 30_000 }, async (t) => {
  const k = await startKamailio({ password: 'pw' });
  defer(t, () => k.stop());
  const engine = testEngine(t);
  const kept = config({ id: '1', username: 'kept', domain: `127.0.0.1:${k.udpPort}`, ddi: '493077770001', password: 'pw' });
  await engine.start([kept]);
  await waitStatus(engine, '1', (s) => s.state === 'registered', 10_000);
  const sipPort = engine.listeningPorts().udp!;

  const probe = async (username: string, ddi: string) => {
    let settle: (s: RegistrationStatus) => void = () => {};
    const outcome = new Promise<RegistrationStatus>((resolve) => (settle = resolve));
    const p = engine.probe(config({ id: 'test', username, domain: `127.0.0.1:${k.udpPort}`, ddi, password: 'pw' }), {
      onStatus: (s) => {
        if (s.state === 'registered' || s.state === 'rejected' || s.state === 'retrying') settle(s);
      },
    });
    const status = await outcome;
    const bindingsWhileUp = await k.lookupBindings(`${username}@127.0.0.1`);
    const { unregistered } = await p.finish(3000);
    return { status, trace: p.trace(), bindingsWhileUp, unregistered };
  };

  // Another DDI: registered from the engine's socket, then removed.
  const other = await probe('probe-a', '493077770002');
  assert.equal(other.status.state, 'registered');
  assert.equal(other.bindingsWhileUp.length, 1);
  assert.equal(other.bindingsWhileUp[0]!.contact, `sip:493077770002@127.0.0.1:${sipPort};transport=udp`, 'the Contact is the engine socket');
  assert.equal(other.unregistered, true);
  assert.ok(other.trace.some((m) => m.direction === 'out' && /^Expires: 0/m.test(m.text)), 'an Expires: 0 was sent');
  assert.deepEqual(await k.lookupBindings('probe-a@127.0.0.1'), []);
  assert.deepEqual(engine.statuses().map((s) => s.registrationId), ['1'], 'the probe is not among the engine registrations');

  // The DDI the engine keeps registered: the same Contact, so no Expires: 0 for it.
  const same = await probe('kept', kept.ddi);
  assert.equal(same.status.state, 'registered');
  assert.equal(same.unregistered, false);
  assert.ok(!same.trace.some((m) => m.direction === 'out' && /^Expires: 0/m.test(m.text)), 'no Expires: 0 sent');
  assert.equal((await k.lookupBindings('kept@127.0.0.1')).length, 1, 'the kept binding is still there');
  assert.equal(engine.status('1')!.state, 'registered');
});
