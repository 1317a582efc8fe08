/**
 * The dashboard's server side at any N: GET /api/registrations/summary (counts per state and the
 * first problems, read together) and the window pages of GET /api/registrations with the `state`
 * filter (lapse-aware), search and id order. Registrations and statuses are written straight to
 * SQLite, as the engine writes statuses (the portal runs with the registrar off).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { registrationListJsonSchema, registrationSummaryJsonSchema, type RegistrationList } from '../../lib/api/contracts';
import { openSqlite, useServer } from './server';

const server = useServer();

const N = 250;
/** state written for registration i (0-based); every 7th has no status; i % 25 === 3 is registered but lapsed */
function stateOf(i: number): string | null {
  if (i % 7 === 0) return null;
  if (i % 10 === 1) return 'rejected';
  if (i % 10 === 2) return 'retrying';
  if (i % 10 === 4) return 'pending';
  if (i % 10 === 5) return 'disabled';
  return 'registered';
}
const lapsed = (i: number) => stateOf(i) === 'registered' && i % 25 === 3;
/** The state the API must read (registered past expiresAt reads as retrying). */
const effective = (i: number) => (lapsed(i) ? 'retrying' : (stateOf(i) ?? 'none'));

const ids: number[] = [];
const now = Date.now();

before(async () => {
  await server.ready();
  const db = await openSqlite(server.dbPath);
  try {
    await db.transaction(async () => {
      const providers: number[] = [];
      for (const name of ['Alpha Tel', 'Beta Voice']) providers.push((await db.prepare("insert into ddi_providers (name, description, ddis) values (?, '', '[]')").run(name)).lastInsertRowid);
      const reg = db.prepare('insert into registrations (ddi_provider_id, username, domain, ddi) values (?, ?, ?, ?)');
      const st = db.prepare('insert into registration_status (registration_id, state, code, reason, at, expires_at) values (?, ?, ?, ?, ?, ?)');
      for (let i = 0; i < N; i++) {
        const id = (await reg.run(providers[i % 2], `user${i}`, i % 3 === 0 ? 'sip.three.example' : 'sip.other.example', `+3480${String(i).padStart(6, '0')}`)).lastInsertRowid;
        ids.push(id);
        const state = stateOf(i);
        if (!state) continue;
        const expiresAt = state === 'registered' ? (lapsed(i) ? now - 60_000 : now + 3_600_000) : null;
        // problems: the older `at`, the longer in the state
        await st.run(id, state, state === 'rejected' ? 403 : null, state === 'rejected' ? 'Forbidden' : null, now - (N - i) * 1000 - (lapsed(i) ? 10_000_000 : 0), expiresAt);
      }
    });
  } finally {
    await db.close();
  }
});

async function list(query: string): Promise<RegistrationList> {
  const res = await server.api(`/api/registrations?${query}`);
  assert.equal(res.status, 200, res.text);
  return registrationListJsonSchema.parse(res.body);
}

/** All pages of a query, by windows of `size`. */
async function allPages(query: string, size: number): Promise<RegistrationList['items']> {
  const first = await list(`${query}&pageSize=${size}&page=1`);
  const items = [...first.items];
  for (let page = 2; page <= Math.ceil(first.total / size); page++) items.push(...(await list(`${query}&pageSize=${size}&page=${page}`)).items);
  return items;
}

