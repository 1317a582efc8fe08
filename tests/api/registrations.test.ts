import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  availabilityJsonSchema,
  ddiSuggestionJsonSchema,
  errorBodySchema,
  registrationJsonSchema,
  registrationListJsonSchema,
  type RegistrationJson,
} from '../../lib/api/contracts';
import { openSqlite, useServer } from './server';

const server = useServer();

const FIELDS = [
  'id', 'ddiProviderId', 'ddiProviderName', 'username', 'domain', 'ddi', 'authUsername', 'registerServerUri', 'realm',
  'expires', 'transport', 'enabled', 'hasPassword', 'revision', 'createdAt', 'updatedAt', 'status', 'lease',
].sort();

let acme: number;
let beta: number;

async function provider(name: string, ddis: string[] = []) {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name, ddis } });
  assert.equal(res.status, 201, res.text);
  return res.body.id as number;
}

async function create(json: Record<string, unknown>): Promise<RegistrationJson> {
  const res = await server.api('/api/registrations', { method: 'POST', json });
  assert.equal(res.status, 201, res.text);
  assert.ok(!/password"\s*:/.test(res.text), 'password never returned');
  return registrationJsonSchema.parse(res.body);
}

async function patch(id: number, json: Record<string, unknown>) {
  return server.api(`/api/registrations/${id}`, { method: 'PATCH', json });
}

async function journal(id: number): Promise<number> {
  const db = await openSqlite(server.dbPath);
  try {
    return ((await db.prepare('select count(*) as n from registration_changes where registration_id = ?').get(id)) as { n: number }).n;
  } finally {
    await db.close();
  }
}

before(async () => {
  acme = await provider('Acme', ['+34911000001', '+34911000002']);
  beta = await provider('Beta Networks');
});

describe('registrations CRUD', () => {
  test('create returns exactly the documented fields, with defaults and normalisation', async () => {
    const r = await create({ ddiProviderId: acme, username: '883200145', domain: 'SIP.Acme.Example', ddi: '+34911000001', password: 's3cret' });
    assert.deepEqual(Object.keys(r).sort(), FIELDS);
    assert.equal(r.ddiProviderName, 'Acme');
    assert.equal(r.domain, 'sip.acme.example');
    assert.equal(r.expires, 3600);
    assert.equal(r.transport, 'auto', 'transport auto (RFC 3263 §4.1) is the default for new registrations');
    assert.equal(r.enabled, true);
    assert.equal(r.hasPassword, true);
    assert.equal(r.revision, 1);
    assert.equal(r.status, null);
    assert.equal(r.authUsername, null);

    const got = await server.api(`/api/registrations/${r.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(registrationJsonSchema.parse(got.body), r);
    assert.ok(!got.text.includes('s3cret'));
    assert.equal(await journal(r.id), 1);
  });

  test('all fields on create; empty optional texts become null', async () => {
    const r = await create({
      ddiProviderId: beta,
      username: 'full',
      domain: '[2001:db8::10]:5060',
      ddi: '+34922000001',
      authUsername: 'authuser',
      registerServerUri: 'sips:registrar.beta.example:5061;transport=tls',
      realm: '',
      expires: 600,
      transport: 'tls',
      enabled: false,
      password: '',
    });
    assert.equal(r.authUsername, 'authuser');
    assert.equal(r.registerServerUri, 'sips:registrar.beta.example:5061;transport=tls');
    assert.equal(r.realm, null);
    assert.equal(r.expires, 600);
    assert.equal(r.transport, 'tls');
    assert.equal(r.enabled, false);
    assert.equal(r.hasPassword, false);
  });

  test('password: never returned; absent or "" keeps, null clears, string sets', async () => {
    const r = await create({ ddiProviderId: acme, username: 'pw-user', domain: 'sip.acme.example', ddi: '+34911000100', password: 'first' });
    assert.equal(r.hasPassword, true);

    let res = await patch(r.id, { expires: 1800 }); // not the domain, registrar URI or realm: those need the password again
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.hasPassword, true, 'absent keeps');
    res = await patch(r.id, { password: '' });
    assert.equal(res.body.hasPassword, true, "'' keeps");
    res = await patch(r.id, { password: null });
    assert.equal(res.body.hasPassword, false, 'null clears');
    res = await patch(r.id, { password: 'Second-pw-9' });
    assert.equal(res.body.hasPassword, true, 'string sets');
    assert.ok(!res.text.includes('Second-pw-9'));

    const db = await openSqlite(server.dbPath);
    const stored = ((await db.prepare('select password from registrations where id = ?').get(r.id)) as { password: string }).password;
    assert.match(stored, /^enc:v1:/, 'stored sealed, not in clear');
    assert.ok(!stored.includes('Second-pw-9'));
    await db.close();

    const list = await server.api('/api/registrations?q=pw-user');
    assert.ok(!list.text.includes('Second-pw-9') && !/"password"/.test(list.text));
  });

  test('each successful update increments revision, sets updatedAt and journals; failures do not', async () => {
    const r = await create({ ddiProviderId: acme, username: 'rev-user', domain: 'sip.acme.example', ddi: '+34911000200' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    let res = await patch(r.id, { expires: 120 });
    assert.equal(res.body.revision, 2);
    assert.ok(res.body.updatedAt > r.updatedAt);
    assert.equal(res.body.createdAt, r.createdAt);
    res = await patch(r.id, { enabled: false, ddiProviderId: beta });
    assert.equal(res.body.revision, 3);
    assert.equal(res.body.ddiProviderName, 'Beta Networks');
    assert.equal(await journal(r.id), 3);

    res = await patch(r.id, { expires: 10 });
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.expires);
    res = await patch(r.id, { ddiProviderId: 999999 });
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.ddiProviderId);
    const after = await server.api(`/api/registrations/${r.id}`);
    assert.equal(after.body.revision, 3);
    assert.equal(await journal(r.id), 3);
  });

  test('status is the registration_status row when the engine wrote one; registered past expiresAt reads as retrying (expired)', async () => {
    const r = await create({ ddiProviderId: acme, username: 'status-user', domain: 'sip.acme.example', ddi: '+34911000300' });
    const lapsed = await create({ ddiProviderId: acme, username: 'status-lapsed', domain: 'sip.acme.example', ddi: '+34911000301' });
    const at = Date.now() - 1000;
    const db = await openSqlite(server.dbPath);
    const insert = db.prepare(
      `insert into registration_status (registration_id, state, code, reason, at, attempts, requested_expires, granted_expires, expires_at, next_attempt_at, target, last_success_at)
       values (?, 'registered', 200, 'OK', ?, 0, 3600, 1800, ?, ?, 'udp:192.0.2.10:5060', ?)`,
    );
    await insert.run(r.id, at, at + 1_800_000, at + 1_700_000, at);
    await insert.run(lapsed.id, 1000, 1_801_000, 1_700_000, 1000);
    await db.close();
    const got = await server.api(`/api/registrations/${r.id}`);
    assert.deepEqual(registrationJsonSchema.parse(got.body).status, {
      state: 'registered',
      code: 200,
      reason: 'OK',
      at,
      attempts: 0,
      requestedExpires: 3600,
      grantedExpires: 1800,
      expiresAt: at + 1_800_000,
      nextAttemptAt: at + 1_700_000,
      target: 'udp:192.0.2.10:5060',
      lastSuccessAt: at,
    });
    // The engine that wrote it is gone (nothing refreshed it): the binding lapsed at expiresAt.
    const old = await server.api(`/api/registrations/${lapsed.id}`);
    assert.deepEqual(registrationJsonSchema.parse(old.body).status, {
      state: 'retrying',
      code: null,
      reason: 'expired',
      at: 1_801_000,
      attempts: 0,
      requestedExpires: 3600,
      grantedExpires: 1800,
      expiresAt: 1_801_000,
      nextAttemptAt: 1_700_000,
      target: 'udp:192.0.2.10:5060',
      lastSuccessAt: 1000,
    });
  });

  test('delete journals, then 404', async () => {
    const r = await create({ ddiProviderId: acme, username: 'del-user', domain: 'sip.acme.example', ddi: '+34911000400' });
    const del = await server.api(`/api/registrations/${r.id}`, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { id: r.id });
    assert.equal(await journal(r.id), 2);
    assert.equal((await server.api(`/api/registrations/${r.id}`)).status, 404);
    assert.equal((await server.api(`/api/registrations/${r.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await patch(r.id, { enabled: true })).status, 404);
  });

  test('transport: omitted → auto; each setting accepted; a stored one kept by PATCHes of other fields; unknown → 422', async () => {
    const auto = await create({ ddiProviderId: acme, username: 'tr-auto', domain: 'sip.acme.example', ddi: '+34911000901' });
    assert.equal(auto.transport, 'auto');
    for (const [i, transport] of (['auto', 'udp', 'tcp', 'tls'] as const).entries()) {
      const r = await create({ ddiProviderId: acme, username: `tr-${transport}`, domain: 'sip.beta.example', ddi: `+3491100091${i}`, transport });
      assert.equal(r.transport, transport);
    }
    // A row stored before `auto` existed (the SQL column default is still 'udp') keeps its value.
    const db = await openSqlite(server.dbPath);
    let legacy: number;
    try {
      legacy = Number(
        (await db.prepare("insert into registrations (ddi_provider_id, username, domain, ddi) values (?, 'tr-legacy', 'sip.acme.example', '+34911000920')").run(acme)).lastInsertRowid,
      );
    } finally {
      await db.close();
    }
    const kept = await patch(legacy, { expires: 1800 });
    assert.equal(kept.status, 200, kept.text);
    assert.equal(kept.body.transport, 'udp');
    const bad = await patch(auto.id, { transport: 'sctp' });
    assert.equal(bad.status, 422);
    assert.ok(bad.body.error.fields.transport);
  });

  test('unknown provider on create → 422 fields.ddiProviderId', async () => {
    const res = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: 999999, username: 'x', domain: 'sip.x.example', ddi: '1' } });
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.ddiProviderId);
  });
});

