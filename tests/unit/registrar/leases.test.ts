// Leases of engine nodes on one database (registrar/store/leases.ts, registrar/cluster/): claims,
// renewals, hand-backs and fencing tokens, then the keeper's balance across nodes joining and
// leaving, the send gate on the fake clock, and fenced status/trace writes. Runs on SQLite and
// PostgreSQL (node scripts/test.mjs --db both --only unit leases).
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import { balanceStep, shareOf } from '../../../registrar/cluster/balance';
import { LeaseKeeper, type ClaimedLease, type LeaseHolder } from '../../../registrar/cluster/lease-keeper';
import type { BindingState } from '../../../registrar/registration/config';
import { KEEP_CSEQ_STEP, TAKEOVER_CSEQ_GAP } from '../../../registrar/registration/cseq-gap';
import type { RegistrationStatus } from '../../../registrar/registration/status';
import { LeaseStore } from '../../../registrar/store/leases';
import { toLogger } from '../../../registrar/util/log';
import { rawOf, statusStoreFor, tempDb, type RawDb } from '../../db';

const LEASE_MS = 15_000;

async function setup(t: TestContext, n: number) {
  const { db } = await tempDb(t, 'leases');
  const raw = rawOf(db);
  const provider = (await raw.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier')`).run()).lastInsertRowid;
  await raw.transaction(async () => {
    const insert = raw.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, '192.0.2.1', ?)`);
    for (let i = 1; i <= n; i++) await insert.run(provider, `u${i}`, String(4930_000 + i));
  });
  return { db, raw };
}

/** The leases run out now (as if the lease's time had passed on the database's clock). */
async function expireLeases(raw: RawDb, nodeId: string): Promise<void> {
  await raw.prepare('UPDATE registration_leases SET expires_at = 1 WHERE node_id = ? AND expires_at > 0').run(nodeId);
}

const ids = (leases: readonly ClaimedLease[]) => leases.map((l) => l.registrationId).sort((a, b) => a - b);

test('balance: ceil(N / live) per node; a node above it hands back exactly the excess', () => {
  assert.equal(shareOf(300, 3), 100);
  assert.equal(shareOf(300, 2), 150);
  assert.equal(shareOf(10, 3), 4);
  assert.equal(shareOf(5, 0), 5);
  assert.deepEqual(balanceStep(150, 300, 3), { target: 100, claim: 0, release: 50 });
  assert.deepEqual(balanceStep(0, 300, 3), { target: 100, claim: 100, release: 0 });
  assert.deepEqual(balanceStep(100, 300, 3), { target: 100, claim: 0, release: 0 });
});

test('claim: disjoint leases with token 1, concurrent claimers never share a row; renew returns what a node holds', async (t) => {
  const { db } = await setup(t, 40);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  const b = new LeaseStore(db, 'host/b', LEASE_MS);
  const first = await a.claim(10);
  assert.deepEqual(ids(first), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(first.every((l) => l.token === 1 && l.binding === null));
  // Two claimers at once (PostgreSQL: two connections, FOR UPDATE SKIP LOCKED; SQLite: one writer at a time).
  const [x, y] = await Promise.all([a.claim(20), b.claim(20)]);
  const all = [...ids(first), ...ids(x), ...ids(y)];
  assert.equal(new Set(all).size, all.length, 'no registration claimed twice');
  assert.equal(all.length, 40);
  assert.deepEqual(await a.claim(5), [], 'nothing left to claim');
  const held = await a.renew();
  assert.deepEqual([...held.keys()].sort((p, q) => p - q), [...ids(first), ...ids(x)]);
  assert.ok([...held.values()].every((token) => token === 1));
  assert.equal(await a.claimOne(1), null, 'held by a: claimOne refuses');
});

test('renew: over several ranges of ids (2,500 registrations, two nodes) each node renews exactly what it holds, the rows of the other untouched', async (t) => {
  const { db, raw } = await setup(t, 2500);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  const b = new LeaseStore(db, 'host/b', LEASE_MS);
  const mine = ids(await a.claim(1700));
  const theirs = ids(await b.claim(800));
  await raw.prepare('UPDATE registration_leases SET expires_at = expires_at - 5000').run();
  const before = await raw.prepare(`SELECT sum(expires_at) AS s FROM registration_leases WHERE node_id = 'host/b'`).get<{ s: number }>();
  const held = await a.renew();
  assert.deepEqual([...held.keys()].sort((p, q) => p - q), mine);
  const after = await raw.prepare(`SELECT sum(expires_at) AS s FROM registration_leases WHERE node_id = 'host/b'`).get<{ s: number }>();
  assert.equal(Number(after!.s), Number(before!.s), "b's leases are not renewed by a");
  const stale = await raw.prepare(`SELECT count(*) AS n FROM registration_leases WHERE node_id = 'host/a' AND expires_at < ?`).get<{ n: number }>(Date.now() + LEASE_MS - 4000);
  assert.equal(Number(stale!.n), 0, 'every lease of a renewed');
  assert.deepEqual([...(await b.renew()).keys()].sort((p, q) => p - q), theirs);
});

test('hand-back and expiry: the next owner gets a higher token and the binding as last sent; the old owner renews nothing of it', async (t) => {
  const { db, raw } = await setup(t, 4);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  const b = new LeaseStore(db, 'host/b', LEASE_MS);
  await a.claim(4);
  const binding: BindingState = { callId: 'c1', cseq: 17, contact: 'sip:4930001@127.0.0.1:5070;transport=udp' };
  assert.equal(await a.release([{ registrationId: 1, token: 1, binding }]), 1);
  assert.equal(await a.release([{ registrationId: 2, token: 99, binding }]), 0, 'a stale token hands back nothing');
  const [taken] = await b.claim(1);
  assert.deepEqual(taken, { registrationId: 1, token: 2, binding });
  // Registrations 2–4: a's lease runs out (a paused or dead node); b claims them, tokens move on.
  await expireLeases(raw, 'host/a');
  const more = await b.claim(10);
  assert.deepEqual(ids(more), [2, 3, 4]);
  assert.ok(more.every((l) => l.token === 2));
  assert.equal((await a.renew()).size, 0, 'a holds nothing any more');
  // A restarted node (same id) takes its own rows back at once, its own first.
  const b2 = new LeaseStore(db, 'host/b', LEASE_MS);
  const own = await b2.claim(2, { own: true });
  assert.deepEqual(ids(own), [1, 2]);
  assert.ok(own.every((l) => l.token === 3));
  assert.deepEqual(await a.missing([1, 2, 99]), [99]);
});

test('live nodes: running with a heartbeat newer than one lease, this node counted once', async (t) => {
  const { db, raw } = await setup(t, 1);
  const now = 1_800_000_000_000;
  const insert = raw.prepare(`INSERT INTO engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms) VALUES (?, ?, '127.0.0.1:5060', 1, 0, ?, 1000)`);
  await insert.run('host/a', 'running', now - 1000);
  await insert.run('host/b', 'running', now - 2000);
  await insert.run('host/c', 'running', now - LEASE_MS - 1);
  await insert.run('host/d', 'stopped', now);
  assert.equal(await new LeaseStore(db, 'host/a', LEASE_MS).liveNodes(now), 2);
  assert.equal(await new LeaseStore(db, 'host/e', LEASE_MS).liveNodes(now), 3);
});

/** A node's registrations as the keeper drives them: what it adopted, dropped, removed and resumed. */
class Recorder implements LeaseHolder {
  readonly running = new Map<number, BindingState | null>();
  readonly dropped: number[] = [];
  readonly removed: number[] = [];
  readonly resumed: number[] = [];
  async adopt(leases: readonly ClaimedLease[]) {
    for (const l of leases) this.running.set(l.registrationId, l.binding);
  }
  drop(ids: readonly number[]) {
    const out = new Map<number, BindingState | null>();
    for (const id of ids) {
      this.dropped.push(id);
      out.set(id, { callId: `call-${id}`, cseq: 100 + id, contact: `sip:${id}@127.0.0.1:5070` });
      this.running.delete(id);
    }
    return out;
  }
  async remove(ids: readonly number[]) {
    for (const id of ids) {
      this.removed.push(id);
      this.running.delete(id);
    }
  }
  resume(ids: readonly number[]) {
    this.resumed.push(...ids);
  }
}

test('keeper: balance after joins and a leave stays within ±10 % of N/nodes, moving no more than needed', async (t) => {
  const N = 90;
  const { db, raw } = await setup(t, N);
  const clock = new FakeClock(0);
  const wall = 1_800_000_000_000;
  const beat = raw.prepare(
    `INSERT INTO engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms) VALUES (?, 'running', 'b', 1, 0, ?, 1000)
     ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
  );
  const node = async (id: string) => {
    const holder = new Recorder();
    const keeper = new LeaseKeeper(new LeaseStore(db, id, LEASE_MS), holder, { clock: () => clock.now(), now: () => wall, log: toLogger(() => {}) });
    await holder.adopt(await keeper.claimInitial());
    await beat.run(id, wall);
    return { id, holder, keeper };
  };
  const a = await node('host/a');
  assert.equal(a.keeper.size, N, 'alone, a node holds everything');
  const b = await node('host/b');
  assert.equal(b.keeper.size, 0, 'nothing free when b starts');
  await a.keeper.tick(); // a sees two nodes: hands back 45
  await b.keeper.tick(); // b claims them
  assert.deepEqual([a.keeper.size, b.keeper.size], [45, 45]);
  assert.equal(a.holder.dropped.length, 45, 'moved exactly the excess');
  const c = await node('host/c');
  await a.keeper.tick();
  await b.keeper.tick();
  await c.keeper.tick();
  assert.deepEqual([a.keeper.size, b.keeper.size, c.keeper.size], [30, 30, 30]);
  assert.equal(a.holder.dropped.length + b.holder.dropped.length, 45 + 30, '15 more from each of a and b');
  // Handed-back registrations carry their bindings to the next owner.
  const moved = [...c.holder.running.entries()][0];
  assert.deepEqual(moved[1], { callId: `call-${moved[0]}`, cseq: 100 + moved[0], contact: `sip:${moved[0]}@127.0.0.1:5070` });
  // c dies: its heartbeat stops (no longer live) and its leases run out.
  await raw.prepare(`UPDATE engine_nodes SET heartbeat_at = ? WHERE node_id = 'host/c'`).run(wall - LEASE_MS - 1);
  await expireLeases(raw, 'host/c');
  await a.keeper.tick();
  await b.keeper.tick();
  assert.deepEqual([a.keeper.size, b.keeper.size], [45, 45]);
  for (const n of [a, b]) assert.ok(Math.abs(n.keeper.size - N / 2) <= 0.1 * (N / 2));
  // c, paused rather than dead, wakes up: its renewal finds every lease taken; dropped, nothing removed.
  await c.keeper.tick();
  assert.equal(c.keeper.size, 0);
  assert.equal(c.holder.dropped.length, 30);
  assert.deepEqual(c.holder.removed, []);
  const owners = await raw.prepare(`SELECT node_id, count(*) AS n FROM registration_leases WHERE expires_at > 0 GROUP BY node_id ORDER BY node_id`).all<{ node_id: string; n: number }>();
  assert.deepEqual(owners.map((o) => [o.node_id, Number(o.n)]), [['host/a', 45], ['host/b', 45]]);
});

