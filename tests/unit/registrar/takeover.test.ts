// A registration taken over from another engine node (registrar/cluster/): the same Call-ID, a CSeq
// above the one persisted, the previous node's Contact removed in the same REGISTER (RFC 3261
// §10.2.2: several Contacts, `;expires=0` on the old one); the lease gate; drop() sends nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import { Engine } from '../../../registrar/engine';
import type { RegistrationConfig } from '../../../registrar/registration/config';
import { TAKEOVER_CSEQ_GAP } from '../../../registrar/registration/cseq-gap';
import { MemoryTransport } from '../../../registrar/transport/memory';
import { parseRequest, respond } from './helpers';

const CONFIG: RegistrationConfig = {
  id: '7',
  username: 'alice',
  domain: '198.51.100.7',
  ddi: '4930111',
  password: null,
  expires: 3600,
  transport: 'udp',
  enabled: true,
};
const OURS = 'sip:4930111@192.0.2.10:5060;transport=udp';
const THEIRS = 'sip:4930111@192.0.2.99:5070;transport=udp';

/** An engine on the in-memory transport; the registrar answers 200 listing the Contacts it keeps (those without expires=0). */
function harness() {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({ clock, transports: { udp: transport }, random: () => 0.5, startupSpreadMs: 0, bindingCheckMs: 0 });
  transport.onSend = (m) => {
    const req = parseRequest(m.data);
    const kept = req.headers.getAll('contact').filter((c) => !/;expires=0$/.test(c));
    transport.deliver(respond(m.data, 200, 'OK', kept.map((c) => `Contact: ${c};expires=${req.headers.get('expires')}`)), m.target);
  };
  const requests = () => transport.sent.map((m) => parseRequest(m.data));
  return { clock, engine, requests };
}

test('takeover: the first REGISTER keeps the Call-ID, CSeq = persisted + TAKEOVER_CSEQ_GAP + 1, and removes the previous Contact next to ours', async () => {
  const h = harness();
  await h.engine.start([{ ...CONFIG, resume: { callId: 'prev-call-id', cseq: 41, contact: THEIRS } }]);
  await h.clock.advanceAsync(0);
  const [first] = h.requests();
  assert.equal(first.headers.get('call-id'), 'prev-call-id');
  assert.equal(first.headers.get('cseq'), `${41 + TAKEOVER_CSEQ_GAP + 1} REGISTER`);
  assert.deepEqual(first.headers.getAll('contact'), [`<${THEIRS}>;expires=0`, `<${OURS}>`]);
  assert.equal(first.headers.get('expires'), '3600');
  assert.equal(h.engine.status('7')?.state, 'registered');
  assert.deepEqual(h.engine.binding('7'), { callId: 'prev-call-id', cseq: 42 + TAKEOVER_CSEQ_GAP, contact: OURS });
  // Removed once: the refresh carries our Contact alone, under the same Call-ID.
  h.engine.registerNow('7');
  await h.clock.advanceAsync(0);
  const refresh = h.requests()[1];
  assert.equal(refresh.headers.get('call-id'), 'prev-call-id');
  assert.equal(refresh.headers.get('cseq'), `${43 + TAKEOVER_CSEQ_GAP} REGISTER`);
  assert.deepEqual(refresh.headers.getAll('contact'), [`<${OURS}>`]);
  await h.engine.stop(0);
});

test('takeover by the same node (restarted, same Contact): a plain refresh under the old Call-ID; no previous binding: a new Call-ID', async () => {
  const h = harness();
  await h.engine.start([
    { ...CONFIG, resume: { callId: 'same-node', cseq: 9, contact: OURS } },
    { ...CONFIG, id: '8', username: 'bob', resume: null },
  ]);
  await h.clock.advanceAsync(0);
  const [a, b] = h.requests();
  assert.equal(a.headers.get('call-id'), 'same-node');
  assert.deepEqual(a.headers.getAll('contact'), [`<${OURS}>`]);
  assert.notEqual(b.headers.get('call-id'), 'same-node');
  assert.equal(b.headers.get('cseq'), '1 REGISTER');
  await h.engine.stop(0);
});

