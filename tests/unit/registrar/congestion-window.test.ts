import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../../registrar/clock';
import type { DnsResolver } from '../../../registrar/dns/resolve-targets';
import { Engine, type EngineOptions } from '../../../registrar/engine';
import type { RegistrationConfig } from '../../../registrar/registration/config';
import { Scheduler } from '../../../registrar/scheduler';
import { CongestionWindow, type FlowCounters, type FlowSettings } from '../../../registrar/transaction/congestion-window';
import { MemoryTransport } from '../../../registrar/transport/memory';
import { parseRequest, respond } from './helpers';

const SETTINGS: FlowSettings = { initialWindow: 4, maxWindow: 64, delayTargetMs: 50, delayLimitMs: 100 };

function windowHarness(settings: FlowSettings = SETTINGS) {
  const clock = new FakeClock(0);
  const scheduler = new Scheduler(clock);
  const started: Array<{ item: string; seq: number; at: number }> = [];
  const flying = new Set<number>();
  const counters: FlowCounters = { queued: 0, lossDecreases: 0, delayDecreases: 0, maxWindow: 0 };
  const w = new CongestionWindow<string>(scheduler, settings, 500, (item, seq) => {
    started.push({ item, seq, at: clock.now() });
    flying.add(seq);
  }, counters);
  /** answer(n, rtt): the oldest `n` requests in flight are answered, `rtt` ms later. */
  const oldest = (): number => {
    const seq = flying.values().next().value as number;
    flying.delete(seq);
    return seq;
  };
  const answer = (n: number, rtt: number): void => {
    clock.advance(rtt);
    for (let i = 0; i < n; i++) w.answered(oldest(), rtt);
  };
  const next = () => ({ seq: oldest() });
  /** The request `seq` is lost (a retransmission), reported with its send time. */
  const lose = (seq: number): void => w.lost(seq, started.find((x) => x.seq === seq)!.at);
  return { clock, w, started, flying, counters, answer, next, lose };
}

