import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ddiProviderJsonSchema, ddiProviderListJsonSchema, deletedJsonSchema, errorBodySchema } from '../../lib/api/contracts';
import { openSqlite, useServer } from './server';

const server = useServer();

async function createProvider(name: string, extra: Record<string, unknown> = {}) {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name, ...extra } });
  assert.equal(res.status, 201, res.text);
  return ddiProviderJsonSchema.parse(res.body);
}

async function createRegistration(ddiProviderId: number, n: number) {
  const res = await server.api('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId, username: `prov-user-${n}`, domain: 'sip.carrier.example', ddi: `+3480000${n}` },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.id as number;
}

describe('DDI providers', () => {
  test('create, read, list, update', async () => {
    const created = await createProvider('  Acme Telecom ', { description: 'Main carrier', ddis: ['+34911000001', '+34911000002'] });
    assert.equal(created.name, 'Acme Telecom');
    assert.deepEqual(created.ddis, ['+34911000001', '+34911000002']);
    assert.equal(created.registrationCount, 0);
    assert.equal(created.createdAt, created.updatedAt);

    const got = await server.api(`/api/ddi-providers/${created.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(ddiProviderJsonSchema.parse(got.body), created);

    await createProvider('Beta Carrier');
    const list = await server.api('/api/ddi-providers');
    assert.equal(list.status, 200);
    const parsed = ddiProviderListJsonSchema.parse(list.body);
    assert.ok(parsed.total >= 2);
    assert.deepEqual(
      parsed.items.map((p) => p.name),
      [...parsed.items.map((p) => p.name)].sort(),
    );

    await new Promise((r) => setTimeout(r, 5));
    const patched = await server.api(`/api/ddi-providers/${created.id}`, { method: 'PATCH', json: { description: 'Changed', ddis: [] } });
    assert.equal(patched.status, 200, patched.text);
    const p = ddiProviderJsonSchema.parse(patched.body);
    assert.equal(p.description, 'Changed');
    assert.equal(p.name, 'Acme Telecom');
    assert.deepEqual(p.ddis, []);
    assert.ok(p.updatedAt > created.updatedAt);
  });

  test('name is unique (create and rename) → 409 fields.name', async () => {
    await createProvider('Unique Name');
    const other = await createProvider('Other Name');
    const dup = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Unique Name' } });
    assert.equal(dup.status, 409);
    const body = errorBodySchema.parse(dup.body);
    assert.equal(body.error.code, 'conflict');
    assert.match(body.error.fields!.name!, /Unique Name/);
    const rename = await server.api(`/api/ddi-providers/${other.id}`, { method: 'PATCH', json: { name: 'Unique Name' } });
    assert.equal(rename.status, 409);
    assert.ok(rename.body.error.fields.name);
    const same = await server.api(`/api/ddi-providers/${other.id}`, { method: 'PATCH', json: { name: 'Other Name' } });
    assert.equal(same.status, 200, 'renaming to its own name is fine');
  });

  test('validation: duplicate DDIs, bad DDIs, unknown keys, wrong types', async () => {
    const dup = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'X', ddis: ['+1', '+1'] } });
    assert.equal(dup.status, 422);
    assert.ok(dup.body.error.fields.ddis);
    const types = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 42, ddis: 'nope', id: 3 } });
    assert.equal(types.status, 422);
    assert.deepEqual(Object.keys(types.body.error.fields).sort(), ['ddis', 'id', 'name']);
  });

  test('delete without registrations needs no confirmation', async () => {
    const p = await createProvider('Empty Carrier');
    const del = await server.api(`/api/ddi-providers/${p.id}`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(deletedJsonSchema.parse(del.body), { id: p.id, deletedRegistrations: 0 });
    assert.equal((await server.api(`/api/ddi-providers/${p.id}`)).status, 404);
    assert.equal((await server.api(`/api/ddi-providers/${p.id}`, { method: 'DELETE' })).status, 404);
  });

  test('delete with registrations: 409 has_registrations, then ?confirm=true cascades and journals', async () => {
    const p = await createProvider('Busy Carrier');
    const ids = [await createRegistration(p.id, 1), await createRegistration(p.id, 2), await createRegistration(p.id, 3)];
    const count = await server.api(`/api/ddi-providers/${p.id}`);
    assert.equal(count.body.registrationCount, 3);

    for (const query of ['', '?confirm=false']) {
      const refused = await server.api(`/api/ddi-providers/${p.id}${query}`, { method: 'DELETE' });
      assert.equal(refused.status, 409);
      const body = errorBodySchema.parse(refused.body);
      assert.equal(body.error.code, 'has_registrations');
      assert.match(body.error.message, /3 registrations/);
      assert.equal(body.error.fields!.registrationCount, '3');
    }
    assert.equal((await server.api(`/api/ddi-providers/${p.id}?confirm=perhaps`, { method: 'DELETE' })).status, 422);

    const db = await openSqlite(server.dbPath);
    const before = ((await db.prepare('select max(seq) as m from registration_changes').get()) as { m: number }).m;
    const del = await server.api(`/api/ddi-providers/${p.id}?confirm=true`, { method: 'DELETE' });
    assert.equal(del.status, 200, del.text);
    assert.deepEqual(del.body, { id: p.id, deletedRegistrations: 3 });
    for (const id of ids) assert.equal((await server.api(`/api/registrations/${id}`)).status, 404);
    const journal = (await db.prepare('select registration_id as id from registration_changes where seq > ? order by seq').all(before)) as { id: number }[];
    assert.deepEqual(journal.map((r) => r.id).sort(), [...ids].sort());
    await db.close();
  });

  test('Forward to: validated by the shared rule; a change journals the provider\'s registrations so the engine re-reads them', async () => {
    const p = await createProvider('Forwarding Carrier');
    assert.equal(p.forwardTo, null);
    for (const bad of ['sip:pbx@192.0.2.20', 'http://pbx.example', 'sip:192.0.2.20;transport=sctp', 'pbx.example']) {
      const res = await server.api(`/api/ddi-providers/${p.id}`, { method: 'PATCH', json: { forwardTo: bad } });
      assert.equal(res.status, 422, `${bad}: ${res.text}`);
      assert.match(errorBodySchema.parse(res.body).error.fields!.forwardTo!, /without a user part/);
    }
    const ids = [await createRegistration(p.id, 91), await createRegistration(p.id, 92)];
    const db = await openSqlite(server.dbPath);
    const before = ((await db.prepare('select max(seq) as m from registration_changes').get()) as { m: number }).m;
    const set = await server.api(`/api/ddi-providers/${p.id}`, { method: 'PATCH', json: { forwardTo: 'sip:pbx.example.com;transport=tcp' } });
    assert.equal(set.status, 200, set.text);
    assert.equal(ddiProviderJsonSchema.parse(set.body).forwardTo, 'sip:pbx.example.com;transport=tcp');
    const journal = (await db.prepare('select registration_id as id from registration_changes where seq > ? order by seq').all(before)) as { id: number }[];
    assert.deepEqual(journal.map((r) => r.id).sort(), [...ids].sort());
    // '' clears it (back to SIP_FORWARD_TO)
    const cleared = await server.api(`/api/ddi-providers/${p.id}`, { method: 'PATCH', json: { forwardTo: '' } });
    assert.equal(ddiProviderJsonSchema.parse(cleared.body).forwardTo, null);
    await db.close();
  });

  test('unknown or malformed id → 404', async () => {
    for (const path of ['/api/ddi-providers/999999', '/api/ddi-providers/abc', '/api/ddi-providers/0']) {
      const res = await server.api(path);
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 'not_found');
    }
    assert.equal((await server.api('/api/ddi-providers/999999', { method: 'PATCH', json: { name: 'X' } })).status, 404);
  });
});