describe('uniqueness', () => {
  test('DDI and username+domain conflicts → 409 with field messages naming the holder', async () => {
    const holder = await create({ ddiProviderId: acme, username: 'holder', domain: 'sip.acme.example', ddi: '+34911000500' });
    let res = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: beta, username: 'other', domain: 'sip.acme.example', ddi: '+34911000500' } });
    assert.equal(res.status, 409);
    let body = errorBodySchema.parse(res.body);
    assert.equal(body.error.code, 'conflict');
    assert.equal(body.error.fields!.ddi, `DDI +34911000500 is already used by registration #${holder.id} of provider "Acme".`);

    res = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: beta, username: 'holder', domain: 'SIP.ACME.EXAMPLE', ddi: '+34911000501' } });
    assert.equal(res.status, 409);
    body = errorBodySchema.parse(res.body);
    assert.match(body.error.fields!.username!, new RegExp(`registration #${holder.id} of provider "Acme"`));
    assert.equal(body.error.fields!.ddi, undefined);

    const other = await create({ ddiProviderId: beta, username: 'other', domain: 'sip.acme.example', ddi: '+34911000502' });
    res = await patch(other.id, { ddi: '+34911000500' });
    assert.equal(res.status, 409);
    assert.ok(res.body.error.fields.ddi);
    res = await patch(holder.id, { ddi: '+34911000500', username: 'holder' });
    assert.equal(res.status, 200, 'its own values are no conflict');
  });
});