test('window: starts at the initial window, queues the rest in order, drains FIFO as answers come', () => {
  const h = windowHarness();
  for (let i = 0; i < 10; i++) h.w.submit(`r${i}`, false);
  assert.deepEqual(h.started.map((s) => s.item), ['r0', 'r1', 'r2', 'r3']);
  assert.equal(h.w.waiting, 6);
  assert.equal(h.counters.queued, 6);
  h.answer(4, 1);
  assert.deepEqual(h.started.map((s) => s.item), ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
  assert.deepEqual(h.started.map((s) => s.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});

test('window: grows when responses come back fast (slow start, then one per RTT), capped at maxWindow', () => {
  const h = windowHarness();
  for (let i = 0; i < 1000; i++) h.w.submit(`r${i}`, false);
  // Slow start: every answer adds one, so each round trip doubles the window.
  h.answer(4, 2);
  assert.equal(h.w.window, 8);
  h.answer(8, 2);
  assert.equal(h.w.window, 16);
  for (let round = 0; round < 5; round++) h.answer(h.w.inFlight, 2);
  assert.equal(h.w.window, 64, 'capped');
  assert.equal(h.counters.maxWindow, 64);
  assert.equal(h.w.inFlight, 64);
});

test('window: slow start ends when a round trip\'s least RTT rises (HyStart++, RFC 9406): growth turns additive, no decrease', () => {
  const h = windowHarness();
  for (let i = 0; i < 1000; i++) h.w.submit(`r${i}`, false);
  h.answer(4, 2);
  h.answer(8, 2);
  assert.equal(h.w.window, 16);
  // The registrar's queue starts to grow: +8 ms over the last round's least RTT. Doubling
  // would reach 64 in these two round trips.
  h.answer(h.w.inFlight, 10);
  h.answer(h.w.inFlight, 10);
  assert.ok(h.w.window > 16 && h.w.window < 48, `window ${h.w.window}: stopped doubling`);
  const w = h.w.window;
  for (let i = 0; i < 3; i++) h.answer(h.w.inFlight, 10);
  assert.ok(h.w.window <= w + 3, `additive: ${w} → ${h.w.window} in 3 round trips`);
  assert.equal(h.counters.delayDecreases + h.counters.lossDecreases, 0);
});

test('window: a retransmission halves it once per window of requests, never below 1', () => {
  const h = windowHarness();
  for (let i = 0; i < 1000; i++) h.w.submit(`r${i}`, false);
  h.answer(4, 2);
  h.answer(8, 2);
  assert.equal(h.w.window, 16);
  const startedBefore = h.started.length;
  // Three requests of the same flight are lost: one congestion event.
  h.lose(h.next().seq);
  assert.equal(h.w.window, 8);
  h.lose(h.next().seq);
  h.lose(h.next().seq);
  assert.equal(h.w.window, 8, 'same window of requests: no second decrease');
  assert.equal(h.counters.lossDecreases, 1);
  assert.equal(h.w.inFlight, 13, 'lost requests leave the flight');
  assert.equal(h.started.length, startedBefore, 'nothing new starts while the flight exceeds the window');
  // A loss among requests sent after each decrease halves again: 8 → 4 → 2 → 1 → 1.
  for (const expected of [4, 2, 1, 1]) {
    h.answer(h.flying.size, 60); // the flight drains (slower than the target: no growth); new requests start
    const newest = h.started[h.started.length - 1].seq;
    assert.ok(h.flying.has(newest));
    h.flying.delete(newest);
    h.lose(newest);
    assert.equal(h.w.window, expected);
  }
});

test('window: a destination that answers nothing gives no congestion signal — losses leave the flight without shrinking the window', () => {
  const h = windowHarness();
  for (let i = 0; i < 40; i++) h.w.submit(`r${i}`, false);
  for (let round = 0; round < 9; round++) {
    h.clock.advance(500); // Timer E of each request in flight
    for (const seq of [...h.flying]) {
      h.flying.delete(seq);
      h.lose(seq);
    }
  }
  assert.equal(h.counters.lossDecreases, 0);
  assert.equal(h.w.window, SETTINGS.initialWindow);
  assert.equal(h.started.length, 40, 'every request was sent (to time out, Timer F, and fail over) within 10 T1');
});

test('window: never below 1 — with a window of 1, one request is always in flight', () => {
  const h = windowHarness({ ...SETTINGS, initialWindow: 1 });
  for (let i = 0; i < 5; i++) h.w.submit(`r${i}`, false);
  for (let i = 0; i < 5; i++) {
    assert.equal(h.w.inFlight, 1);
    h.lose(h.next().seq);
    assert.equal(h.w.window, 1);
  }
  assert.equal(h.started.length, 5);
});

test('window: when even the least RTT of a round stays well above the floor it shrinks, before any request reaches T1', () => {
  const h = windowHarness();
  for (let i = 0; i < 1000; i++) h.w.submit(`r${i}`, false);
  h.answer(4, 2);
  h.answer(8, 2);
  h.answer(16, 2);
  assert.equal(h.w.window, 32);
  // The registrar's queue grows: RTTs far above the 2 ms floor.
  for (let i = 0; i < 32 && h.counters.delayDecreases === 0; i++) h.answer(1, 400);
  assert.equal(h.counters.delayDecreases, 1);
  assert.ok(h.w.window < 32, `window ${h.w.window}`);
  assert.ok(h.w.window >= 1);
});

test('window: a short burst of slow answers within a round (our own stall) does not shrink it; they do not grow it either', () => {
  const h = windowHarness();
  for (let i = 0; i < 1000; i++) h.w.submit(`r${i}`, false);
  h.answer(4, 2);
  h.answer(8, 2);
  h.answer(16, 2);
  assert.equal(h.w.window, 32);
  // Rounds of fast answers, each with a few answers that waited 300 ms (a stalled event loop).
  for (let round = 0; round < 5; round++) {
    h.answer(4, 300);
    for (let i = 0; i < 10; i++) h.answer(1, 10);
  }
  assert.equal(h.counters.delayDecreases, 0);
  assert.ok(h.w.window >= 32);
});

test('window: responses slower than the target do not grow it', () => {
  const h = windowHarness();
  for (let i = 0; i < 100; i++) h.w.submit(`r${i}`, false);
  h.answer(4, 2);
  const w = h.w.window;
  h.answer(4, 60); // above floor + delayTargetMs, below the decrease limit on the smoothed RTT
  assert.equal(h.w.window, w);
});

test('window: urgent requests (continuations, un-REGISTERs) go before new ones', () => {
  const h = windowHarness({ ...SETTINGS, initialWindow: 1 });
  h.w.submit('new-0', false);
  h.w.submit('new-1', false);
  h.w.submit('new-2', false);
  h.w.submit('unregister-a', true);
  h.w.submit('unregister-b', true);
  for (let i = 0; i < 4; i++) h.w.release();
  assert.deepEqual(h.started.map((s) => s.item), ['new-0', 'unregister-a', 'unregister-b', 'new-1', 'new-2']);
});

test('window: an item that gives its slot back when started frees room for the same turn: 100,000 of them queued, no drain within a drain (no stack overflow), FIFO', () => {
  const clock = new FakeClock(0);
  const scheduler = new Scheduler(clock);
  const counters: FlowCounters = { queued: 0, lossDecreases: 0, delayDecreases: 0, maxWindow: 0 };
  const started: number[] = [];
  let depth = 0;
  let maxDepth = 0;
  // Each item started sends nothing after all (a registration superseded while it waited): it releases at once.
  const w: CongestionWindow<number> = new CongestionWindow<number>(scheduler, { ...SETTINGS, initialWindow: 1 }, 500, (item) => {
    depth++;
    maxDepth = Math.max(maxDepth, depth);
    started.push(item);
    if (item > 0) w.release();
    depth--;
  }, counters);
  w.submit(0, false); // holds the only slot
  const n = 100_000;
  for (let i = 1; i <= n; i++) w.submit(i, false);
  assert.equal(w.waiting, n);
  w.release();
  assert.equal(started.length, n + 1);
  assert.ok(started.every((item, i) => item === i), 'in submission order');
  assert.equal(maxDepth, 1, 'each item started from the one loop, none from within another');
  assert.equal(w.inFlight, 0);
  assert.equal(w.waiting, 0);
});

test('window: after an idle period longer than the RTO it restarts from the initial window (RFC 5681 §4.1)', () => {
  const h = windowHarness();
  for (let i = 0; i < 100; i++) h.w.submit(`r${i}`, false);
  while (h.w.inFlight > 0) h.answer(h.w.inFlight, 2);
  assert.ok(h.w.window > SETTINGS.initialWindow);
  h.clock.advance(10_000);
  for (let i = 0; i < 100; i++) h.w.submit(`s${i}`, false);
  assert.equal(h.w.inFlight, SETTINGS.initialWindow);
});

// --- The engine against a registrar that serves one request per SERVICE_MS, in order: its
// queue (and so the RTT) grows with the number of requests we have in flight.

const SERVICE_MS = 4;

function noRecord(): Promise<never> {
  return Promise.reject(Object.assign(new Error('no data'), { code: 'ENODATA' }));
}
const resolver: DnsResolver = { resolveNaptr: noRecord, resolveSrv: noRecord, resolve4: () => Promise.resolve(['198.51.100.7']), resolve6: noRecord };

function configs(n: number): RegistrationConfig[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    username: `u${i}`,
    domain: 'example.com',
    ddi: `${100000 + i}`,
    authUsername: null,
    password: 'pw',
    registerServerUri: null,
    realm: null,
    expires: 3600,
    transport: 'udp',
    enabled: true,
  }));
}