test('an un-REGISTER before the first REGISTER of a takeover removes the previous Contact', async () => {
  const h = harness();
  h.engine.setLeaseGate(() => false);
  await h.engine.start([{ ...CONFIG, resume: { callId: 'prev', cseq: 5, contact: THEIRS } }]);
  await h.clock.advanceAsync(0);
  assert.equal(h.requests().length, 0, 'the gate held the REGISTER back');
  h.engine.setLeaseGate(() => true);
  await h.engine.unregister('7');
  const [req] = h.requests();
  assert.equal(req.headers.get('call-id'), 'prev');
  assert.deepEqual(req.headers.getAll('contact'), [`<${THEIRS}>`]);
  assert.equal(req.headers.get('expires'), '0');
  assert.equal(h.engine.status('7')?.state, 'unregistered');
  await h.engine.stop(0);
});

test('lease gate: a refused registration sends nothing and keeps its state until registerNow; drop() stops it with nothing sent', async () => {
  const h = harness();
  let allowed = true;
  h.engine.setLeaseGate((id) => id === '7' && allowed);
  await h.engine.start([CONFIG]);
  await h.clock.advanceAsync(0);
  assert.equal(h.requests().length, 1);
  assert.equal(h.engine.status('7')?.state, 'registered');
  // The lease cannot be vouched for: the refresh (due at ~3240 s) is held back, the state stays.
  allowed = false;
  await h.clock.advanceAsync(3600_000);
  assert.equal(h.requests().length, 1, 'no REGISTER while the gate refuses');
  assert.equal(h.engine.status('7')?.state, 'registered');
  // Renewed after all: resumed.
  allowed = true;
  assert.equal(h.engine.registerNow('7'), true);
  await h.clock.advanceAsync(0);
  assert.equal(h.requests().length, 2);
  // Taken by another node: dropped, nothing sent, its binding as last sent handed over.
  const binding = h.engine.drop('7');
  assert.equal(binding?.contact, OURS);
  assert.equal(binding?.cseq, 2);
  assert.equal(h.engine.status('7'), null);
  await h.engine.stop(1000);
  await h.clock.advanceAsync(0);
  assert.equal(h.requests().length, 2, 'no un-REGISTER for a dropped registration');
});

test('takeover: a Contact of our DDI the previous owner never persisted (it died first) is found in the 2xx and removed by the next REGISTER', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({ clock, transports: { udp: transport }, random: () => 0.5, startupSpreadMs: 0, bindingCheckMs: 0 });
  // A registrar keeping bindings (§10.3 step 7): expires=0 removes one, any other Contact is added or refreshed.
  const LEFTOVER = 'sip:4930111@192.0.2.77:5090;transport=udp';
  const OTHER_DEVICE = 'sip:pbx@192.0.2.50:5060';
  const table = new Set([LEFTOVER, OTHER_DEVICE]);
  transport.onSend = (m) => {
    const req = parseRequest(m.data);
    for (const c of req.headers.getAll('contact')) {
      const uri = /^<([^>]+)>/.exec(c)![1];
      if (/;expires=0$/.test(c)) table.delete(uri);
      else table.add(uri);
    }
    transport.deliver(respond(m.data, 200, 'OK', [...table].map((u) => `Contact: <${u}>;expires=3600`)), m.target);
  };
  await engine.start([{ ...CONFIG, resume: { callId: 'prev', cseq: 3, contact: THEIRS } }]);
  await clock.advanceAsync(0);
  const reqs = transport.sent.map((m) => parseRequest(m.data));
  assert.equal(reqs.length, 2);
  assert.deepEqual(reqs[0].headers.getAll('contact'), [`<${THEIRS}>;expires=0`, `<${OURS}>`]);
  assert.deepEqual(reqs[1].headers.getAll('contact'), [`<${LEFTOVER}>;expires=0`, `<${OURS}>`]);
  assert.equal(reqs[1].headers.get('call-id'), 'prev');
  assert.deepEqual([...table].sort(), [OTHER_DEVICE, OURS].sort(), 'another device of the AOR is left alone');
  assert.match(engine.trace('7').find((e) => e.direction === 'note')?.text ?? '', /leftover Contact sip:4930111@192\.0\.2\.77:5090/);
  await engine.stop(0);
});
