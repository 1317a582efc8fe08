// The registrations list's `q` search and state totals on a migrated database: the FTS5 trigram
// index (migration 0011) answers rare substrings, LIKE the common ones; both give the rows the
// LIKE condition gives, and the triggers keep the index in step with inserts, updates, deletes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../../lib/db/client';
import { registrations } from '../../../lib/db/schema';
import { DEFERRED_OFFSET, listRegistrations } from '../../../lib/registrations/service';
import { COMMON_MAX, RARE_MAX, searchCondition } from '../../../lib/registrations/search';
import { registrationListQuerySchema } from '../../../lib/registrations/schema';
import { sqliteOf, sqliteOnly } from '../../db';
import { tempDatabase } from '../secrets/helpers';

const FTS = sqliteOnly('the FTS5 trigram index (PostgreSQL searches with ILIKE)');

/** `n` registrations `user<i>` @ sip.example.com, DDI 4930<i>, under provider "Acme"; returns the provider id. */
function seed(db: Db, n: number): number {
  const sqlite = sqliteOf(db);
  const provider = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Acme')`).run().lastInsertRowid);
  const insert = sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, 'sip.example.com', ?)`);
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(provider, `user${i}`, `4930${String(i).padStart(5, '0')}`);
  })();
  return provider;
}

const list = (db: Db, query: Record<string, unknown>) => listRegistrations(db, registrationListQuerySchema.parse({ pageSize: 100, ...query }));
const usernames = async (db: Db, query: Record<string, unknown>) => (await list(db, query)).items.map((r) => r.username);
/** Whether the condition for `q` came from the trigram index (else it is the LIKE scan). */
const usesIndex = async (db: Db, q: string) => !/ like /.test(db.select().from(registrations).where(await searchCondition(db, q)).toSQL().sql);

test('a rare substring is answered from the trigram index, with the rows LIKE gives (username, domain, DDI; case-insensitive; wildcards literal)', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, RARE_MAX + 500);
  assert.equal(await usesIndex(db, 'user1234'), true);
  assert.deepEqual(await usernames(db, { q: 'user1234' }), ['user1234']);
  assert.deepEqual(await usernames(db, { q: 'USER1234' }), ['user1234'], 'case-insensitive like LIKE');
  assert.equal((await list(db, { q: '493001234' })).total, 1, 'DDI');
  assert.equal((await list(db, { q: 'user12' })).total, 111, 'user12, user120…129, user1200…1299');
  assert.equal((await list(db, { q: 'zzz' })).total, 0);
  assert.equal((await list(db, { q: 'user_1' })).total, 0, '_ is literal, not a wildcard');
  assert.equal((await list(db, { q: 'us"er' })).total, 0, 'a quote is text, not FTS syntax');
  assert.equal((await list(db, { q: 'user1 OR user2' })).total, 0, 'no FTS operators');
});

test('a substring matching more than RARE_MAX rows is read through the index as a subquery, with the rows LIKE gives', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, RARE_MAX + 500);
  assert.equal(await usesIndex(db, 'user'), true, 'between RARE_MAX and COMMON_MAX index matches');
  assert.match(db.select().from(registrations).where(await searchCondition(db, 'user')).toSQL().sql, / in \(select rowid from registrations_search/);
  assert.equal((await list(db, { q: 'user' })).total, RARE_MAX + 500);
  assert.equal((await list(db, { q: 'SIP.example' })).total, RARE_MAX + 500);
  assert.equal((await list(db, { q: 'user2' })).total, 1 + 10 + 100 + 500, 'user2, user20…29, user200…299, user2000…2499');
  assert.deepEqual((await usernames(db, { q: 'user', page: 2 })).slice(0, 2), ['user100', 'user101']);
  assert.equal((await list(db, { q: 'acm' })).total, RARE_MAX + 500, 'every registration of provider Acme');
  // pages past DEFERRED_OFFSET are read as ids first: the same rows in the same order
  assert.ok(DEFERRED_OFFSET < 1400);
  assert.deepEqual((await usernames(db, { q: 'user', page: 15 })).slice(0, 2), ['user1400', 'user1401']);
  const all = sqliteOf(db).prepare('SELECT id, username, ddi FROM registrations').all() as Array<{ id: number; username: string; ddi: string }>;
  const by = (key: 'username' | 'ddi' | 'id', dir: 1 | -1) => [...all].sort((a, b) => (a[key] < b[key] ? -dir : a[key] > b[key] ? dir : dir * (a.id - b.id))).map((r) => r.id);
  for (const [sort, order, expected] of [['username', 'desc', by('username', -1)], ['provider', 'asc', by('id', 1)], ['ddi', 'desc', by('ddi', -1)]] as const) {
    const deep = (await list(db, { q: 'user', sort, order, pageSize: 100, page: 11 })).items.map((r) => r.id);
    assert.deepEqual(deep, expected.slice(1000, 1100), `${sort} ${order}: page 11 of 100 = rows 1000…1099`);
    const shallow = (await list(db, { q: 'user', sort, order, pageSize: 100, page: 10 })).items.map((r) => r.id);
    assert.deepEqual(shallow, expected.slice(900, 1000), `${sort} ${order}: page 10, one query`);
  }
  const stated = (await list(db, { q: 'user', state: 'none', pageSize: 100, page: 12 })).items;
  assert.deepEqual(stated.map((r) => r.username).slice(0, 1), ['user1100'], 'with the status joined');
});

test('a common substring (more than COMMON_MAX index matches) and a short one still match through LIKE; a provider name through its index', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, COMMON_MAX + 500);
  assert.equal(await usesIndex(db, 'user'), false, 'more than COMMON_MAX index matches');
  assert.equal((await list(db, { q: 'user' })).total, COMMON_MAX + 500);
  assert.equal((await list(db, { q: 'sip.example' })).total, COMMON_MAX + 500);
  assert.equal(await usesIndex(db, 'r9'), false, 'shorter than a trigram');
  assert.equal((await list(db, { q: 'r9' })).total, 1 + 10 + 100 + 1000, 'user9, user90…99, user900…999, user9000…9999');
  assert.equal((await list(db, { q: 'acm' })).total, COMMON_MAX + 500, 'every registration of provider Acme');
  assert.deepEqual((await usernames(db, { q: 'user', page: 2 })).slice(0, 2), ['user100', 'user101']);
});

test('the triggers keep the index in step: an updated username is found by its new name only, a deleted registration not at all', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, 10);
  const sqlite = sqliteOf(db);
  const id = (sqlite.prepare(`SELECT id FROM registrations WHERE username = 'user3'`).get() as { id: number }).id;
  sqlite.prepare(`UPDATE registrations SET username = 'renamed-xyz' WHERE id = ?`).run(id);
  assert.deepEqual(await usernames(db, { q: 'renamed-xyz' }), ['renamed-xyz']);
  assert.equal((await list(db, { q: 'user3' })).total, 0);
  const match = (q: string) => (sqlite.prepare(`SELECT count(*) AS n FROM registrations_search WHERE registrations_search MATCH ?`).get(`"${q}"`) as { n: number }).n;
  assert.equal(match('user3'), 0);
  sqlite.prepare('DELETE FROM registrations WHERE id = ?').run(id);
  assert.equal(match('renamed-xyz'), 0);
  sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) SELECT ddi_provider_id, 'fresh-abc', 'd.example', '111' FROM registrations LIMIT 1`).run();
  assert.deepEqual(await usernames(db, { q: 'fresh-abc' }), ['fresh-abc']);
});