function slowRegistrar(options: EngineOptions = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({ clock, transports: { udp: transport }, resolver, random: () => 0.5, startupSpreadMs: 0, bindingCheckMs: 0, ...options });
  let busyUntil = clock.now();
  let serviceMs = SERVICE_MS;
  let maxQueue = 0;
  let queue = 0;
  const log: Array<{ at: number; expires: string | undefined; authorized: boolean }> = [];
  transport.onSend = (m) => {
    const req = parseRequest(m.data);
    log.push({ at: clock.now(), expires: req.headers.get('expires'), authorized: req.headers.get('authorization') !== undefined });
    busyUntil = Math.max(clock.now(), busyUntil) + serviceMs;
    queue++;
    maxQueue = Math.max(maxQueue, queue);
    const reply = req.headers.get('authorization')
      ? respond(m.data, 200, 'OK', [`Contact: ${req.headers.get('contact') ?? ''};expires=${req.headers.get('expires')}`])
      : respond(m.data, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="example.com", nonce="n1", qop="auth", algorithm=MD5']);
    clock.setTimeout(() => {
      queue--;
      transport.deliver(reply, { transport: 'udp', host: m.target.host, port: m.target.port });
    }, busyUntil - clock.now());
  };
  return { clock, engine, log, maxQueue: () => maxQueue, setServiceMs: (ms: number) => (serviceMs = ms) };
}

async function runUntil(clock: FakeClock, done: () => boolean, limitMs: number, stepMs = 10): Promise<number> {
  const start = clock.now();
  while (!done() && clock.now() - start < limitMs) await clock.advanceAsync(stepMs);
  return clock.now() - start;
}

test('engine: 400 registrations started at once against a slow registrar: no retransmission, all registered, 2N REGISTERs', async () => {
  const h = slowRegistrar();
  await h.engine.start(configs(400));
  const ms = await runUntil(h.clock, () => h.engine.counters().registrationsByState.registered === 400, 60_000);
  const c = h.engine.counters();
  assert.equal(c.registrationsByState.registered, 400, `registered after ${ms} ms`);
  assert.equal(c.transactions.retransmissions, 0);
  assert.equal(h.log.length, 800, 'exactly 2N REGISTERs reached the registrar');
  // The registrar's queue stayed below T1's worth of work (500 ms / 4 ms = 125 requests).
  assert.ok(h.maxQueue() < 125, `registrar queue peaked at ${h.maxQueue()}`);
  assert.ok(c.flow.queued > 0);
  const stopped = h.engine.stop(0);
  await h.clock.advanceAsync(0);
  await stopped;
});

test('engine: the same burst with the window held wide open (no flow control) storms the registrar — the test above can fail', async () => {
  const h = slowRegistrar({ flow: { initialWindow: 10_000, maxWindow: 10_000 } });
  await h.engine.start(configs(400));
  await runUntil(h.clock, () => h.engine.counters().registrationsByState.registered === 400, 60_000);
  const c = h.engine.counters();
  assert.ok(c.transactions.retransmissions > 100, `retransmissions ${c.transactions.retransmissions}`);
  assert.ok(h.log.length > 900);
  const stopped = h.engine.stop(0);
  await h.clock.advanceAsync(0);
  await stopped;
});

test('engine: stop() while REGISTERs wait for the window: un-REGISTERs go first and finish within the deadline; no REGISTER after them', async () => {
  const h = slowRegistrar();
  const n = 300;
  await h.engine.start(configs(n));
  // Part-way: some registered, many still waiting for the window.
  await runUntil(h.clock, () => h.engine.counters().registrationsByState.registered >= 60, 60_000);
  assert.ok(h.engine.counters().registrationsByState.registered < n);
  const stopAt = h.clock.now();
  const sentBefore = h.log.length;
  const deadlineMs = 5000;
  let stopped = false;
  const stopping = h.engine.stop(deadlineMs).then(() => (stopped = true));
  await runUntil(h.clock, () => stopped, deadlineMs + 1000);
  await stopping;
  const elapsed = h.clock.now() - stopAt;
  const after = h.log.slice(sentBefore);
  assert.ok(after.length > 0);
  assert.deepEqual(after.filter((r) => r.expires !== '0'), [], 'after stop() only un-REGISTERs are sent: no queued REGISTER re-binds');
  assert.deepEqual(h.engine.statuses().filter((s) => s.state !== 'unregistered').map((s) => s.state), [], 'every binding removed');
  assert.ok(elapsed < deadlineMs, `stop() done in ${elapsed} ms (deadline ${deadlineMs})`);
});

test('engine: a refresh burst (400 bindings made together refresh together) is flow-controlled too: restarts from the initial window, no retransmission', async () => {
  const h = slowRegistrar();
  h.setServiceMs(0); // an instant registrar at first: all 400 bound at the same moment...
  await h.engine.start(configs(400));
  await runUntil(h.clock, () => h.engine.counters().registrationsByState.registered === 400, 60_000);
  h.setServiceMs(SERVICE_MS); // ...then slow when they all refresh
  assert.ok(h.engine.statuses().every((s) => s.nextAttemptAt === h.engine.statuses()[0].nextAttemptAt), 'one refresh moment');
  const sent = h.log.length;
  const queuedBefore = h.engine.counters().flow.queued;
  // Every refresh is due at the same moment (same grant, random() = 0.5): one burst of 400.
  await runUntil(h.clock, () => h.log.length >= sent + 400, 4_000_000, 60_000);
  await runUntil(h.clock, () => h.engine.statuses().every((s) => s.lastSuccessAt !== null && s.lastSuccessAt > h.clock.now() - 120_000), 60_000);
  const c = h.engine.counters();
  assert.equal(h.log.length, sent + 400, 'one preemptively authorized REGISTER per refresh');
  assert.equal(c.transactions.retransmissions, 0);
  assert.ok(c.flow.queued - queuedBefore > 300, `refreshes waited for the window (${c.flow.queued - queuedBefore})`);
  assert.equal(c.registrationsByState.registered, 400);
  const stopped = h.engine.stop(0);
  await h.clock.advanceAsync(0);
  await stopped;
});

test('engine: one window per destination — a carrier that never answers does not hold back registrations to another', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const addresses: Record<string, string[]> = { 'dead.example': ['198.51.100.7'], 'live.example': ['198.51.100.8'] };
  const twoCarriers: DnsResolver = { ...resolver, resolve4: (name) => Promise.resolve(addresses[name] ?? []) };
  const engine = new Engine({ clock, transports: { udp: transport }, resolver: twoCarriers, random: () => 0.5, startupSpreadMs: 0, bindingCheckMs: 0 });
  transport.onSend = (m) => {
    if (m.target.host !== '198.51.100.8') return; // the dead carrier: silence
    const req = parseRequest(m.data);
    const reply = req.headers.get('authorization')
      ? respond(m.data, 200, 'OK', [`Contact: ${req.headers.get('contact') ?? ''};expires=3600`])
      : respond(m.data, 401, 'Unauthorized', ['WWW-Authenticate: Digest realm="x", nonce="n1", qop="auth", algorithm=MD5']);
    clock.setTimeout(() => transport.deliver(reply, { transport: 'udp', host: m.target.host, port: m.target.port }), 5);
  };
  const dead = configs(200).map((c) => ({ ...c, id: `dead-${c.id}`, domain: 'dead.example' }));
  const live = configs(200).map((c) => ({ ...c, id: `live-${c.id}`, domain: 'live.example' }));
  await engine.start([...dead, ...live]); // the dead carrier's registrations are first in line
  await runUntil(clock, () => engine.statuses().filter((s) => s.registrationId.startsWith('live-') && s.state === 'registered').length === 200, 5_000);
  const byState = (prefix: string) => engine.statuses().filter((s) => s.registrationId.startsWith(prefix)).map((s) => s.state);
  assert.deepEqual([...new Set(byState('live-'))], ['registered']);
  assert.ok(clock.now() - 1_700_000_000_000 < 2_000, 'within 2 s, long before the dead carrier times out (Timer F 32 s)');
  assert.ok(byState('dead-').every((s) => s === 'registering'));
  const stopped = engine.stop(0);
  await clock.advanceAsync(0);
  await stopped;
});

test('window: takeNow() gives a sequence number while there is room and nothing queued, and counts it in the flight', () => {
  const h = windowHarness();
  assert.deepEqual([h.w.takeNow(false), h.w.takeNow(false)], [1, 2]);
  assert.equal(h.w.inFlight, 2);
  h.w.submit('r0', false);
  h.w.submit('r1', false);
  assert.equal(h.w.inFlight, 4);
  // Full: null, and nothing counted (the caller submits and waits).
  assert.equal(h.w.takeNow(true), null);
  assert.equal(h.w.takeNow(false), null);
  assert.equal(h.w.inFlight, 4);
  h.w.submit('q0', false);
  assert.equal(h.w.waiting, 1);
  // An answer: the queued request goes first (and slow start grew the window by one), then there is room.
  h.w.answered(1, 1);
  assert.deepEqual(h.started.map((s) => s.item), ['r0', 'r1', 'q0']);
  assert.equal(h.w.takeNow(false), 6);
  assert.equal(h.w.inFlight, 5);
});
