// The full product path against a real Kamailio: portal database (temp SQLite file,
// rows written with plain SQL like the portal, plus the registration_changes journal)
// → Supervisor → Engine → Kamailio, and statuses/timeline/traces back in the database.
//   node --import tsx --test tests/sip/supervisor.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { EventTail } from '../../lib/live/event-tail';
import { Supervisor } from '../../registrar/supervisor';
import { startKamailio, type Binding, type KamailioHandle, type KamailioOptions } from './harness';
import { defer, testEngine, waitUntil } from './engine-helpers';
import { JumpClock } from './jump-clock';
import { PASSWORD, PortalDb, tempDatabase } from './portal-db';
import { randomBytes } from 'node:crypto';
import { createKeyring } from '../../lib/secrets/key';

const testKeyring = createKeyring(randomBytes(32));

async function stack(t: TestContext, kOpts: KamailioOptions = {}) {
  const { db, raw } = await tempDatabase(t);
  const k = await startKamailio({ password: PASSWORD, ...kOpts });
  defer(t, () => k.stop());
  const portal = await PortalDb.create(raw, `sip:127.0.0.1:${k.udpPort}`);
  const clock = new JumpClock();
  const engine = testEngine(t, { clock });
  const supervisor = new Supervisor(db, engine, { spreadMs: 0, pollMs: 100, keyring: testKeyring, lease: { nodeId: 'test/node', leaseMs: 15_000 } });
  defer(t, () => supervisor.stop(2000));
  return { db, k, portal, engine, supervisor, clock };
}

/** Waits until everything the engine reported so far is written (the periodic flush ran). */
const flushed = (supervisor: Supervisor) => waitUntil('queued status writes flushed', () => supervisor.store.pending, (n) => n === 0, 2000, 10);

function waitBindings(k: KamailioHandle, aor: string, pred: (b: Binding[]) => boolean, label: string, timeoutMs = 3000): Promise<Binding[]> {
  return waitUntil(`${aor}: ${label}`, () => k.lookupBindings(aor), pred, timeoutMs);
}

const ddiOf = (b: Binding) => /^sip:([^@]+)@/.exec(b.contact)?.[1];