test('keeper gate (fake clock): no REGISTER past the renewal time + lease − margin; resumed after a renewal; lost leases dropped', async (t) => {
  const { db, raw } = await setup(t, 3);
  const clock = new FakeClock(0);
  const holder = new Recorder();
  const keeper = new LeaseKeeper(new LeaseStore(db, 'host/a', LEASE_MS), holder, { clock: () => clock.now(), now: () => 0, log: toLogger(() => {}), safetyMs: 1000 });
  await holder.adopt(await keeper.claimInitial());
  assert.equal(keeper.mayRegister('1'), true);
  assert.equal(keeper.mayRegister('4'), false, 'not held');
  clock.advance(LEASE_MS - 1001);
  assert.equal(keeper.mayRegister('1'), true);
  clock.advance(1);
  assert.equal(keeper.mayRegister('1'), false, 'within the margin of the lease end: refused');
  await keeper.tick();
  assert.deepEqual(holder.resumed, [1], 'renewed: the refused one is resumed');
  assert.equal(keeper.mayRegister('1'), true);
  // Another node takes registration 2 (its lease ran out while this one was stalled).
  await raw.prepare(`UPDATE registration_leases SET node_id = 'host/b', token = token + 1 WHERE registration_id = 2`).run();
  assert.equal(keeper.token(2), 1);
  await keeper.tick();
  assert.deepEqual(holder.dropped, [2]);
  assert.equal(keeper.token(2), null);
  assert.equal(keeper.mayRegister('2'), false);
  // Registration 3 deleted: its lease row went with it: removed (un-REGISTER), not dropped.
  await raw.prepare('DELETE FROM registrations WHERE id = 3').run();
  await keeper.tick();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(holder.removed, [3]);
  assert.equal(keeper.size, 1);
});

