/**
 * 10,000 registrations inserted straight into the test database; the list endpoint must still
 * answer searches, filters, sorts and deep pages quickly. Timings are printed, not asserted tightly.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { registrationListJsonSchema } from '../../lib/api/contracts';
import { openSqlite, useServer } from './server';

const server = useServer();
const N = 10_000;
const PROVIDERS = 20;
let providerIds: number[] = [];

before(async () => {
  await server.ready();
  const db = await openSqlite(server.dbPath);
  const started = performance.now();
  await db.transaction(async () => {
    const ip = db.prepare('insert into ddi_providers (name, ddis) values (?, ?) returning id');
    providerIds = [];
    for (let p = 0; p < PROVIDERS; p++) providerIds.push(((await ip.get(`Seed Carrier ${String(p + 1).padStart(2, '0')}`, '[]')) as { id: number }).id);
    const ir = db.prepare('insert into registrations (ddi_provider_id, username, domain, ddi, password, updated_at) values (?, ?, ?, ?, ?, ?)');
    for (let i = 1; i <= N; i++) {
      await ir.run(providerIds[i % PROVIDERS], `seed${String(i).padStart(5, '0')}`, `sip${i % 50}.seed.example`, `+3490${String(i).padStart(7, '0')}`, i % 2 ? 'pw' : null, 1_700_000_000_000 + ((i * 7919) % N));
    }
  });
  await db.close();
  console.log(`  seeded ${N} registrations in ${(performance.now() - started).toFixed(0)} ms`);
});

async function timed(query: string) {
  const started = performance.now();
  const res = await server.api(`/api/registrations?${query}`);
  const ms = performance.now() - started;
  assert.equal(res.status, 200, res.text);
  const page = registrationListJsonSchema.parse(res.body);
  console.log(`  GET /api/registrations?${query} → ${page.items.length}/${page.total} in ${ms.toFixed(1)} ms`);
  return { page, ms };
}

describe(`list with ${N} registrations`, () => {
  test('first page, totals', async () => {
    await timed('');
    const { page } = await timed('pageSize=50');
    assert.equal(page.total, N);
    assert.equal(page.items[0]!.username, 'seed00001');
  });

  test('search by username, domain, DDI and provider name', async () => {
    assert.equal((await timed('q=seed0999')).page.total, 10);
    assert.equal((await timed('q=sip7.seed.example')).page.total, N / 50);
    assert.equal((await timed(`q=${encodeURIComponent('+349000099')}`)).page.total, 100);
    assert.equal((await timed('q=seed%20carrier%2007&pageSize=100')).page.total, N / PROVIDERS);
    assert.equal((await timed('q=no-such-thing')).page.total, 0);
  });

  test('filter, sorts and deep pages', async () => {
    const filtered = await timed(`ddiProviderId=${providerIds[3]}&sort=username&order=desc`);
    assert.equal(filtered.page.total, N / PROVIDERS);
    for (const sort of ['username', 'domain', 'ddi', 'provider', 'updatedAt']) {
      const deep = await timed(`sort=${sort}&order=desc&page=150&pageSize=50`);
      assert.equal(deep.page.items.length, 50);
    }
    const last = await timed('page=200&pageSize=50');
    assert.equal(last.page.items.at(-1)!.username, 'seed10000');
    const big = await timed('q=seed&pageSize=500&sort=domain');
    assert.equal(big.page.items.length, 500);
    assert.ok(big.ms < 5000, 'a 500-row page answers within seconds');
  });
});