describe('list', () => {
  before(async () => {
    const p = await provider('Zeta Search Carrier');
    for (let i = 1; i <= 25; i++) {
      await create({ ddiProviderId: p, username: `list${String(i).padStart(2, '0')}`, domain: `d${i % 3}.zeta.example`, ddi: `+3493300${String(i).padStart(4, '0')}` });
    }
  });

  test('pagination: total, page, pageSize', async () => {
    const res = await server.api('/api/registrations?q=zeta%20search&pageSize=10&page=3&sort=username');
    assert.equal(res.status, 200);
    const page = registrationListJsonSchema.parse(res.body);
    assert.equal(page.total, 25);
    assert.equal(page.page, 3);
    assert.equal(page.pageSize, 10);
    assert.deepEqual(page.items.map((r) => r.username), ['list21', 'list22', 'list23', 'list24', 'list25']);
    const beyond = await server.api('/api/registrations?q=zeta%20search&pageSize=10&page=9');
    assert.equal(beyond.body.items.length, 0);
    assert.equal(beyond.body.total, 25);
  });

  test('search matches username, domain, ddi and provider name, case-insensitively; wildcards are literal', async () => {
    assert.equal((await server.api('/api/registrations?q=LIST1')).body.total, 10);
    assert.equal((await server.api('/api/registrations?q=d2.zeta')).body.total, 8);
    assert.equal((await server.api(`/api/registrations?q=${encodeURIComponent('+3493300001')}`)).body.total, 10);
    assert.equal((await server.api('/api/registrations?q=zeta%20SEARCH')).body.total, 25);
    assert.equal((await server.api('/api/registrations?q=%25')).body.total, 0);
    assert.equal((await server.api('/api/registrations?q=list_1')).body.total, 0);
  });

  test('filter by provider and sort both ways', async () => {
    const all = await server.api(`/api/registrations?ddiProviderId=${beta}&pageSize=500`);
    assert.ok(all.body.items.length > 0);
    assert.ok(all.body.items.every((r: RegistrationJson) => r.ddiProviderId === beta));
    for (const sort of ['id', 'username', 'domain', 'ddi', 'provider', 'updatedAt'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const res = await server.api(`/api/registrations?sort=${sort}&order=${order}&pageSize=500`);
        assert.equal(res.status, 200);
        const key = (r: RegistrationJson) => (sort === 'provider' ? r.ddiProviderName : r[sort]);
        const values = (res.body.items as RegistrationJson[]).map(key);
        const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        if (order === 'desc') sorted.reverse();
        assert.deepEqual(values, sorted, `${sort} ${order}`);
      }
    }
  });

  test('empty params are ignored; invalid ones → 422 with the field', async () => {
    assert.equal((await server.api('/api/registrations?q=&ddiProviderId=&page=')).status, 200);
    for (const [query, field] of [['page=0', 'page'], ['pageSize=1000', 'pageSize'], ['sort=password', 'sort'], ['order=sideways', 'order'], ['ddiProviderId=abc', 'ddiProviderId']]) {
      const res = await server.api(`/api/registrations?${query}`);
      assert.equal(res.status, 422, query);
      assert.ok(res.body.error.fields[field!], query);
    }
  });
});