const STATUS = (id: number, state: RegistrationStatus['state'], at: number): RegistrationStatus => ({
  registrationId: String(id), state, code: 200, reason: 'OK', at, attempts: 0, requestedExpires: 3600, grantedExpires: 3600,
  expiresAt: at + 3600_000, nextAttemptAt: null, target: '192.0.2.1:5060/udp', lastSuccessAt: at,
});

test('fencing: status, timeline and trace writes under a token no longer current are refused; the binding goes to the lease row', async (t) => {
  const { db, raw } = await setup(t, 2);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  const b = new LeaseStore(db, 'host/b', LEASE_MS);
  await a.claim(2);
  const storeOf = (tokens: Map<number, number>, binding: BindingState) => {
    const store = statusStoreFor(db);
    store.fencing = { token: (id) => tokens.get(Number(id)) ?? null, binding: () => binding };
    return store;
  };
  const aTokens = new Map([[1, 1], [2, 1]]);
  const aStore = storeOf(aTokens, { callId: 'a-call', cseq: 5, contact: 'sip:a@127.0.0.1:5070' });
  aStore.pushStatus(STATUS(1, 'registered', 1000));
  await aStore.flush();
  assert.equal((await raw.prepare('SELECT state FROM registration_status WHERE registration_id = 1').get<{ state: string }>())?.state, 'registered');
  const lease = await raw.prepare('SELECT call_id, cseq, contact FROM registration_leases WHERE registration_id = 1').get<{ call_id: string; cseq: number; contact: string }>();
  assert.deepEqual({ ...lease, cseq: Number(lease!.cseq) }, { call_id: 'a-call', cseq: 5, contact: 'sip:a@127.0.0.1:5070' });

  // a stalls; b takes registration 1 over (token 2) and writes its state.
  await expireLeases(raw, 'host/a');
  const [taken] = await b.claim(1);
  assert.equal(taken.token, 2);
  const bStore = storeOf(new Map([[1, 2]]), { callId: 'a-call', cseq: 1006, contact: 'sip:b@127.0.0.1:5080' });
  bStore.pushStatus(STATUS(1, 'retrying', 2000));
  await bStore.flush();
  // a wakes up with its old token: every write of it is refused, nothing changes.
  const events = async () => Number((await raw.prepare('SELECT count(*) AS n FROM registration_events WHERE registration_id = 1').get<{ n: number }>())!.n);
  const before = await events();
  aStore.pushTrace({ registrationId: '1', direction: 'out', at: 3000, remote: 'r', text: 'REGISTER stale' });
  aStore.pushStatus(STATUS(1, 'rejected', 3000));
  await aStore.flush();
  const row = await raw.prepare('SELECT state, at FROM registration_status WHERE registration_id = 1').get<{ state: string; at: number }>();
  assert.deepEqual({ state: row!.state, at: Number(row!.at) }, { state: 'retrying', at: 2000 });
  assert.equal(await events(), before, 'no timeline row from the stale owner');
  assert.equal(Number((await raw.prepare(`SELECT count(*) AS n FROM registration_traces WHERE text = 'REGISTER stale'`).get<{ n: number }>())!.n), 0);
  const after = await raw.prepare('SELECT call_id, cseq, contact, token FROM registration_leases WHERE registration_id = 1').get<{ call_id: string; cseq: number; contact: string; token: number }>();
  assert.deepEqual([after!.contact, Number(after!.cseq), Number(after!.token)], ['sip:b@127.0.0.1:5080', 1006, 2]);
  assert.ok(aStore.counters.fenced >= 2, `fenced ${aStore.counters.fenced}`);
  // A registration this node does not hold (token null) has nothing written at all.
  aTokens.delete(2);
  aStore.pushStatus(STATUS(2, 'registered', 4000));
  await aStore.flush();
  assert.equal(await raw.prepare('SELECT state FROM registration_status WHERE registration_id = 2').get(), undefined);
  await aStore.close();
  await bStore.close();
});

