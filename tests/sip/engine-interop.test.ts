// Carrier corner cases against sipp registrars (tests/sip/scenarios/), read from the status
// without waiting them out: Retry-After beyond the backoff cap, a 200 that does not list our
// Contact, a short grant, and a 423 whose Min-Expires is below the request.
//   node --import tsx --test tests/sip/engine-interop.test.ts
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EngineOptions } from '../../registrar/engine';
import { DEFAULT_RETRY_POLICY } from '../../registrar/registration/timing';
import { startSipp, type SippOptions } from './harness';
import { config, defer, inState, record, testEngine, waitStatus } from './engine-helpers';

async function setup(t: TestContext, scenario: string, sippOpts: SippOptions = {}, engineOpts: EngineOptions = {}) {
  const s = await startSipp(scenario, { timeoutSec: 60, ...sippOpts });
  defer(t, () => s.stop());
  const engine = testEngine(t, { bindingCheckMs: 0, ...engineOpts });
  const rec = record(engine);
  await engine.start([config({ id: '1', password: null, registerServerUri: `sip:127.0.0.1:${s.port}` })]);
  const status = await waitStatus(engine, '1', inState('registered', 'retrying', 'rejected'));
  return { s, engine, rec, status };
}

test('sipp 503 with Retry-After: 400 → retrying, next attempt not before 400 s (beyond the 5-minute backoff cap)', { timeout: 20_000 }, async (t) => {
  const { status } = await setup(t, '503-retry-after-400.xml', {}, { backoffCapMs: DEFAULT_RETRY_POLICY.backoffCapMs });
  assert.deepEqual([status.state, status.code], ['retrying', 503]);
  assert.ok(status.nextAttemptAt! - status.at >= 400_000, `next attempt in ${status.nextAttemptAt! - status.at} ms`);
});

test('sipp 200 without our Contact → retrying "binding-missing", the 200 in the trace', { timeout: 20_000 }, async (t) => {
  const { status, engine } = await setup(t, '200-no-contact.xml');
  assert.deepEqual([status.state, status.code, status.reason, status.expiresAt], ['retrying', null, 'binding-missing', null]);
  assert.ok(engine.trace('1').some((m) => m.direction === 'in' && m.text.startsWith('SIP/2.0 200 OK')));
});

test('sipp grants 30 s → refreshed after 15 s at the earliest, registered', { timeout: 20_000 }, async (t) => {
  const { status } = await setup(t, '200-ok.xml', { set: { max_expires: 30 } }, { minRefreshMs: DEFAULT_RETRY_POLICY.minRefreshMs });
  assert.deepEqual([status.state, status.grantedExpires], ['registered', 30]);
  // the refresh is timed, then the state written: two clock reads, the second may be 1 ms on
  assert.ok(status.nextAttemptAt! - status.at >= 15_000 - 1, `refresh in ${status.nextAttemptAt! - status.at} ms`);
});

test('sipp 423 Min-Expires: 60 for a request of 3600 → retrying with backoff (never rejected), then registered', { timeout: 20_000 }, async (t) => {
  const { status, engine, s } = await setup(t, '423-min-60.xml');
  assert.deepEqual([status.state, status.code], ['retrying', 423]);
  const later = await waitStatus(engine, '1', inState('registered', 'rejected'), 5000);
  assert.equal(later.state, 'registered');
  const registers = s.messages().filter((m) => m.direction === 'in' && m.startLine.startsWith('REGISTER '));
  assert.deepEqual(registers.map((m) => m.header('Expires')), ['3600', '3600'], 'the request was right: nothing to change but wait');
});
