import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { errorBodySchema } from '../../lib/api/contracts';
import { openSqlite, useServer } from './server';

const server = useServer();
let providerId: number;

before(async () => {
  const res = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Race Carrier' } });
  providerId = res.body.id;
});

const post = (json: Record<string, unknown>) => server.api('/api/registrations', { method: 'POST', json });

describe('uniqueness under concurrency', () => {
  test('two concurrent POSTs with the same DDI: exactly one 201, the other 409 fields.ddi', async () => {
    for (let round = 0; round < 5; round++) {
      const ddi = `+3470000${round}`;
      const results = await Promise.all([
        post({ ddiProviderId: providerId, username: `race-a-${round}`, domain: 'sip.race.example', ddi }),
        post({ ddiProviderId: providerId, username: `race-b-${round}`, domain: 'sip.race.example', ddi }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [201, 409], results.map((r) => r.text).join('\n'));
      const winner = results.find((r) => r.status === 201)!;
      const loser = errorBodySchema.parse(results.find((r) => r.status === 409)!.body);
      assert.equal(loser.error.code, 'conflict');
      assert.equal(loser.error.fields!.ddi, `DDI ${ddi} is already used by registration #${winner.body.id} of provider "Race Carrier".`);
    }
  });

  test('two concurrent POSTs with the same username+domain: one 201, one 409 fields.username', async () => {
    const results = await Promise.all([
      post({ ddiProviderId: providerId, username: 'same-account', domain: 'sip.race.example', ddi: '+3471000001' }),
      post({ ddiProviderId: providerId, username: 'same-account', domain: 'SIP.RACE.EXAMPLE', ddi: '+3471000002' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    const loser = errorBodySchema.parse(results.find((r) => r.status === 409)!.body);
    assert.match(loser.error.fields!.username!, /same-account at domain sip\.race\.example is already used by registration #\d+/);
  });

  test('a burst of 10 POSTs for one DDI yields one 201 and nine 409s, and one journal row', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => post({ ddiProviderId: providerId, username: `burst-${i}`, domain: 'sip.race.example', ddi: '+3472000000' })),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 9, statuses.join(','));
    const db = await openSqlite(server.dbPath);
    const n = (db.prepare("select count(*) as n from registration_changes c join registrations r on r.id = c.registration_id where r.ddi = '+3472000000'").get() as { n: number }).n;
    db.close();
    assert.equal(n, 1);
  });

  test('concurrent PATCHes to the same DDI: one 200, one 409', async () => {
    const a = await post({ ddiProviderId: providerId, username: 'patch-a', domain: 'sip.race.example', ddi: '+3473000001' });
    const b = await post({ ddiProviderId: providerId, username: 'patch-b', domain: 'sip.race.example', ddi: '+3473000002' });
    const results = await Promise.all([
      server.api(`/api/registrations/${a.body.id}`, { method: 'PATCH', json: { ddi: '+3473000009' } }),
      server.api(`/api/registrations/${b.body.id}`, { method: 'PATCH', json: { ddi: '+3473000009' } }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
  });

  test('two concurrent provider POSTs with the same name: one 201, one 409 fields.name', async () => {
    const results = await Promise.all([
      server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Twin' } }),
      server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Twin' } }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409]);
    assert.ok(results.find((r) => r.status === 409)!.body.error.fields.name);
  });

  test('a UNIQUE violation raised by the database itself (a writer the checks missed) → 409, never 500', async () => {
    const db = await openSqlite(server.dbPath);
    // The trigger plays another process that inserts the same DDI between the check and the insert.
    db.exec(`create trigger api_race before insert on registrations when new.username = 'db-racer'
      begin insert into registrations (ddi_provider_id, username, domain, ddi) values (new.ddi_provider_id, 'ghost-writer', new.domain, new.ddi); end`);
    try {
      const res = await post({ ddiProviderId: providerId, username: 'db-racer', domain: 'sip.race.example', ddi: '+3474000001' });
      assert.equal(res.status, 409, res.text);
      const body = errorBodySchema.parse(res.body);
      assert.equal(body.error.code, 'conflict');
      assert.match(body.error.fields!.ddi!, /\+3474000001/);
    } finally {
      db.exec('drop trigger api_race');
      db.close();
    }
  });
});
