/**
 * The audit log through the API: who created, changed, disabled, enabled or deleted what, with
 * field-level before/after; the password only as "changed"; the per-registration history after
 * deletion; filters and pagination.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { auditListJsonSchema, ddiProviderJsonSchema, registrationJsonSchema, type AuditEntryJson, type AuditList } from '../../lib/api/contracts';
import { signIn, TEST_ADMIN } from '../portal-process';
import { useServer } from './server';

const server = useServer();

const SIP_PASSWORD = 'Audit-sip-secret-4471';
const NEW_SIP_PASSWORD = 'Audit-sip-secret-9902';

/** Every audit response text, to check that no password ever shows up in one. */
const auditTexts: string[] = [];

async function auditList(path: string): Promise<AuditList> {
  const res = await server.api(path);
  assert.equal(res.status, 200, res.text);
  auditTexts.push(res.text);
  return auditListJsonSchema.parse(res.body);
}

const history = (id: number, query = '') => auditList(`/api/registrations/${id}/audit${query}`);
const globalLog = (query = '') => auditList(`/api/audit${query}`);

async function createProvider(name: string, extra: Record<string, unknown> = {}) {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name, ...extra } });
  assert.equal(res.status, 201, res.text);
  return ddiProviderJsonSchema.parse(res.body);
}

async function createRegistration(json: Record<string, unknown>, auth?: { token: string }) {
  const res = await server.api('/api/registrations', { method: 'POST', json, auth });
  assert.equal(res.status, 201, res.text);
  return registrationJsonSchema.parse(res.body);
}

async function patchRegistration(id: number, json: Record<string, unknown>) {
  const res = await server.api(`/api/registrations/${id}`, { method: 'PATCH', json });
  assert.equal(res.status, 200, res.text);
  return registrationJsonSchema.parse(res.body);
}

function assertAdminSession(entry: AuditEntryJson) {
  assert.equal(entry.actor, TEST_ADMIN.email);
  assert.equal(entry.via, 'session');
  assert.equal(typeof entry.operatorId, 'number');
}

