/** The data layer on its own (no HTTP): a fresh temp database per test file. */
import { setEngineWake } from '../../lib/engine/wake';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { closeDatabase, openDatabase, type Db } from '../../lib/db/client';
import { createRaceTrigger, dropRaceTrigger, newDatabaseLocation, rawOf, type RawDb } from '../db';
import * as providers from '../../lib/ddi-providers/service';
import * as regs from '../../lib/registrations/service';
import { registrationInputSchema } from '../../lib/registrations/schema';
import { registrationJsonSchema } from '../../lib/api/contracts';
import { systemActor } from '../../lib/auth/principal';

let db: Db;
let raw: RawDb;
let drop: () => Promise<void>;
before(async () => {
  const place = await newDatabaseLocation('portal-service');
  drop = place.drop;
  db = openDatabase(place.location);
  raw = rawOf(db);
});
after(async () => {
  await closeDatabase(db);
  await drop();
});

const input = (over: Record<string, unknown>) =>
  registrationInputSchema.parse({ ddiProviderId: 1, username: 'u', domain: 'sip.example.com', ddi: '1', ...over });

function mustData<T>(r: { data: T } | { error: unknown }): T {
  assert.ok('data' in r, JSON.stringify(r));
  return r.data;
}

describe('registration service', () => {
  let provider: { id: number };
  before(async () => {
    provider = mustData(await providers.createDdiProvider(db, { name: 'Svc Carrier', description: '', ddis: ['+3470001', '+3470002'] }, systemActor));
  });

  test('create/update/delete append journal rows and nudge the engine', async () => {
    let nudges = 0;
    const removeWake = setEngineWake(() => nudges++);
    try {
      const created = mustData(await regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc1', ddi: '+3470001', password: 'pw' }), systemActor));
      registrationJsonSchema.parse(created);
      assert.equal(created.hasPassword, true);
      assert.equal((created as Record<string, unknown>).password, undefined);
      const updated = mustData(await regs.updateRegistration(db, created.id, { enabled: false }, systemActor));
      assert.equal(updated.revision, 2);
      mustData(await regs.deleteRegistration(db, created.id, systemActor));
      const rows = await raw.prepare('select registration_id as id from registration_changes where registration_id = ?').all(created.id);
      assert.equal(rows.length, 3);
      assert.equal(nudges, 3);
    } finally {
      removeWake();
    }
  });

  test('a failed write appends no journal row', async () => {
    const a = mustData(await regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc2', ddi: '+3479000' }), systemActor));
    const count = async () => ((await raw.prepare('select count(*) as n from registration_changes').get()) as { n: number }).n;
    const before = await count();
    const r = await regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc3', ddi: a.ddi }), systemActor);
    assert.ok('error' in r && r.error.code === 'conflict');
    assert.equal(await count(), before);
  });

  test('a UNIQUE violation the checks did not see maps to the same 409 field error', async () => {
    // A trigger plays the racing writer: it inserts the same DDI between our check and our insert.
    await createRaceTrigger(raw, 'race_ddi', `new.username = 'racer'`, `new.ddi_provider_id, 'ghost', new.domain, new.ddi`);
    try {
      const r = await regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'racer', ddi: '+3478888' }), systemActor);
      assert.ok('error' in r, JSON.stringify(r));
      assert.equal(r.error.code, 'conflict');
      assert.match(r.error.fields!.ddi!, /\+3478888/);
    } finally {
      await dropRaceTrigger(raw, 'race_ddi');
    }
    await createRaceTrigger(raw, 'race_account', `new.ddi = '+3477777'`, `new.ddi_provider_id, new.username, new.domain, '+3477776'`);
    try {
      const r = await regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'racer2', ddi: '+3477777' }), systemActor);
      assert.ok('error' in r);
      assert.equal(r.error.code, 'conflict');
      assert.ok(r.error.fields!.username);
      assert.equal(r.error.fields!.ddi, undefined);
    } finally {
      await dropRaceTrigger(raw, 'race_account');
    }
  });

  test('suggestDdi: first free provider DDI, excludeId, then a generated value no provider lists', async () => {
    const p = mustData(await providers.createDdiProvider(db, { name: 'Suggest Carrier', description: '', ddis: ['+3460001', '+3460002'] }, systemActor));
    assert.deepEqual(mustData(await regs.suggestDdi(db, { ddiProviderId: p.id })), { ddi: '+3460001', source: 'provider' });
    const a = mustData(await regs.createRegistration(db, input({ ddiProviderId: p.id, username: 'sg1', ddi: '+3460001' }), systemActor));
    assert.deepEqual(mustData(await regs.suggestDdi(db, { ddiProviderId: p.id })), { ddi: '+3460002', source: 'provider' });
    assert.deepEqual(mustData(await regs.suggestDdi(db, { ddiProviderId: p.id, excludeId: a.id })), { ddi: '+3460001', source: 'provider' });
    mustData(await regs.createRegistration(db, input({ ddiProviderId: p.id, username: 'sg2', ddi: '+3460002' }), systemActor));
    const generated = mustData(await regs.suggestDdi(db, { ddiProviderId: p.id }));
    assert.equal(generated.source, 'generated');
    assert.match(generated.ddi, /^[0-9]+$/);
    assert.equal((await regs.checkAvailability(db, { ddi: generated.ddi })).available, true);
    const missing = await regs.suggestDdi(db, { ddiProviderId: 999999 });
    assert.ok('error' in missing && missing.error.code === 'not_found');
  });

  test('isDdiFree: false when a registration uses it or any provider lists it', async () => {
    mustData(await providers.createDdiProvider(db, { name: 'Lister', description: '', ddis: ['912345678'] }, systemActor));
    assert.equal(await regs.isDdiFree(db, '912345678'), false);
    assert.equal(await regs.isDdiFree(db, '+3460001'), false);
    assert.equal(await regs.isDdiFree(db, '912345679'), true);
  });
});