test('fencing: the binding is written to the lease row when it changes or its CSeq runs KEEP_CSEQ_STEP ahead, not with every status; a stale token is still refused', async (t) => {
  const { db, raw } = await setup(t, 1);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  const b = new LeaseStore(db, 'host/b', LEASE_MS);
  await a.claim(1);
  const binding: BindingState = { callId: 'a-call', cseq: 1, contact: 'sip:a@127.0.0.1:5070' };
  const tokens = new Map([[1, 1]]);
  const store = statusStoreFor(db);
  store.fencing = { token: (id) => tokens.get(Number(id)) ?? null, binding: () => ({ ...binding }) };
  const lease = async () => {
    const r = await raw.prepare('SELECT call_id, cseq, contact FROM registration_leases WHERE registration_id = 1').get<{ call_id: string; cseq: number; contact: string }>();
    return [r!.call_id, Number(r!.cseq), r!.contact];
  };
  // A refresh keeps the status row's `at` (the transition's) and moves its expiry.
  const statusAt = async () => Number((await raw.prepare('SELECT expires_at FROM registration_status WHERE registration_id = 1').get<{ expires_at: number }>())!.expires_at) - 3600_000;
  let at = 1000;
  const push = async () => {
    store.pushStatus(STATUS(1, 'registered', (at += 1000)));
    await store.flush();
  };
  await push();
  assert.deepEqual(await lease(), ['a-call', 1, 'sip:a@127.0.0.1:5070']);
  // Refreshes: the CSeq moves on, the status row follows, the lease row keeps the CSeq written last…
  for (binding.cseq = 2; binding.cseq < 1 + KEEP_CSEQ_STEP; binding.cseq += 100) await push();
  assert.equal(await statusAt(), at);
  assert.deepEqual(await lease(), ['a-call', 1, 'sip:a@127.0.0.1:5070']);
  // … until it is KEEP_CSEQ_STEP ahead; a takeover then starts above every CSeq sent.
  binding.cseq = 1 + KEEP_CSEQ_STEP;
  await push();
  assert.deepEqual(await lease(), ['a-call', 1 + KEEP_CSEQ_STEP, 'sip:a@127.0.0.1:5070']);
  assert.ok(KEEP_CSEQ_STEP < TAKEOVER_CSEQ_GAP);
  // A new Contact (or Call-ID) is written at once.
  binding.cseq += 1;
  binding.contact = 'sip:a@127.0.0.1:5072';
  await push();
  assert.deepEqual(await lease(), ['a-call', 2 + KEEP_CSEQ_STEP, 'sip:a@127.0.0.1:5072']);
  // Another node takes it over: the unchanged binding under the old token is refused like any write.
  await expireLeases(raw, 'host/a');
  assert.equal((await b.claim(1))[0]!.token, 2);
  const before = await statusAt();
  binding.cseq += 1;
  await push();
  assert.equal(await statusAt(), before, 'no status from the node that lost the lease');
  assert.deepEqual(await lease(), ['a-call', 2 + KEEP_CSEQ_STEP, 'sip:a@127.0.0.1:5072']);
  await store.close();
});