describe('audit log of registrations', () => {
  test('create, update, disable, enable, delete: one entry each, with field-level before/after', async () => {
    const provider = await createProvider('Audit Carrier');
    const r = await createRegistration({
      ddiProviderId: provider.id,
      username: 'audit-alice',
      domain: 'sip.audit.example',
      ddi: '+34922000001',
      password: SIP_PASSWORD,
    });
    const label = 'audit-alice@sip.audit.example (DDI +34922000001)';

    await patchRegistration(r.id, { expires: 120, realm: 'audit-realm', password: NEW_SIP_PASSWORD });
    await patchRegistration(r.id, { enabled: false });
    await patchRegistration(r.id, { enabled: true });
    const mixed = await patchRegistration(r.id, { enabled: false, username: 'audit-alice2' });
    // Changes nothing: no entry, no new revision.
    const same = await patchRegistration(r.id, { expires: 120, password: '' });
    assert.equal(same.revision, mixed.revision);
    // A refused write leaves no entry either.
    const conflict = await server.api('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: provider.id, username: 'audit-bob', domain: 'sip.audit.example', ddi: '+34922000001' },
    });
    assert.equal(conflict.status, 409);
    assert.equal((await server.api(`/api/registrations/${r.id}`, { method: 'DELETE' })).status, 200);

    const { items, total } = await history(r.id);
    assert.equal(total, 6);
    assert.deepEqual(
      items.map((e) => e.action),
      ['delete', 'update', 'enable', 'disable', 'update', 'create'],
      'newest first',
    );
    for (const e of items) {
      assertAdminSession(e);
      assert.equal(e.entityType, 'registration');
      assert.equal(e.entityId, r.id);
      assert.equal(e.entityExists, false, 'deleted since');
    }
    assert.ok(items.every((e, i) => i === 0 || e.id < items[i - 1]!.id));
    const [deleted, update2, enable, disable, update1, create] = items as [AuditEntryJson, AuditEntryJson, AuditEntryJson, AuditEntryJson, AuditEntryJson, AuditEntryJson];

    assert.equal(create.entityLabel, label);
    assert.deepEqual(create.changes, {
      ddiProviderId: { before: null, after: provider.id },
      username: { before: null, after: 'audit-alice' },
      domain: { before: null, after: 'sip.audit.example' },
      ddi: { before: null, after: '+34922000001' },
      password: { before: null, after: 'changed' },
      expires: { before: null, after: 3600 },
      transport: { before: null, after: 'auto' },
      enabled: { before: null, after: true },
    });
    assert.deepEqual(update1.changes, {
      expires: { before: 3600, after: 120 },
      realm: { before: null, after: 'audit-realm' },
      password: { before: 'set', after: 'changed' },
    });
    assert.deepEqual(disable.changes, { enabled: { before: true, after: false } });
    assert.deepEqual(enable.changes, { enabled: { before: false, after: true } });
    assert.deepEqual(update2.changes, {
      enabled: { before: true, after: false },
      username: { before: 'audit-alice', after: 'audit-alice2' },
    });
    assert.equal(update2.entityLabel, 'audit-alice2@sip.audit.example (DDI +34922000001)');
    assert.equal(deleted.entityLabel, 'audit-alice2@sip.audit.example (DDI +34922000001)');
    assert.deepEqual(deleted.changes, {
      ddiProviderId: { before: provider.id, after: null },
      username: { before: 'audit-alice2', after: null },
      domain: { before: 'sip.audit.example', after: null },
      ddi: { before: '+34922000001', after: null },
      password: { before: 'set', after: null },
      realm: { before: 'audit-realm', after: null },
      expires: { before: 120, after: null },
      transport: { before: 'auto', after: null },
      enabled: { before: false, after: null },
    });
    for (const e of items) assert.ok(e.at >= r.createdAt);
  });

  test('with an API token the entry names the token; Register now and Unregister are recorded', async () => {
    const created = await server.api('/api/tokens', { method: 'POST', json: { name: 'ci-bot', currentPassword: TEST_ADMIN.password } });
    assert.equal(created.status, 201, created.text);
    const auth = { token: created.body.token as string };
    const provider = await createProvider('Token Carrier');
    const r = await createRegistration({ ddiProviderId: provider.id, username: 'audit-token', domain: 'sip.audit.example', ddi: '+34922000101' }, auth);
    assert.equal((await server.api(`/api/registrations/${r.id}/register`, { method: 'POST', auth })).status, 202);
    assert.equal((await server.api(`/api/registrations/${r.id}/unregister`, { method: 'POST', auth })).status, 202);

    const { items } = await history(r.id);
    assert.deepEqual(
      items.map((e) => e.action),
      ['unregister', 'register_now', 'create'],
    );
    for (const e of items) {
      assert.equal(e.actor, TEST_ADMIN.email);
      assert.equal(e.via, 'token:ci-bot');
      assert.equal(e.entityExists, true);
      assert.equal(e.entityLabel, 'audit-token@sip.audit.example (DDI +34922000101)');
    }
    assert.deepEqual(items[0]!.changes, {});
    assert.deepEqual(items[1]!.changes, {});
  });

  test('a registration that never existed has no history (404); a bad query → 422', async () => {
    assert.equal((await server.api('/api/registrations/999999/audit')).status, 404);
    assert.equal((await server.api('/api/registrations/abc/audit')).status, 404);
    assert.equal((await server.api('/api/registrations/1/audit?pageSize=500')).status, 422);
    assert.equal((await server.api('/api/registrations/1/audit?entityType=registration')).status, 422, 'fixed by the path');
  });
});