describe('availability', () => {
  let held: RegistrationJson;
  before(async () => {
    held = await create({ ddiProviderId: acme, username: 'avail', domain: 'sip.avail.example', ddi: '+34911000002' });
  });

  test('ddi: taken, free, excludeId', async () => {
    let res = await server.api(`/api/registrations/availability?ddi=${encodeURIComponent('+34911000002')}`);
    assert.equal(res.status, 200);
    assert.deepEqual(availabilityJsonSchema.parse(res.body), {
      available: false,
      heldBy: { registrationId: held.id, ddiProviderId: acme, ddiProviderName: 'Acme' },
    });
    res = await server.api(`/api/registrations/availability?ddi=${encodeURIComponent('+34911000002')}&excludeId=${held.id}`);
    assert.deepEqual(res.body, { available: true });
    res = await server.api('/api/registrations/availability?ddi=555000111');
    assert.deepEqual(res.body, { available: true });
  });

  test('username+domain (domain normalised), excludeId', async () => {
    let res = await server.api('/api/registrations/availability?username=avail&domain=SIP.Avail.Example');
    assert.equal(res.body.available, false);
    assert.equal(res.body.heldBy.registrationId, held.id);
    res = await server.api(`/api/registrations/availability?username=avail&domain=sip.avail.example&excludeId=${held.id}`);
    assert.equal(res.body.available, true);
    res = await server.api('/api/registrations/availability?username=Avail&domain=sip.avail.example');
    assert.equal(res.body.available, true, 'SIP user parts are case-sensitive');
  });

  test('invalid values → 422 with field errors', async () => {
    for (const [query, fields] of [
      ['ddi=12a', ['ddi']],
      ['ddi=', ['ddi']],
      ['ddi=1&excludeId=x', ['excludeId']],
      ['username=a%20b&domain=bad_domain', ['username', 'domain']],
      ['username=ok', ['domain']],
      ['ddi=1&other=2', ['other']],
    ] as const) {
      const res = await server.api(`/api/registrations/availability?${query}`);
      assert.equal(res.status, 422, query);
      assert.equal(res.body.error.code, 'validation');
      assert.deepEqual(Object.keys(res.body.error.fields).sort(), [...fields].sort(), query);
    }
  });

  test('suggest-ddi: provider DDIs first, then a generated free value', async () => {
    let res = await server.api(`/api/registrations/availability/suggest-ddi?ddiProviderId=${acme}`);
    assert.equal(res.status, 200, res.text);
    // +34911000001 and +34911000002 are both used by now.
    let s = ddiSuggestionJsonSchema.parse(res.body);
    assert.equal(s.source, 'generated');
    assert.equal((await server.api(`/api/registrations/availability?ddi=${s.ddi}`)).body.available, true);

    res = await server.api(`/api/registrations/availability/suggest-ddi?ddiProviderId=${acme}&excludeId=${held.id}`);
    s = ddiSuggestionJsonSchema.parse(res.body);
    assert.deepEqual(s, { ddi: '+34911000002', source: 'provider' });

    const fresh = await provider('Fresh DDIs', ['+34955000001']);
    res = await server.api(`/api/registrations/availability/suggest-ddi?ddiProviderId=${fresh}`);
    assert.deepEqual(res.body, { ddi: '+34955000001', source: 'provider' });
    res = await server.api('/api/registrations/availability/suggest-ddi');
    assert.equal(res.body.source, 'generated');
    assert.equal((await server.api('/api/registrations/availability/suggest-ddi?ddiProviderId=999999')).status, 404);
    assert.equal((await server.api('/api/registrations/availability/suggest-ddi?ddiProviderId=x')).status, 422);
  });
});