test('supervisor: loads at start, a created registration is registered within a second; status, timeline, redacted traces', { timeout: 20_000 }, async (t) => {
  const { k, portal, supervisor } = await stack(t);
  const existing = await portal.create({ username: 'alice', ddi: '493011111111' });
  await supervisor.start();
  await portal.waitState(existing, 'registered');

  const created = performance.now();
  const id = await portal.create({ username: 'bob', ddi: '493022222222', expires: 1800 });
  const s = await portal.waitState(id, 'registered', 1000);
  const took = performance.now() - created;
  assert.ok(took < 1000, `registered ${took} ms after the insert`);
  assert.equal(s!.code, 200);
  assert.equal(s!.granted_expires, 1800);
  assert.ok(s!.expires_at! > Date.now() + 1790_000);

  const [b] = await waitBindings(k, 'bob@127.0.0.1', (x) => x.length === 1, 'one binding');
  assert.equal(ddiOf(b), '493022222222');
  assert.equal(ddiOf((await k.lookupBindings('alice@127.0.0.1'))[0]), '493011111111');

  assert.deepEqual((await portal.events(id)).map((e) => e.state), ['pending', 'registering', 'registered']);
  const traces = await portal.traces(id);
  assert.deepEqual(traces.map((x) => `${x.direction} ${x.text.split('\r\n')[0].replace(/ sip:\S+/, '')}`), [
    'out REGISTER SIP/2.0',
    'in SIP/2.0 401 Unauthorized',
    'out REGISTER SIP/2.0',
    'in SIP/2.0 200 OK',
  ]);
  assert.equal(traces[0].remote, `127.0.0.1:${k.udpPort}/udp`);
  assert.match(traces[2].text, /\r\nAuthorization: Digest username="bob", .*response="<redacted>"/);
  const all = (await portal.sqlite.prepare('SELECT text FROM registration_traces').all()) as Array<{ text: string }>;
  assert.ok(all.length >= 8);
  for (const { text } of all) {
    assert.ok(!text.includes(PASSWORD), 'no password in a trace');
    assert.doesNotMatch(text, /response\s*=\s*"?[0-9a-f]{32}/i, 'no digest response in a trace');
  }
});

test('supervisor: editing the DDI or the password replaces the binding at the registrar', { timeout: 20_000 }, async (t) => {
  const { k, portal, supervisor } = await stack(t, { users: { alice: 'old-pw' } });
  const id = await portal.create({ username: 'alice', ddi: '493011111111', password: 'old-pw' });
  await supervisor.start();
  await portal.waitState(id, 'registered');
  const [b1] = await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 1, 'one binding');

  // New DDI: the old Contact is removed (Expires: 0) before the new one is registered.
  await portal.update(id, { ddi: '493033333333' });
  const [b2] = await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 1 && ddiOf(x[0]) === '493033333333', 'only the new DDI');
  assert.notEqual(b2.callId, b1.callId, 'a new binding (new Call-ID)');
  const states = await waitUntil('timeline of the handover', async () => (await portal.events(id)).map((e) => e.state), (x) => x.length >= 8);
  assert.deepEqual(states, ['pending', 'registering', 'registered', 'unregistering', 'unregistered', 'pending', 'registering', 'registered']);
  assert.equal((await portal.status(id))!.state, 'registered');

  // New password (changed at the provider too): registered again with it.
  await k.setPassword('alice', 'new-pw');
  await portal.update(id, { password: 'new-pw' });
  const [b3] = await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 1 && x[0].callId !== b2.callId, 'a binding with a new Call-ID');
  assert.equal(ddiOf(b3), '493033333333');
  const timeline = await waitUntil('timeline of the second handover', async () => await portal.events(id), (x) => x.length >= 13);
  // The old binding's removal is refused (old password): the new registration replaces it.
  assert.deepEqual(timeline.slice(8).map((e) => `${e.state} ${e.code}`), ['unregistering 200', 'unregistered 401', 'pending null', 'registering null', 'registered 200']);
  assert.equal((await portal.status(id))!.state, 'registered');
});

test('supervisor: disable removes the binding, enable restores it, delete removes it', { timeout: 20_000 }, async (t) => {
  const { k, portal, engine, supervisor } = await stack(t);
  const id = await portal.create({ username: 'alice', ddi: '493011111111' });
  const other = await portal.create({ username: 'bob', ddi: '493022222222' });
  await supervisor.start();
  await portal.waitState(id, 'registered');
  await portal.waitState(other, 'registered');

  await portal.update(id, { enabled: 0 });
  const d = await portal.waitState(id, 'disabled');
  assert.equal(d!.code, 200, 'the Expires: 0 REGISTER was accepted');
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);

  await portal.update(id, { enabled: 1 });
  await portal.waitState(id, 'registered');
  await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 1, 'one binding');

  await portal.delete(id);
  await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 0, 'no binding');
  await waitUntil('engine forgot it', () => engine.status(String(id)), (s) => s === null);
  // Its last transitions (unregistering, unregistered) are written now: they did not bring the rows back.
  await flushed(supervisor);
  assert.equal(await portal.status(id), undefined, 'status row deleted with the registration');
  assert.deepEqual(await portal.events(id), [], 'timeline deleted with the registration');
  // The other registration is untouched.
  assert.equal((await portal.status(other))!.state, 'registered');
  assert.equal((await k.lookupBindings('bob@127.0.0.1')).length, 1);
});

test("supervisor: journal commands 'unregister' and 'register' act on the registrar", { timeout: 20_000 }, async (t) => {
  const { k, portal, engine, supervisor, clock } = await stack(t);
  const id = await portal.create({ username: 'alice', ddi: '493011111111' });
  await supervisor.start();
  await portal.waitState(id, 'registered');

  await portal.journal(id, 'unregister');
  const u = await portal.waitState(id, 'unregistered');
  assert.equal(u!.code, 200);
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);
  // Two hours of the engine's time (past the refresh and the expiry of the 3600 s binding), then
  // the flush: still unregistered, nothing bound.
  await clock.jump(2 * 3600_000);
  assert.equal(engine.status(String(id))!.state, 'unregistered', 'held until "register"');
  await flushed(supervisor);
  assert.equal((await portal.status(id))!.state, 'unregistered', 'held until "register"');
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);

  await portal.journal(id, 'register');
  await portal.waitState(id, 'registered');
  await waitBindings(k, 'alice@127.0.0.1', (x) => x.length === 1, 'one binding');
});

