/**
 * POST /api/registrations/bulk against the real portal: every action by ids, "all matching the
 * filter" taken in parts (next/remaining), one audit entry and one journal row per changed
 * registration, viewers refused, bad requests refused with field messages.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { bulkResultJsonSchema, errorBodySchema, registrationJsonSchema, type RegistrationJson } from '../../lib/api/contracts';
import { signIn } from '../portal-process';
import { createOperator } from './extra-operators';
import { openSqlite, useServer } from './server';

const server = useServer();

let acme: number;
let beta: number;
let serial = 0;

async function provider(name: string) {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name } });
  assert.equal(res.status, 201, res.text);
  return res.body.id as number;
}

async function create(ddiProviderId: number, prefix: string, extra: Record<string, unknown> = {}): Promise<RegistrationJson> {
  serial += 1;
  const res = await server.api('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId, username: `${prefix}${serial}`, domain: `${prefix}.bulk.test`, ddi: `+3491700${String(serial).padStart(4, '0')}`, ...extra },
  });
  assert.equal(res.status, 201, res.text);
  return registrationJsonSchema.parse(res.body);
}

async function bulk(json: unknown, auth?: Parameters<typeof server.api>[1] extends infer I ? (I extends { auth?: infer A } ? A : never) : never) {
  const res = await server.api('/api/registrations/bulk', { method: 'POST', json, ...(auth ? { auth } : {}) });
  return res;
}

async function ok(json: unknown) {
  const res = await bulk(json);
  assert.equal(res.status, 200, res.text);
  return bulkResultJsonSchema.parse(res.body);
}

async function get(id: number) {
  return server.api(`/api/registrations/${id}`);
}

/** Rows of the audit log and of the journal per registration id, straight from the database. */
async function ledger(ids: number[]) {
  const db = await openSqlite(server.dbPath);
  try {
    const marks = ids.map(() => '?').join(',');
    const rows = (await db.prepare(`select entity_id as id, action, changes from audit_log where entity_type = 'registration' and entity_id in (${marks}) order by audit_log.id`).all(...ids)) as { id: number; action: string; changes: unknown }[];
    // the stored JSON text (PostgreSQL's json column answers it parsed)
    const audit = rows.map((r) => ({ ...r, changes: typeof r.changes === 'string' ? r.changes : JSON.stringify(r.changes) }));
    const journal = (await db.prepare(`select registration_id as id, command from registration_changes where registration_id in (${marks}) order by seq`).all(...ids)) as { id: number; command: string }[];
    return { audit, journal };
  } finally {
    await db.close();
  }
}

before(async () => {
  acme = await provider('Bulk Acme');
  beta = await provider('Bulk Beta');
});

describe('bulk actions by ids', () => {
  test('disable then enable: one audit entry and one journal row per changed registration; unchanged ones write nothing', async () => {
    const rows = [await create(acme, 'dis'), await create(acme, 'dis'), await create(acme, 'dis')];
    const ids = rows.map((r) => r.id);
    const before = await ledger(ids);
    const off = await ok({ action: 'disable', ids });
    assert.deepEqual([off.done, off.unchanged, off.skipped, off.next, off.remaining], [3, 0, [], null, 0]);
    for (const r of rows) {
      const now = registrationJsonSchema.parse((await get(r.id)).body);
      assert.equal(now.enabled, false);
      assert.equal(now.revision, r.revision + 1);
    }
    const again = await ok({ action: 'disable', ids });
    assert.deepEqual([again.done, again.unchanged], [0, 3]);
    const on = await ok({ action: 'enable', ids: [ids[0]] });
    assert.equal(on.done, 1);
    const after = await ledger(ids);
    const added = after.audit.slice(before.audit.length);
    assert.deepEqual(added.map((a) => [a.id, a.action]), [...ids.map((id) => [id, 'disable']), [ids[0], 'enable']]);
    assert.deepEqual(JSON.parse(added[0]!.changes), { enabled: { before: true, after: false } });
    assert.deepEqual(after.journal.slice(before.journal.length).map((j) => [j.id, j.command]), [...ids.map((id) => [id, 'sync']), [ids[0], 'sync']]);
  });

  test('register now and unregister queue a command per enabled registration and skip disabled ones', async () => {
    const on = await create(acme, 'cmd');
    const off = await create(acme, 'cmd', { enabled: false });
    const before = await ledger([on.id, off.id]);
    const reg = await ok({ action: 'register', ids: [on.id, off.id, 999_999] });
    assert.equal(reg.done, 1);
    assert.deepEqual(reg.skipped, [{ id: 999_999, reason: 'not_found' }, { id: off.id, reason: 'disabled' }]);
    const unreg = await ok({ action: 'unregister', ids: [on.id] });
    assert.equal(unreg.done, 1);
    const after = await ledger([on.id, off.id]);
    assert.deepEqual(after.journal.slice(before.journal.length).map((j) => [j.id, j.command]), [[on.id, 'register'], [on.id, 'unregister']]);
    assert.deepEqual(after.audit.slice(before.audit.length).map((a) => [a.id, a.action]), [[on.id, 'register_now'], [on.id, 'unregister']]);
  });

  test('move to another provider changes ddiProviderId, audited as an update of that field', async () => {
    const rows = [await create(acme, 'mov'), await create(beta, 'mov')];
    const res = await ok({ action: 'move', ids: rows.map((r) => r.id), ddiProviderId: beta });
    assert.deepEqual([res.done, res.unchanged], [1, 1]);
    const moved = registrationJsonSchema.parse((await get(rows[0]!.id)).body);
    assert.deepEqual([moved.ddiProviderId, moved.ddiProviderName], [beta, 'Bulk Beta']);
    const { audit, journal } = await ledger([rows[0]!.id]);
    assert.deepEqual(JSON.parse(audit.at(-1)!.changes), { ddiProviderId: { before: acme, after: beta } });
    assert.equal(audit.at(-1)!.action, 'update');
    assert.equal(journal.at(-1)!.command, 'sync');
    const missing = await bulk({ action: 'move', ids: [rows[0]!.id], ddiProviderId: 987_654 });
    assert.equal(missing.status, 422, missing.text);
    assert.ok(errorBodySchema.parse(missing.body).error.fields?.ddiProviderId);
  });

  test('delete removes them, with a delete entry each (kept after deletion) and a journal row each', async () => {
    const rows = [await create(beta, 'del'), await create(beta, 'del')];
    const ids = rows.map((r) => r.id);
    const res = await ok({ action: 'delete', ids });
    assert.equal(res.done, 2);
    for (const id of ids) assert.equal((await get(id)).status, 404);
    const { audit, journal } = await ledger(ids);
    assert.deepEqual(audit.filter((a) => a.action === 'delete').map((a) => a.id), ids);
    assert.deepEqual(journal.slice(-2).map((j) => j.id), ids);
  });
});

