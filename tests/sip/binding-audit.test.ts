// The binding audit (RFC 3261 §10.2.3 queries) against sipp registrars that do not answer
// queries usefully: a 200 without any Contact, or an error. Neither may make a registration
// look lost: the audit refreshes instead, at its interval, and says so in the trace.
//   node --import tsx --test tests/sip/binding-audit.test.ts
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startSipp, type SippMessage } from './harness';
import { config, defer, inState, record, testEngine, waitStatus, waitUntil } from './engine-helpers';

const CHECK_MS = 1500;
const registers = (msgs: SippMessage[]) => msgs.filter((m) => m.direction === 'in' && m.startLine.startsWith('REGISTER '));
const queries = (msgs: SippMessage[]) => registers(msgs).filter((m) => m.header('Contact') === undefined);

async function setup(t: TestContext, scenario: string) {
  const s = await startSipp(scenario, { timeoutSec: 60 });
  defer(t, () => s.stop());
  const engine = testEngine(t, { bindingCheckMs: CHECK_MS });
  const rec = record(engine);
  await engine.start([config({ id: '1', password: null, registerServerUri: `sip:127.0.0.1:${s.port}` })]);
  await waitStatus(engine, '1', inState('registered', 'retrying', 'rejected'));
  const notes = () => rec.traces.filter((x) => x.direction === 'note').map((x) => x.text);
  return { s, engine, rec, notes };
}

test('sipp answers binding queries 200 without Contact: never lost, refreshes at the audit interval instead', { timeout: 30_000 }, async (t) => {
  const { s, engine, rec, notes } = await setup(t, '200-ok.xml');
  await waitUntil('the audit gives up querying', notes, (n) => n.length >= 2, 4 * CHECK_MS);
  const before = registers(s.messages()).length;
  await waitUntil('two more refreshes at the audit pace', () => registers(s.messages()).length, (n) => n >= before + 2, 3 * CHECK_MS);
  assert.equal(queries(s.messages()).length, 2, 'then no more queries');
  assert.deepEqual(new Set(rec.statuses.slice(2).map((x) => x.state)), new Set(['registered']), 'never lost, never retrying');
  assert.equal(engine.status('1')?.state, 'registered');
  assert.match(notes()[0], /answered 200 without any Contact: refreshing/);
  assert.match(notes()[1], /does not list bindings/);
  for (const q of queries(s.messages())) assert.equal(q.header('Expires'), undefined, 'a query carries no Expires');
});

test('sipp answers binding queries 403: never lost, refreshes at the audit interval instead, noted', { timeout: 30_000 }, async (t) => {
  const { s, engine, rec, notes } = await setup(t, 'query-error.xml');
  await waitUntil('the audit gives up querying', notes, (n) => n.length >= 1, 2 * CHECK_MS);
  const before = registers(s.messages()).length;
  await waitUntil('two more refreshes at the audit pace', () => registers(s.messages()).length, (n) => n >= before + 2, 3 * CHECK_MS);
  assert.equal(queries(s.messages()).length, 1);
  assert.ok(s.messages().some((m) => m.direction === 'out' && m.status === 403));
  assert.deepEqual(new Set(rec.statuses.slice(2).map((x) => x.state)), new Set(['registered']));
  assert.equal(engine.status('1')?.state, 'registered');
  assert.match(notes()[0], /^Binding query answered 403 Queries Not Allowed: this registrar does not answer queries/);
});