test('a state filter alone is counted from the status index, with the same total as the join (lapsed and none included)', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, 50);
  const sqlite = sqliteOf(db);
  const now = Date.now();
  const ids = (sqlite.prepare('SELECT id FROM registrations ORDER BY id').all() as Array<{ id: number }>).map((r) => r.id);
  const st = sqlite.prepare(`INSERT INTO registration_status (registration_id, state, at, expires_at) VALUES (?, ?, ?, ?)`);
  ids.forEach((id, i) => {
    if (i < 30) st.run(id, 'registered', now, i < 5 ? now - 1000 : now + 3_600_000); // 5 lapsed: read as retrying
    else if (i < 40) st.run(id, 'rejected', now, null);
  }); // 10 without a status: none
  for (const [state, n] of [['registered', 25], ['retrying', 5], ['rejected', 10], ['none', 10], ['registered,none', 35], ['retrying,rejected', 15]] as const) {
    const { total, items } = await list(db, { state });
    assert.equal(total, n, state);
    assert.equal(items.length, n, `${state}: the page agrees`);
  }
  assert.equal((await list(db, { state: 'registered', q: 'user1' })).total, 10, 'with a search: the join (user1 lapsed, user10…19 registered)');
  // small pages of a state that most rows are in are read in id order (not through the state index): the same rows
  for (const state of ['registered', 'registered,none', 'retrying,rejected'] as const) {
    const every = (await list(db, { state })).items.map((r) => r.id);
    for (const page of [1, 2, 5]) {
      assert.deepEqual((await list(db, { state, pageSize: 5, page })).items.map((r) => r.id), every.slice((page - 1) * 5, page * 5), `${state}, page ${page} of 5`);
    }
  }
});

test('a rare substring together with a provider-name match: the index rows and the provider\'s registrations', FTS, async (t) => {
  const db = await tempDatabase(t);
  seed(db, RARE_MAX + 500);
  const sqlite = sqliteOf(db);
  const other = Number(sqlite.prepare(`INSERT INTO ddi_providers (name) VALUES ('Carrier xq7')`).run().lastInsertRowid);
  sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, 'alpha', 'a.example', '1'), (?, 'beta', 'b.example', '2')`).run(other, other);
  sqlite.prepare(`UPDATE registrations SET username = 'has-xq7-inside' WHERE username = 'user5'`).run();
  assert.equal(await usesIndex(db, 'xq7'), true);
  assert.deepEqual((await usernames(db, { q: 'xq7' })).sort(), ['alpha', 'beta', 'has-xq7-inside']);
  assert.equal((await list(db, { q: 'XQ7' })).total, 3);
});