describe('GET /api/registrations/summary', () => {
  test('counts per effective state add up to the total and agree with the rows', async () => {
    const res = await server.api('/api/registrations/summary');
    assert.equal(res.status, 200, res.text);
    const s = registrationSummaryJsonSchema.parse(res.body);
    assert.equal(s.total, N);
    const expected: Record<string, number> = {};
    for (let i = 0; i < N; i++) expected[effective(i)] = (expected[effective(i)] ?? 0) + 1;
    for (const [state, n] of Object.entries(s.counts)) assert.equal(n, expected[state] ?? 0, state);
    assert.equal(Object.values(s.counts).reduce((a, b) => a + b, 0), N);
    assert.ok(expected.retrying! > 0 && expected.none! > 0, 'the seed covers lapsed and status-less registrations');
    // each count is what the state filter lists
    for (const state of ['registered', 'retrying', 'rejected', 'pending', 'disabled', 'none']) {
      const page = await list(`state=${state}&pageSize=1`);
      assert.equal(page.total, s.counts[state as keyof typeof s.counts], state);
    }
  });

  test('problems: rejected first, then retrying (lapsed ones included), the longest in their state first; total counts all', async () => {
    const s = registrationSummaryJsonSchema.parse((await server.api('/api/registrations/summary?problems=500')).body);
    const want = ids.filter((_, i) => ['rejected', 'retrying'].includes(effective(i)));
    assert.equal(s.problems.total, want.length);
    assert.equal(s.problems.total, s.counts.rejected + s.counts.retrying);
    assert.deepEqual(new Set(s.problems.items.map((r) => r.id)), new Set(want));
    const states = s.problems.items.map((r) => r.status!.state);
    assert.equal(states.indexOf('retrying'), states.lastIndexOf('rejected') + 1, 'rejected ones come first');
    for (let k = 1; k < s.problems.items.length; k++) {
      const [a, b] = [s.problems.items[k - 1]!.status!, s.problems.items[k]!.status!];
      if (a.state === b.state) assert.ok(a.at <= b.at, 'longest in the state first');
    }
    const lapsedOne = s.problems.items.find((r) => r.id === ids[ids.findIndex((_, i) => lapsed(i))]);
    assert.deepEqual([lapsedOne?.status?.state, lapsedOne?.status?.reason], ['retrying', 'expired']);

    const few = registrationSummaryJsonSchema.parse((await server.api('/api/registrations/summary?problems=3')).body);
    assert.deepEqual(few.problems.items.map((r) => r.id), s.problems.items.slice(0, 3).map((r) => r.id));
    assert.equal(few.problems.total, s.problems.total);
    assert.equal(registrationSummaryJsonSchema.parse((await server.api('/api/registrations/summary?problems=0')).body).problems.items.length, 0);
  });

  test('invalid parameters → 422', async () => {
    for (const q of ['problems=501', 'problems=-1', 'problems=x', 'other=1']) {
      const res = await server.api(`/api/registrations/summary?${q}`);
      assert.equal(res.status, 422, q);
      assert.equal(res.body.error.code, 'validation');
    }
  });
});

describe('GET /api/registrations by window', () => {
  test('windows of 40 cover the list exactly once in id order; the last one is short; past the end is empty', async () => {
    const items = await allPages('sort=id&order=asc', 40);
    assert.deepEqual(items.map((r) => r.id), ids);
    const last = await list('pageSize=40&page=7');
    assert.equal(last.items.length, N - 6 * 40);
    assert.equal((await list('pageSize=40&page=8')).items.length, 0);
    assert.equal((await list('pageSize=40&page=8')).total, N);
  });

  test('state filter (one or several, none, lapse-aware) with windows: the rows are exactly those in the states', async () => {
    for (const filter of ['retrying,rejected', 'registered', 'none', 'pending,disabled,none', 'unregistered']) {
      const want = ids.filter((_, i) => filter.split(',').includes(effective(i)));
      const items = await allPages(`state=${filter}`, 17);
      assert.deepEqual(items.map((r) => r.id), want, filter);
      for (const r of items) assert.ok(filter.split(',').includes(r.status?.state ?? 'none'), `${filter}: #${r.id} is ${r.status?.state}`);
    }
  });

  test('search and state and provider combine; the total is of the whole match', async () => {
    const want = ids.filter((_, i) => i % 3 === 0 && i % 2 === 1 && effective(i) === 'registered');
    const beta = (await list('q=Beta Voice&pageSize=1')).items[0]!.ddiProviderId;
    const page = await list(`q=three&state=registered&ddiProviderId=${beta}&pageSize=5`);
    assert.equal(page.total, want.length);
    assert.deepEqual(page.items.map((r) => r.id), want.slice(0, 5));
    // provider name search needs no join in the count: it still matches
    assert.equal((await list('q=alpha&pageSize=1')).total, N / 2);
    assert.equal((await list('q=user24&state=rejected&pageSize=50')).total, ids.filter((_, i) => `user${i}`.includes('user24') && effective(i) === 'rejected').length);
  });

  test('an unknown state → 422 with the field', async () => {
    for (const bad of ['nope', 'registered,', 'registered,,rejected', 'REGISTERED']) {
      const res = await server.api(`/api/registrations?state=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 422, bad);
      assert.deepEqual(Object.keys(res.body.error.fields), ['state'], bad);
    }
  });
});
