/** The data layer on its own (no HTTP): a fresh temp database per test file. */
import { setEngineWake } from '../../lib/engine/wake';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../../lib/db/client';
import * as providers from '../../lib/ddi-providers/service';
import * as regs from '../../lib/registrations/service';
import { registrationInputSchema } from '../../lib/registrations/schema';
import { registrationJsonSchema } from '../../lib/api/contracts';
import { systemActor } from '../../lib/auth/principal';

const dir = mkdtempSync(join(tmpdir(), 'portal-service-'));
const db = openDatabase(join(dir, 'portal.db'));
after(() => {
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

const input = (over: Record<string, unknown>) =>
  registrationInputSchema.parse({ ddiProviderId: 1, username: 'u', domain: 'sip.example.com', ddi: '1', ...over });

function mustData<T>(r: { data: T } | { error: unknown }): T {
  assert.ok('data' in r, JSON.stringify(r));
  return r.data;
}

describe('registration service', () => {
  const provider = mustData(providers.createDdiProvider(db, { name: 'Svc Carrier', description: '', ddis: ['+3470001', '+3470002'] }, systemActor));

  test('create/update/delete append journal rows and nudge the engine', () => {
    let nudges = 0;
    const removeWake = setEngineWake(() => nudges++);
    try {
      const created = mustData(regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc1', ddi: '+3470001', password: 'pw' }), systemActor));
      registrationJsonSchema.parse(created);
      assert.equal(created.hasPassword, true);
      assert.equal((created as Record<string, unknown>).password, undefined);
      const updated = mustData(regs.updateRegistration(db, created.id, { enabled: false }, systemActor));
      assert.equal(updated.revision, 2);
      mustData(regs.deleteRegistration(db, created.id, systemActor));
      const rows = db.$client.prepare('select registration_id as id from registration_changes where registration_id = ?').all(created.id);
      assert.equal(rows.length, 3);
      assert.equal(nudges, 3);
    } finally {
      removeWake();
    }
  });

  test('a failed write appends no journal row', () => {
    const a = mustData(regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc2', ddi: '+3479000' }), systemActor));
    const count = () => (db.$client.prepare('select count(*) as n from registration_changes').get() as { n: number }).n;
    const before = count();
    const r = regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'svc3', ddi: a.ddi }), systemActor);
    assert.ok('error' in r && r.error.code === 'conflict');
    assert.equal(count(), before);
  });

  test('a UNIQUE violation the checks did not see maps to the same 409 field error', () => {
    // A trigger plays the racing writer: it inserts the same DDI between our check and our insert.
    db.$client.exec(`create trigger race_ddi before insert on registrations when new.username = 'racer'
      begin insert into registrations (ddi_provider_id, username, domain, ddi) values (new.ddi_provider_id, 'ghost', new.domain, new.ddi); end`);
    try {
      const r = regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'racer', ddi: '+3478888' }), systemActor);
      assert.ok('error' in r, JSON.stringify(r));
      assert.equal(r.error.code, 'conflict');
      assert.match(r.error.fields!.ddi!, /\+3478888/);
    } finally {
      db.$client.exec('drop trigger race_ddi');
    }
    db.$client.exec(`create trigger race_account before insert on registrations when new.ddi = '+3477777'
      begin insert into registrations (ddi_provider_id, username, domain, ddi) values (new.ddi_provider_id, new.username, new.domain, '+3477776'); end`);
    try {
      const r = regs.createRegistration(db, input({ ddiProviderId: provider.id, username: 'racer2', ddi: '+3477777' }), systemActor);
      assert.ok('error' in r);
      assert.equal(r.error.code, 'conflict');
      assert.ok(r.error.fields!.username);
      assert.equal(r.error.fields!.ddi, undefined);
    } finally {
      db.$client.exec('drop trigger race_account');
    }
  });

  test('suggestDdi: first free provider DDI, excludeId, then a generated value no provider lists', () => {
    const p = mustData(providers.createDdiProvider(db, { name: 'Suggest Carrier', description: '', ddis: ['+3460001', '+3460002'] }, systemActor));
    assert.deepEqual(mustData(regs.suggestDdi(db, { ddiProviderId: p.id })), { ddi: '+3460001', source: 'provider' });
    const a = mustData(regs.createRegistration(db, input({ ddiProviderId: p.id, username: 'sg1', ddi: '+3460001' }), systemActor));
    assert.deepEqual(mustData(regs.suggestDdi(db, { ddiProviderId: p.id })), { ddi: '+3460002', source: 'provider' });
    assert.deepEqual(mustData(regs.suggestDdi(db, { ddiProviderId: p.id, excludeId: a.id })), { ddi: '+3460001', source: 'provider' });
    mustData(regs.createRegistration(db, input({ ddiProviderId: p.id, username: 'sg2', ddi: '+3460002' }), systemActor));
    const generated = mustData(regs.suggestDdi(db, { ddiProviderId: p.id }));
    assert.equal(generated.source, 'generated');
    assert.match(generated.ddi, /^[0-9]+$/);
    assert.equal(regs.checkAvailability(db, { ddi: generated.ddi }).available, true);
    const missing = regs.suggestDdi(db, { ddiProviderId: 999999 });
    assert.ok('error' in missing && missing.error.code === 'not_found');
  });

  test('isDdiFree: false when a registration uses it or any provider lists it', () => {
    mustData(providers.createDdiProvider(db, { name: 'Lister', description: '', ddis: ['912345678'] }, systemActor));
    assert.equal(regs.isDdiFree(db, '912345678'), false);
    assert.equal(regs.isDdiFree(db, '+3460001'), false);
    assert.equal(regs.isDdiFree(db, '912345679'), true);
  });
});