describe('audit log of DDI providers', () => {
  test('create, update (revision bumped), delete with its registrations: each registration history ends with its deletion', async () => {
    const p = await createProvider('Cascade Carrier', { description: 'first', ddis: ['+34922000201'] });
    assert.equal(p.revision, 1);
    const res = await server.api(`/api/ddi-providers/${p.id}`, { method: 'PATCH', json: { name: 'Cascade Carrier 2', ddis: ['+34922000201', '+34922000202'] } });
    assert.equal(res.status, 200, res.text);
    assert.equal(ddiProviderJsonSchema.parse(res.body).revision, 2);
    const a = await createRegistration({ ddiProviderId: p.id, username: 'cascade-a', domain: 'sip.audit.example', ddi: '+34922000201' });
    const b = await createRegistration({ ddiProviderId: p.id, username: 'cascade-b', domain: 'sip.audit.example', ddi: '+34922000202', password: SIP_PASSWORD });
    const del = await server.api(`/api/ddi-providers/${p.id}?confirm=true`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);

    const { items } = await globalLog(`?entityType=ddi_provider&entityId=${p.id}`);
    assert.deepEqual(
      items.map((e) => e.action),
      ['delete', 'update', 'create'],
    );
    const [deleted, updated, created] = items as [AuditEntryJson, AuditEntryJson, AuditEntryJson];
    for (const e of items) {
      assertAdminSession(e);
      assert.equal(e.entityExists, false);
    }
    assert.equal(created.entityLabel, 'Cascade Carrier');
    assert.deepEqual(created.changes, { name: { before: null, after: 'Cascade Carrier' }, description: { before: null, after: 'first' }, ddis: { before: null, after: ['+34922000201'] } });
    assert.equal(updated.entityLabel, 'Cascade Carrier 2');
    assert.deepEqual(updated.changes, {
      name: { before: 'Cascade Carrier', after: 'Cascade Carrier 2' },
      ddis: { before: ['+34922000201'], after: ['+34922000201', '+34922000202'] },
    });
    assert.equal(deleted.entityLabel, 'Cascade Carrier 2');
    assert.deepEqual(deleted.changes, {
      name: { before: 'Cascade Carrier 2', after: null },
      description: { before: 'first', after: null },
      ddis: { before: ['+34922000201', '+34922000202'], after: null },
    });

    for (const r of [a, b]) {
      const h = await history(r.id);
      assert.deepEqual(
        h.items.map((e) => e.action),
        ['delete', 'create'],
      );
      assert.equal(h.items[0]!.changes.ddiProviderId?.before, p.id);
      assertAdminSession(h.items[0]!);
    }
    assert.deepEqual((await history(b.id)).items[0]!.changes.password, { before: 'set', after: null });
    // The registrations' deletions come before the provider's own in the log.
    const around = await globalLog(`?action=delete&pageSize=3`);
    assert.deepEqual(
      around.items.map((e) => [e.entityType, e.entityId]),
      [
        ['ddi_provider', p.id],
        ['registration', b.id],
        ['registration', a.id],
      ],
    );
  });

  test('a provider patch that changes nothing writes no entry and keeps the revision', async () => {
    const p = await createProvider('Idle Carrier', { description: 'same' });
    const res = await server.api(`/api/ddi-providers/${p.id}`, { method: 'PATCH', json: { description: 'same' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 1);
    const { items } = await globalLog(`?entityType=ddi_provider&entityId=${p.id}`);
    assert.deepEqual(
      items.map((e) => e.action),
      ['create'],
    );
  });
});

describe('global audit view: filters and pagination', () => {
  test('entity type, actor text, action; pages newest first; bad queries → 422', async () => {
    const all = await globalLog('?pageSize=200');
    assert.ok(all.total >= 15, `total ${all.total}`);
    assert.equal(all.page, 1);
    assert.equal(all.pageSize, 200);
    assert.ok(all.items.every((e, i) => i === 0 || e.id < all.items[i - 1]!.id), 'newest first');

    const providers = await globalLog('?entityType=ddi_provider');
    assert.ok(providers.total > 0 && providers.items.every((e) => e.entityType === 'ddi_provider'));
    const disables = await globalLog('?action=disable');
    assert.ok(disables.total > 0 && disables.items.every((e) => e.action === 'disable'));

    const byToken = await globalLog('?actor=CI-BOT');
    assert.ok(byToken.total >= 3);
    assert.ok(byToken.items.every((e) => e.via === 'token:ci-bot'));
    const byEmail = await globalLog(`?actor=${encodeURIComponent('admin@portal')}`);
    assert.equal(byEmail.total, all.items.filter((e) => e.actor === TEST_ADMIN.email).length);
    assert.ok(byEmail.total > 0 && byEmail.items.every((e) => e.actor === TEST_ADMIN.email));
    assert.equal((await globalLog('?actor=nobody-at-all')).total, 0);
    assert.equal((await globalLog('?actor=%25')).total, 0, 'LIKE wildcards are matched literally');

    const page1 = await globalLog('?pageSize=4&page=1');
    const page2 = await globalLog('?pageSize=4&page=2');
    assert.equal(page1.total, all.total);
    assert.equal(page1.items.length, 4);
    assert.deepEqual(
      [...page1.items, ...page2.items].map((e) => e.id),
      all.items.slice(0, 8).map((e) => e.id),
    );
    assert.equal((await globalLog(`?pageSize=4&page=${Math.ceil(all.total / 4) + 1}`)).items.length, 0);

    for (const bad of ['pageSize=201', 'pageSize=0', 'page=0', 'entityType=bogus', 'entityId=-1', 'action=DROP%20TABLE', 'bogus=1']) {
      const res = await server.api(`/api/audit?${bad}`);
      assert.equal(res.status, 422, `${bad}: ${res.text}`);
      assert.equal(res.body.error.code, 'validation');
    }
    assert.equal((await server.api('/api/audit', { auth: 'none' })).status, 401);
  });

  test('entries about operators and API tokens are for admins only: viewers and editors cannot enumerate operators', async () => {
    const ops: Array<{ role: string; email: string; password: string }> = [];
    for (const role of ['viewer', 'editor'] as const) {
      const op = { role, email: `audit-${role}@portal.test`, password: `Audit-${role}-pass-1` };
      server.ledger.secret(op.password, `the ${role}'s password`);
      const res = await server.api('/api/operators', { method: 'POST', json: { email: op.email, name: `Audit ${role}`, role, password: op.password } });
      assert.equal(res.status, 201, res.text);
      ops.push(op);
    }
    const admin = await globalLog('?entityType=operator');
    assert.ok(admin.total >= 2, 'the admin sees the operator entries');
    for (const op of ops) {
      const auth = { session: await signIn(server.baseUrl, op.email, op.password) };
      for (const query of ['?entityType=operator', '?entityType=api_token', '', '?actor=audit-', `?actor=${encodeURIComponent(TEST_ADMIN.email)}`]) {
        const res = await server.api(`/api/audit${query}`, { auth });
        assert.equal(res.status, 200, res.text);
        const list = auditListJsonSchema.parse(res.body);
        auditTexts.push(res.text);
        assert.deepEqual(list.items.filter((e) => e.entityType === 'operator' || e.entityType === 'api_token'), [], `${op.role} ${query}`);
        assert.ok(!res.text.includes('audit-viewer@portal.test') || op.role === 'viewer', `${op.role} ${query} names no other operator`);
      }
      const registrations = auditListJsonSchema.parse((await server.api('/api/audit?entityType=registration', { auth })).body);
      assert.ok(registrations.total > 0, `${op.role} still reads the registrations' history`);
    }
  });

  test('no password ever appears in an audit response', () => {
    assert.ok(auditTexts.length > 5);
    for (const text of auditTexts) {
      assert.ok(!text.includes(SIP_PASSWORD) && !text.includes(NEW_SIP_PASSWORD), 'SIP password in an audit response');
      assert.ok(!text.includes(TEST_ADMIN.password));
    }
  });
});