describe('bulk actions on all registrations matching a filter', () => {
  test('the filter of the list, in parts: next/remaining walk every match once, and nothing else', async () => {
    const lone = await provider('Bulk Filter');
    const matching = [];
    for (let i = 0; i < 7; i++) matching.push(await create(lone, 'flt'));
    const other = await create(lone, 'nomatch');
    const filter = { ddiProviderId: lone, q: 'flt' };
    const listed = await server.api(`/api/registrations?ddiProviderId=${lone}&q=flt`);
    assert.equal(listed.body.total, 7);
    const seen: number[] = [];
    let after = 0;
    const remaining: number[] = [];
    for (;;) {
      const res = await ok({ action: 'disable', filter, after, limit: 3 });
      seen.push(res.done);
      remaining.push(res.remaining);
      if (res.next === null) break;
      after = res.next;
    }
    assert.deepEqual(seen, [3, 3, 1]);
    assert.deepEqual(remaining, [4, 1, 0]);
    for (const r of matching) assert.equal(registrationJsonSchema.parse((await get(r.id)).body).enabled, false);
    assert.equal(registrationJsonSchema.parse((await get(other.id)).body).enabled, true, 'outside the filter: untouched');
    const { audit } = await ledger(matching.map((r) => r.id));
    assert.equal(audit.filter((a) => a.action === 'disable').length, 7);

    // A state filter reads the effective state like the list does: no status yet is `none`.
    const byState = await ok({ action: 'enable', filter: { ddiProviderId: lone, state: 'none' } });
    assert.deepEqual([byState.done, byState.unchanged, byState.next], [7, 1, null]);
  });
});

describe('bulk requests that are refused', () => {
  test('viewers get 403 and nothing changes; bad bodies get 422 with a message per field', async () => {
    const r = await create(acme, 'ro');
    const viewer = await createOperator(server, 'viewer');
    const session = await signIn(server.baseUrl, viewer.email, viewer.password);
    server.ledger.secret(session, 'viewer session');
    const refused = await bulk({ action: 'disable', ids: [r.id] }, { session });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(registrationJsonSchema.parse((await get(r.id)).body).enabled, true);

    const cases: [unknown, string][] = [
      [{ action: 'disable' }, 'ids'],
      [{ action: 'disable', ids: [r.id], filter: {} }, 'ids'],
      [{ action: 'move', ids: [r.id] }, 'ddiProviderId'],
      [{ action: 'enable', ids: [r.id], ddiProviderId: acme }, 'ddiProviderId'],
      [{ action: 'explode', ids: [r.id] }, 'action'],
      [{ action: 'enable', ids: Array.from({ length: 501 }, (_, i) => i + 1) }, 'ids'],
      [{ action: 'enable', filter: { state: 'sleeping' } }, 'filter'],
    ];
    for (const [json, field] of cases) {
      const res = await bulk(json);
      assert.equal(res.status, 422, `${JSON.stringify(json).slice(0, 80)}: ${res.text}`);
      assert.ok(errorBodySchema.parse(res.body).error.fields?.[field], `${field} named: ${res.text}`);
    }
  });
});
