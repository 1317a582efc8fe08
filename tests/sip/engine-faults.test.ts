// The REGISTER client engine against sipp UAS fault scenarios (tests/sip/scenarios/)
// on 127.0.0.1: 423, 503 + Retry-After, 407, silence (Timer F) and garbage.
//   node --import tsx --test tests/sip/engine-faults.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EngineOptions } from '../../registrar/engine';
import { startSipp, type SippHandle, type SippMessage, type SippOptions } from './harness';
import { config, defer, header, inState, isRegister, record, testEngine, waitStatus } from './engine-helpers';

async function sipp(t: TestContext, scenario: string, opts: SippOptions = {}): Promise<SippHandle> {
  const s = await startSipp(scenario, { timeoutSec: 60, ...opts });
  defer(t, () => s.stop());
  return s;
}

/** A sipp message log time ("2026-11-30 15:04:05.123456 1796051045.123456"): epoch ms, from the Unix time when present. */
function sippTimeMs(time: string): number {
  const unix = /(\d{9,}\.\d+)\s*$/.exec(time);
  if (unix) return Number(unix[1]) * 1000;
  const ms = Date.parse(time.replace(' ', 'T'));
  assert.ok(Number.isFinite(ms), `sipp time ${JSON.stringify(time)}`);
  return ms;
}

const registersIn = (msgs: SippMessage[]) => msgs.filter((m) => m.direction === 'in' && m.startLine.startsWith('REGISTER '));

async function setup(t: TestContext, scenario: string, sippOpts: SippOptions = {}, engineOpts: EngineOptions = {}, password: string | null = null) {
  const s = await sipp(t, scenario, sippOpts);
  const engine = testEngine(t, engineOpts);
  const rec = record(engine);
  await engine.start([config({ id: '1', password, registerServerUri: `sip:127.0.0.1:${s.port}` })]);
  return { s, engine, rec };
}

test('sipp 423 + Min-Expires: retried at once with Expires: 1800, registered for 1800 s', { timeout: 20_000 }, async (t) => {
  const s = await sipp(t, '423-min-expires.xml');
  const engine = testEngine(t);
  const rec = record(engine);
  const uri = `sip:127.0.0.1:${s.port}`;
  await engine.start([
    config({ id: '1', password: null, expires: 300, registerServerUri: uri }),
    config({ id: '2', password: null, username: 'bob', ddi: '493022222222', expires: 3600, registerServerUri: uri }),
  ]);
  const st = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(st.state, 'registered');
  assert.equal(st.grantedExpires, 1800);
  assert.equal(st.requestedExpires, 1800);
  assert.equal(st.attempts, 0);
  const callId = header(rec.traces.find((x) => x.registrationId === '1')!.text, 'Call-ID');
  const regs = registersIn(s.messages()).filter((m) => m.header('Call-ID') === callId);
  assert.equal(regs.length, 2);
  assert.equal(regs[0].header('Expires'), '300');
  assert.equal(regs[1].header('Expires'), '1800');
  // "At once": no backoff between the 423 and the retry (RFC 3261 §10.2.8).
  const outAt = rec.traces.filter((x) => x.registrationId === '1' && x.direction === 'out').map((x) => x.at);
  assert.ok(outAt[1] - outAt[0] < 500, `retry after ${outAt[1] - outAt[0]} ms`);
  assert.deepEqual(rec.statuses.filter((x) => x.registrationId === '1').map((x) => x.state), ['pending', 'registering', 'registered']);

  // A 423 whose Min-Expires is not above what was asked cannot be met by asking again at once:
  // a transient server fault, retried with backoff (no loop), never 'rejected'; here the retry works.
  const bad = await waitStatus(engine, '2', inState('registered', 'rejected', 'retrying'));
  assert.equal(bad.state, 'retrying');
  assert.equal(bad.code, 423);
  assert.equal(rec.traces.filter((x) => x.registrationId === '2' && x.direction === 'out').length, 1);
  const later = await waitStatus(engine, '2', inState('registered', 'rejected'));
  assert.equal(later.state, 'registered');
});

test('sipp 503 + Retry-After: 7 → retrying, next attempt honours Retry-After, then registered', { timeout: 20_000 }, async (t) => {
  const { s, engine, rec } = await setup(t, '503-retry-after.xml', {}, { backoffFloorMs: 200, backoffCapMs: 60_000 });
  const r = await waitStatus(engine, '1', inState('retrying', 'registered', 'rejected'));
  assert.equal(r.state, 'retrying');
  assert.equal(r.code, 503);
  assert.equal(r.attempts, 1);
  const wait = r.nextAttemptAt! - r.at;
  assert.ok(wait >= 7000 && wait < 7100, `next attempt in ${wait} ms (Retry-After 7 s, RFC 3261 §20.33)`);
  const ok = await waitStatus(engine, '1', inState('registered', 'rejected'), 9000);
  assert.equal(ok.state, 'registered');
  assert.equal(ok.attempts, 0);
  const outAt = rec.traces.filter((x) => x.direction === 'out').map((x) => x.at);
  assert.equal(outAt.length, 2);
  assert.ok(outAt[1] - outAt[0] >= 7000, `second REGISTER after ${outAt[1] - outAt[0]} ms`);
  assert.equal(registersIn(s.messages()).length, 2);
});

