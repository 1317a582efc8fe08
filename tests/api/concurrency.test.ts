/**
 * Optimistic concurrency: a PATCH carrying the revision it was made on succeeds only while that is
 * still the stored revision; otherwise 409 `stale` with the entity as it is now. Without
 * `revision` (scripts) a PATCH applies as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ddiProviderJsonSchema, errorBodySchema, registrationJsonSchema } from '../../lib/api/contracts';
import { useServer } from './server';

const server = useServer();

const patch = (path: string, json: unknown) => server.api(path, { method: 'PATCH', json });

async function createProvider(name: string) {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name } });
  assert.equal(res.status, 201, res.text);
  return ddiProviderJsonSchema.parse(res.body);
}

/** Asserts a 409 `stale` with `message`, whose `current` equals what GET `path` answers now. */
async function assertStale(res: Awaited<ReturnType<typeof patch>>, path: string, message: string) {
  assert.equal(res.status, 409, res.text);
  const { error } = errorBodySchema.parse(res.body);
  assert.equal(error.code, 'stale');
  assert.equal(error.message, message);
  const now = await server.api(path);
  assert.deepEqual(error.current, now.body);
  return now.body;
}

describe('registration revision', () => {
  test('current revision succeeds and bumps it; an old one → 409 stale with current; none still applies', async () => {
    const provider = await createProvider('Concurrency Carrier');
    const created = await server.api('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: provider.id, username: 'cc-user', domain: 'sip.cc.example', ddi: '+34933000001' },
    });
    assert.equal(created.status, 201, created.text);
    const path = `/api/registrations/${created.body.id}`;
    assert.equal(created.body.revision, 1);

    let res = await patch(path, { revision: 1, expires: 120 });
    assert.equal(res.status, 200, res.text);
    assert.equal(registrationJsonSchema.parse(res.body).revision, 2);

    // Another operator's edit, made on revision 1, is refused and changes nothing.
    res = await patch(path, { revision: 1, realm: 'late', ddi: '+34933000002' });
    const current = registrationJsonSchema.parse(
      await assertStale(res, path, 'Someone else changed this registration since you opened it.'),
    );
    assert.equal(current.revision, 2);
    assert.equal(current.expires, 120);
    assert.equal(current.realm, null);
    assert.equal(current.ddi, '+34933000001');

    // Resubmitted on the revision it was shown.
    res = await patch(path, { revision: current.revision, realm: 'late' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 3);
    assert.equal(res.body.realm, 'late');

    // Scripts send no revision: last write wins as before.
    res = await patch(path, { expires: 300 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 4);

    // A patch that changes nothing keeps the revision.
    res = await patch(path, { revision: 4, expires: 300 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 4);
  });

  test('stale is checked before anything else about the edit, and a bad revision → 422', async () => {
    const provider = await createProvider('Stale First Carrier');
    const mk = async (n: number) => {
      const res = await server.api('/api/registrations', {
        method: 'POST',
        json: { ddiProviderId: provider.id, username: `sf-${n}`, domain: 'sip.cc.example', ddi: `+3493301000${n}` },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.id as number;
    };
    const a = await mk(1);
    await mk(2);
    const path = `/api/registrations/${a}`;
    assert.equal((await patch(path, { enabled: false })).status, 200);
    // Would be a DDI conflict, but the edit is on an old revision first of all.
    await assertStale(await patch(path, { revision: 1, ddi: '+34933010002' }), path, 'Someone else changed this registration since you opened it.');

    for (const revision of [0, -1, 1.5, '2', null]) {
      const res = await patch(path, { revision, expires: 600 });
      assert.equal(res.status, 422, `${JSON.stringify(revision)}: ${res.text}`);
      assert.ok(errorBodySchema.parse(res.body).error.fields?.revision);
    }
    assert.equal((await patch('/api/registrations/999999', { revision: 1, expires: 600 })).status, 404);
  });

  test('two edits made on the same revision at once: exactly one wins', async () => {
    const provider = await createProvider('Race Carrier');
    const created = await server.api('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: provider.id, username: 'race-user', domain: 'sip.cc.example', ddi: '+34933020001' },
    });
    const path = `/api/registrations/${created.body.id}`;
    const answers = await Promise.all([patch(path, { revision: 1, expires: 120 }), patch(path, { revision: 1, expires: 240 })]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409]);
    const winner = answers.find((r) => r.status === 200)!;
    const after = await server.api(path);
    assert.equal(after.body.revision, 2);
    assert.equal(after.body.expires, winner.body.expires);
  });
});

describe('provider revision', () => {
  test('exposed, bumped on update; old revision → 409 stale with current; none still applies', async () => {
    const p = await createProvider('Provider Revision Carrier');
    const path = `/api/ddi-providers/${p.id}`;
    assert.equal(p.revision, 1);
    assert.equal(ddiProviderJsonSchema.parse((await server.api(path)).body).revision, 1);

    let res = await patch(path, { revision: 1, description: 'first edit' });
    assert.equal(res.status, 200, res.text);
    assert.equal(ddiProviderJsonSchema.parse(res.body).revision, 2);

    res = await patch(path, { revision: 1, description: 'late edit', name: 'Renamed' });
    const current = ddiProviderJsonSchema.parse(await assertStale(res, path, 'Someone else changed this provider since you opened it.'));
    assert.equal(current.description, 'first edit');
    assert.equal(current.name, 'Provider Revision Carrier');

    res = await patch(path, { ddis: ['+34933030001'] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 3);

    res = await patch(path, { revision: 3, ddis: ['+34933030001'] });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.revision, 3, 'no change, no new revision');

    const list = await server.api('/api/ddi-providers');
    assert.equal(list.body.items.find((x: { id: number }) => x.id === p.id).revision, 3);

    res = await patch(path, { revision: 'x' });
    assert.equal(res.status, 422);
    assert.equal((await patch('/api/ddi-providers/999999', { revision: 1, description: 'x' })).status, 404);
  });
});