test('supervisor: a refresh that changes nothing moves the status row only (no timeline row, no stream event, no stored messages) unless watched', { timeout: 20_000 }, async (t) => {
  const { db, portal, supervisor, engine } = await stack(t);
  const id = await portal.create({ username: 'steady', ddi: '493055555555' });
  await supervisor.start();
  const first = await portal.waitState(id, 'registered');
  await flushed(supervisor);
  const tail = await EventTail.open(db, 20);
  const pushed: number[] = [];
  const unsubscribe = tail.subscribe((events) => pushed.push(...events.map((e) => e.registrationId)));
  defer(t, () => tail.close());
  const events = (await portal.events(id)).length;
  const traces = (await portal.traces(id)).length;
  assert.equal(traces, 4);

  // "Register now": a refresh in place (registered → registered, 200 OK again)
  await portal.journal(id, 'register');
  const moved = await waitUntil('the refresh in the status row', async () => await portal.status(id), (s) => (s?.last_success_at ?? 0) > first!.last_success_at!, 3000);
  await flushed(supervisor);
  await tail.poll();
  assert.equal(moved!.state, 'registered');
  assert.ok(moved!.expires_at! > first!.expires_at!, 'expiry moved');
  assert.notEqual(moved!.next_attempt_at, first!.next_attempt_at, 'next attempt moved (jittered)');
  assert.equal(moved!.at, first!.at, '`at` stays the transition time');
  assert.equal((await portal.events(id)).length, events, 'no timeline row');
  assert.deepEqual(pushed, [], 'no stream event');
  assert.equal((await portal.traces(id)).length, traces, 'the routine exchange stays in memory');
  assert.match(engine.trace(id.toString()).at(-1)!.text, /^SIP\/2\.0 200 OK/, "in the engine's ring");

  // someone opens the SIP messages: what the ring holds beyond the table (that exchange) is stored, then each message as it comes
  await portal.journal(id, 'watch');
  const stored = await waitUntil('the ring stored', async () => await portal.traces(id), (x) => x.length > traces, 2000);
  assert.match(stored.at(-1)!.text, /^SIP\/2\.0 200 OK/);
  await portal.journal(id, 'register');
  await waitUntil('the next exchange stored as it comes', async () => (await portal.traces(id)).length, (n) => n > stored.length, 3000);
  assert.equal((await portal.events(id)).length, events, 'still no timeline row');

  // a real transition is on the timeline and on the stream
  await portal.journal(id, 'unregister');
  await portal.waitState(id, 'unregistered');
  await flushed(supervisor);
  await tail.poll();
  assert.deepEqual((await portal.events(id)).slice(events).map((e) => e.state), ['unregistering', 'unregistered']);
  assert.ok(pushed.length > 0 && pushed.every((x) => x === id), 'the transition is pushed');
  unsubscribe();
});

test('supervisor: the messages of a failed exchange are stored (a REGISTER refused with 403)', { timeout: 20_000 }, async (t) => {
  const { portal, supervisor } = await stack(t);
  const id = await portal.create({ username: 'wrong', ddi: '493066666666', password: 'not-the-password' });
  await supervisor.start();
  await waitUntil('rejected or retrying', async () => await portal.status(id), (s) => s?.state === 'rejected' || s?.state === 'retrying', 5000);
  await flushed(supervisor);
  const texts = (await portal.traces(id)).map((x) => x.text.split('\r\n')[0]);
  assert.ok(texts.some((x) => /^SIP\/2\.0 40[13] /.test(x)), texts.join('\n'));
  assert.equal(texts.filter((x) => x.startsWith('REGISTER ')).length, 2);
});
