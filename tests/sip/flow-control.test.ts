// Flow control against a real Kamailio that is deliberately slow: one UDP worker
// holding each REGISTER SLOW_US µs (cfgutils usleep), so its queue — and the
// round-trip time — grows with what we have in flight. Many registrations started
// at once must all register without a retransmission storm: the congestion window
// (registrar/transaction/congestion-window.ts) keeps the queue short instead.
// The second test holds the window wide open (no flow control) and shows the
// storm the first test would see if flow control did not work.
//   node --import tsx --test tests/sip/flow-control.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EngineOptions } from '../../registrar/engine';
import { startKamailio, type KamailioHandle } from './harness';
import { config, defer, testEngine, waitUntil } from './engine-helpers';

const N = 600;
/** 2 ms per REGISTER with one worker: at most 500 requests/s, a full burst of 2N would queue for 2.4 s (T1 = 500 ms). */
const SLOW_US = 2000;

async function slowRegistrar(t: TestContext): Promise<KamailioHandle> {
  const k = await startKamailio({ password: 'pw', children: 1, defines: { SLOW_US } });
  defer(t, () => k.stop());
  return k;
}

async function registerCount(k: KamailioHandle): Promise<number> {
  const r = await k.rpc<string[]>('stats.get_statistics', 'rcv_requests_register');
  return Number(/= (\d+)/.exec(r[0] ?? '')?.[1] ?? 0);
}

async function burst(t: TestContext, k: KamailioHandle, options: EngineOptions): Promise<{ registers: number; retransmissions: number; ms: number; lossDecreases: number; delayDecreases: number; maxWindow: number }> {
  const engine = testEngine(t, options);
  const before = await registerCount(k);
  const configs = Array.from({ length: N }, (_, i) => config({ id: String(i), username: `user${i}`, ddi: String(4930100000 + i), password: 'pw', registerServerUri: `sip:127.0.0.1:${k.udpPort}` }));
  const started = performance.now();
  await engine.start(configs, { spreadMs: 0 });
  await waitUntil(`${N} registered`, async () => engine.counters().registrationsByState.registered, (n) => n === N, 40_000);
  const ms = performance.now() - started;
  const c = engine.counters();
  const registers = (await registerCount(k)) - before;
  await engine.stop(0);
  return { registers, retransmissions: c.transactions.retransmissions, ms, ...c.flow };
}

test(`flow control: ${N} registrations at once against a slow registrar all register, no retransmission storm`, { timeout: 60_000 }, async (t) => {
  const k = await slowRegistrar(t);
  const r = await burst(t, k, {});
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.retransmissions <= N / 100, `retransmissions ${r.retransmissions} (at most 1 % of N)`);
  assert.ok(r.registers <= 2 * N + N / 100, `the registrar saw ${r.registers} REGISTERs for 2N = ${2 * N}`);
  assert.equal(r.lossDecreases <= 1, true, `loss decreases ${r.lossDecreases}`);
});

test('without flow control (window held wide open) the same burst storms the slow registrar', { timeout: 90_000 }, async (t) => {
  const k = await slowRegistrar(t);
  const r = await burst(t, k, { flow: { initialWindow: 100_000, maxWindow: 100_000 } });
  t.diagnostic(JSON.stringify(r));
  assert.ok(r.retransmissions > N / 2, `retransmissions ${r.retransmissions}`);
  // Many retransmissions are dropped in the registrar's full socket buffer, so fewer arrive than are sent.
  assert.ok(r.registers > 2 * N + N / 10, `the registrar saw ${r.registers} REGISTERs`);
});