test('fencing: statuses of one registration written together leave every transition in the timeline and one status row write, ending as the last says', async (t) => {
  const { db, raw } = await setup(t, 1);
  const a = new LeaseStore(db, 'host/a', LEASE_MS);
  await a.claim(1);
  const store = statusStoreFor(db);
  store.fencing = { token: () => 1, binding: () => ({ callId: 'a-call', cseq: 2, contact: 'sip:a@127.0.0.1:5070' }) };
  store.pushStatus({ ...STATUS(1, 'pending', 1000), code: null, reason: null, expiresAt: null, grantedExpires: null, lastSuccessAt: null });
  store.pushStatus({ ...STATUS(1, 'registering', 1001), code: null, reason: null, expiresAt: null, grantedExpires: null, lastSuccessAt: null });
  store.pushStatus(STATUS(1, 'registered', 1005));
  await store.flush();
  const events = await raw.prepare('SELECT state FROM registration_events WHERE registration_id = 1 ORDER BY id').all<{ state: string }>();
  assert.deepEqual(events.map((e) => e.state), ['pending', 'registering', 'registered']);
  const row = await raw.prepare('SELECT state, code, at, expires_at FROM registration_status WHERE registration_id = 1').get<{ state: string; code: number; at: number; expires_at: number }>();
  assert.deepEqual([row!.state, Number(row!.code), Number(row!.at), Number(row!.expires_at)], ['registered', 200, 1005, 1005 + 3600_000]);
  assert.equal(store.counters.statusRows, 1, 'the status row written once');
  assert.equal(store.counters.eventRows, 3);
  await store.close();
});