test('sipp 407 proxy challenge → answered with Proxy-Authorization → registered', { timeout: 20_000 }, async (t) => {
  const { s, engine } = await setup(t, '407-proxy-auth.xml', {}, {}, 'pw');
  const st = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(st.state, 'registered');
  const regs = registersIn(s.messages());
  assert.equal(regs.length, 2);
  const pa = regs[1].header('Proxy-Authorization')!;
  assert.match(pa, /^Digest username="alice", realm="sipp\.test", nonce="[^"]+", uri="sip:127\.0\.0\.1:\d+", response="[0-9a-f]{32}"/);
  assert.match(pa, /, qop=auth, nc=00000001, cnonce="[^"]+"/);
  assert.match(pa, /, opaque="sipp-opaque"/, 'opaque echoed (RFC 3261 §22.4)');
  assert.equal(regs[1].header('Authorization'), undefined);
});

test('sipp 407 without a password → rejected 407, no loop', { timeout: 20_000 }, async (t) => {
  const { s, engine } = await setup(t, '407-proxy-auth.xml');
  const st = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(st.state, 'rejected');
  assert.equal(st.code, 407);
  assert.equal(st.reason, 'no-credentials');
  assert.equal(registersIn(s.messages()).length, 1);
});

test('sipp silence: UDP retransmissions (Timer E), then timeout after Timer F = 64·T1 → retrying', { timeout: 20_000 }, async (t) => {
  // T1 = 50 ms → Timer F = 3.2 s; E fires at 50, 150, 350, 750, 1550, 3150 ms (RFC 3261 §17.1.2.2).
  const { s, engine, rec } = await setup(t, 'silence.xml', {}, { timers: { t1: 50 }, backoffFloorMs: 60_000, backoffCapMs: 60_000 });
  const started = performance.now();
  const st = await waitStatus(engine, '1', inState('retrying', 'registered', 'rejected'), 8000);
  const elapsed = performance.now() - started;
  assert.equal(st.state, 'retrying');
  assert.equal(st.reason, 'timeout');
  assert.equal(st.code, null);
  assert.ok(elapsed >= 3100 && elapsed < 4500, `timed out after ${elapsed} ms`);
  const c = engine.counters();
  assert.equal(c.transactions.started, 1);
  assert.equal(c.transactions.timeouts, 1);
  // 6 on time; a busy event loop may push the last Timer E past Timer F.
  const retrans = c.transactions.retransmissions;
  assert.ok(retrans === 6 || retrans === 5, `${retrans} retransmissions`);
  assert.equal(c.liveTransactions, 0);
  const regs = registersIn(s.messages());
  assert.equal(regs.length, retrans + 1, 'the original and every retransmission reached the server');
  assert.equal(new Set(regs.map((m) => header(m.text, 'Via'))).size, 1, 'retransmissions are byte-identical (same branch)');
  // Only the first transmission is traced, not each retransmission: they are on its entry, as
  // send times after the first, never earlier than Timer E allows (50, +100, +200, +400, +800, +1600 ms).
  assert.equal(rec.traces.length, 1);
  const [entry] = engine.trace('1').filter((e) => e.direction === 'out');
  assert.equal(entry.retransmits?.length, retrans, JSON.stringify(entry.retransmits));
  assert.deepEqual(rec.retransmits, [{ registrationId: '1', at: entry.at, retransmits: entry.retransmits }]);
  const times = [0, ...(entry.retransmits ?? [])];
  for (let i = 1; i < times.length; i++) {
    const gap = times[i] - times[i - 1];
    // whole milliseconds, each rounded on its own: a gap may read 1 ms short
    assert.ok(gap >= 50 * 2 ** (i - 1) - 1, `retransmission ${i} after ${gap} ms: ${times.join(', ')}`);
  }
  // ...and they are the times the silent peer saw them arrive (sipp's message log, µs clock).
  const seen = regs.map((m) => sippTimeMs(m.time));
  for (let i = 1; i < times.length; i++) {
    const drift = Math.abs(seen[i] - seen[0] - times[i]);
    assert.ok(drift < 150, `retransmission ${i}: engine says +${times[i]} ms, sipp saw +${(seen[i] - seen[0]).toFixed(1)} ms`);
  }
});

test('sipp garbage: malformed and foreign responses are dropped and counted, then registered', { timeout: 20_000 }, async (t) => {
  const { s, engine } = await setup(t, 'garbage.xml');
  const st = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(st.state, 'registered', JSON.stringify(st));
  assert.equal(st.code, 200);
  const c = engine.counters();
  // binary junk, "HTTP/1.1 200 OK", "SIP/2.O 200 OK", and a 500 without From/To/Call-ID and a bad CSeq.
  assert.equal(c.transactions.droppedMalformed + c.transactions.droppedUnmatched, 4, JSON.stringify(c.transactions));
  assert.deepEqual(c.transactions.responsesByClass, [0, 0, 1, 0, 0, 0, 0], 'only the valid 200 completed the transaction');
  assert.equal(registersIn(s.messages()).length, 1);
  // Still alive: unregisters cleanly.
  await engine.unregister('1');
  assert.equal(engine.status('1')!.state, 'unregistered');
  assert.equal(engine.status('1')!.code, 200);
  const regs = registersIn(s.messages());
  assert.equal(regs.length, 2);
  assert.equal(regs[1].header('Expires'), '0');
});

test('sipp 200 over TCP: registered and unregistered over one connection', { timeout: 20_000 }, async (t) => {
  const s = await sipp(t, '200-ok.xml', { transport: 'tcp', set: { max_expires: 300 } });
  const engine = testEngine(t);
  await engine.start([config({ id: '1', password: null, transport: 'tcp', registerServerUri: `sip:127.0.0.1:${s.port}` })]);
  const st = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'));
  assert.equal(st.state, 'registered');
  assert.equal(st.grantedExpires, 300);
  await engine.stop();
  const regs = registersIn(s.messages());
  assert.equal(regs.length, 2);
  assert.equal(regs[1].header('Expires'), '0');
  assert.ok(isRegister(regs[1].text));
});
