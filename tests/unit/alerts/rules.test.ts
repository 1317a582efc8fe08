// The alert rules on an injected clock (lib/alerts/rules.ts): hold time, one alert and one
// resolve, flapping, grouping per provider and platform-wide.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decide, type Candidate, type OpenAlert, type ProviderTotal } from '../../../lib/alerts/rules';

const HOLD = 120_000;
const T0 = 1_800_000_000_000;

function reg(id: number, providerId: number, failingSince: number | null, holdMs = HOLD): Candidate {
  return { registrationId: id, providerId, providerName: `P${providerId}`, label: `u${id}@sip.test (DDI ${id})`, state: 'retrying', code: 503, reason: 'Service Unavailable', failingSince, holdMs };
}

const providers = (...counts: number[]): ProviderTotal[] => counts.map((enabled, i) => ({ providerId: i + 1, name: `P${i + 1}`, enabled }));

/** Opens what the decision opens, as the database would (ids from 1). */
function apply(open: OpenAlert[], decision: ReturnType<typeof decide>): OpenAlert[] {
  const resolved = new Set(decision.resolve.map((r) => r.id));
  let id = Math.max(0, ...open.map((a) => a.id));
  return [...open.filter((a) => !resolved.has(a.id)), ...decision.open.map((o) => ({ id: ++id, key: o.key, scope: o.scope, subjectId: o.subjectId, providerId: o.providerId, currentCount: o.count }))];
}

describe('alert rules', () => {
  test('a registration failing for less than the hold time raises nothing; at the hold time exactly one alert; recovery exactly one resolve', () => {
    const since = T0;
    let open: OpenAlert[] = [];
    const at = (ms: number, failing: boolean) => {
      const d = decide(T0 + ms, failing ? [reg(7, 1, since)] : [], providers(20), open);
      open = apply(open, d);
      return d;
    };
    assert.deepEqual(at(119_999, true).open, []);
    const opened = at(120_000, true);
    assert.equal(opened.open.length, 1);
    assert.equal(opened.open[0]!.key, 'registration:7');
    assert.equal(opened.open[0]!.failingSince, since);
    assert.match(opened.open[0]!.summary, /u7@sip\.test.*P1.*retrying \(503 Service Unavailable\)/);
    // Still failing: nothing new, however often it is evaluated.
    for (const ms of [125_000, 600_000, 3_600_000]) assert.deepEqual(at(ms, true), { open: [], resolve: [], recount: [] });
    const resolved = at(3_700_000, false);
    assert.deepEqual(resolved.resolve.map((r) => r.key), ['registration:7']);
    assert.deepEqual(at(3_800_000, false), { open: [], resolve: [], recount: [] });
  });

  test('flapping within the hold time sends nothing: each recovery restarts the count', () => {
    let open: OpenAlert[] = [];
    // failing 100 s, registered, failing 100 s again, … for an hour: failingSince moves each time.
    for (let cycle = 0; cycle < 30; cycle++) {
      const since = T0 + cycle * 120_000;
      for (const ms of [0, 50_000, 100_000]) {
        const d = decide(since + ms, [reg(3, 1, since)], providers(10), open);
        assert.deepEqual(d.open, [], `cycle ${cycle} at +${ms} ms`);
        open = apply(open, d);
      }
      assert.deepEqual(decide(since + 110_000, [], providers(10), open).open, []);
    }
  });

  test('the per-provider hold overrides the default', () => {
    const d = decide(T0 + 30_000, [reg(1, 1, T0, 30_000), reg(2, 2, T0)], providers(10, 10), []);
    assert.deepEqual(d.open.map((o) => o.key), ['registration:1']);
  });

  test('more than 20 % of a provider failing is one provider alert naming the count, not one per registration', () => {
    const failing = Array.from({ length: 300 }, (_, i) => reg(i + 1, 1, T0 - 200_000));
    const d = decide(T0, failing, providers(1000, 50), []);
    assert.equal(d.open.length, 1);
    assert.equal(d.open[0]!.key, 'provider:1');
    assert.equal(d.open[0]!.count, 300);
    assert.match(d.open[0]!.summary, /Provider P1: 300 of 1000 enabled registrations failing/);
    // 20 % exactly is not above the threshold: one alert per registration.
    const twenty = decide(T0, failing.slice(0, 200), providers(1000, 50), []);
    assert.equal(twenty.open.length, 200);
    assert.ok(twenty.open.every((o) => o.scope === 'registration'));
  });

  test('while a provider alert is open its registrations raise none; the count is kept up to date; it resolves when back under the threshold', () => {
    let open: OpenAlert[] = [];
    const failing = (n: number) => Array.from({ length: n }, (_, i) => reg(i + 1, 1, T0 - 200_000));
    open = apply(open, decide(T0, failing(5), providers(10), open));
    assert.deepEqual(open.map((a) => a.key), ['provider:1']);
    const more = decide(T0 + 5_000, failing(8), providers(10), open);
    assert.deepEqual(more.open, []);
    assert.deepEqual(more.recount, [{ id: 1, count: 8 }]);
    const back = decide(T0 + 10_000, failing(1), providers(10), open);
    assert.deepEqual(back.resolve.map((r) => r.key), ['provider:1']);
    // the one still failing (10 %) now alerts on its own
    assert.deepEqual(back.open.map((o) => o.key), ['registration:1']);
  });

  test('one provider down and a few failures elsewhere is a provider alert, not a platform one', () => {
    const failing = [...Array.from({ length: 6 }, (_, i) => reg(i + 1, 1, T0 - HOLD)), reg(50, 2, T0 - HOLD)];
    const d = decide(T0, failing, providers(10, 10, 10), []);
    assert.deepEqual(d.open.map((o) => o.key).sort(), ['provider:1', 'registration:50']);
  });

  test('several providers down at once is one platform alert', () => {
    const failing = [...Array.from({ length: 40 }, (_, i) => reg(i + 1, 1, T0 - 500_000)), ...Array.from({ length: 30 }, (_, i) => reg(100 + i, 2, T0 - 300_000))];
    const d = decide(T0, failing, providers(100, 100, 100), []);
    assert.deepEqual(d.open.map((o) => o.key), ['platform']);
    assert.equal(d.open[0]!.count, 70);
    assert.equal(d.open[0]!.failingSince, T0 - 500_000);
    assert.match(d.open[0]!.summary, /Platform-wide: 70 of 300 enabled registrations failing across 2 providers/);
  });

  test('a single failing registration of a one-registration provider is a registration alert (at least 2 to group)', () => {
    const d = decide(T0, [reg(1, 1, T0 - HOLD)], providers(1), []);
    assert.deepEqual(d.open.map((o) => o.key), ['registration:1']);
  });

  test('alerts open before a group stay open until their own recovery', () => {
    let open: OpenAlert[] = apply([], decide(T0, [reg(1, 1, T0 - HOLD)], providers(10), []));
    const group = Array.from({ length: 6 }, (_, i) => reg(i + 1, 1, T0 - HOLD));
    const d = decide(T0 + 60_000, group, providers(10), open);
    assert.deepEqual(d.open.map((o) => o.key), ['provider:1']);
    assert.deepEqual(d.resolve, []);
    open = apply(open, d);
    const recovered = decide(T0 + 120_000, group.slice(1), providers(10), open);
    assert.deepEqual(recovered.resolve.map((r) => r.key), ['registration:1']);
  });
});
