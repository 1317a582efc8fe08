// The registrar reads registrations with their sealed passwords opened; an unreadable one is
// reported once and never stops the engine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sealSecret } from '../../../lib/secrets/cipher';
import { createKeyring } from '../../../lib/secrets/key';
import { dialectName } from '../../../lib/db/dialect';
import type { RegistrationConfig } from '../../../registrar/registration/config';
import { RegistrationSource } from '../../../registrar/store/registration-source';
import { rawOf } from '../../db';
import { insertRegistration, tempDatabase } from './helpers';

test('loadAll and load return the decrypted password (sealed or legacy clear text)', async (t) => {
  const db = await tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const sealed = await insertRegistration(db, 'alice', sealSecret('alice-pw', keyring));
  const legacy = await insertRegistration(db, 'bob', 'bob-pw');
  const none = await insertRegistration(db, 'carol', null);
  const source = new RegistrationSource(db, { keyring });
  assert.deepEqual(
    (await source.loadAll()).map((c) => [c.id, c.password]),
    [[String(sealed), 'alice-pw'], [String(legacy), 'bob-pw'], [String(none), null]],
  );
  assert.equal((await source.load(sealed))?.password, 'alice-pw');
});

test('an unreadable password leaves the registration without credentials, logged once with id and code', async (t) => {
  const db = await tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const stored = sealSecret('lost-pw', createKeyring(randomBytes(32)));
  const lost = await insertRegistration(db, 'alice', stored);
  const fine = await insertRegistration(db, 'bob', sealSecret('bob-pw', keyring));
  const logs: string[] = [];
  const source = new RegistrationSource(db, { keyring, log: (m) => logs.push(m) });
  const configs = await source.loadAll();
  assert.equal(configs.find((c) => c.id === String(lost))?.password, null);
  assert.equal(configs.find((c) => c.id === String(fine))?.password, 'bob-pw');
  assert.equal((await source.load(lost))?.password, null);
  assert.equal(logs.length, 1);
  assert.match(logs[0], new RegExp(`registration ${lost}: .*SECRET_KEY_UNKNOWN`));
  assert.ok(!logs[0].includes(stored) && !logs[0].includes('lost-pw'));
});

test('pages: every registration in id order, pageSize rows per page (keyset), and count agrees', async (t) => {
  const db = await tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const ids: number[] = [];
  for (let i = 0; i < 7; i++) ids.push(await insertRegistration(db, `user${i}`, sealSecret(`pw-${i}`, keyring)));
  const source = new RegistrationSource(db, { keyring });
  const pages: string[][] = [];
  for await (const page of source.pages({ pageSize: 3 })) pages.push(page.map((c) => c.id));
  assert.deepEqual(pages, [ids.slice(0, 3), ids.slice(3, 6), ids.slice(6)].map((p) => p.map(String)));
  assert.equal(await source.count(), 7);
  assert.deepEqual((await source.loadAll()).map((c) => c.password), ids.map((_, i) => `pw-${i}`));
});

test('a sealed password is opened at its first read, not at load: an unreadable one is reported then', async (t) => {
  const db = await tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const lost = await insertRegistration(db, 'alice', sealSecret('lost-pw', createKeyring(randomBytes(32))));
  const logs: string[] = [];
  const source = new RegistrationSource(db, { keyring, log: (m) => logs.push(m) });
  const [config] = await source.loadAll();
  assert.equal(config.id, String(lost));
  assert.deepEqual(logs, [], 'nothing opened at load');
  assert.equal(config.password, null);
  assert.equal(logs.length, 1);
  assert.equal(config.password, null, 'kept: read again, not opened again');
  assert.equal(logs.length, 1);
});

test('loadMany reads the same configs as load, for ids close together (one range) and far apart (a list), skipping the missing and the others of the range', async (t) => {
  const db = await tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const ids: number[] = [];
  for (let i = 0; i < 12; i++) ids.push(await insertRegistration(db, `user${i}`, sealSecret(`pw-${i}`, keyring)));
  const raw = rawOf(db);
  await raw.prepare("UPDATE registrations SET enabled = ?, transport = 'tcp', expires = 120, realm = 'r.example', register_server_uri = 'sip:reg.example;transport=tcp' WHERE id = ?").run(dialectName === 'pg' ? false : 0, ids[3]);
  await raw.prepare("UPDATE ddi_providers SET forward_to = 'sip:pbx.example' WHERE id = (SELECT ddi_provider_id FROM registrations WHERE id = ?)").run(ids[5]);
  const source = new RegistrationSource(db, { keyring });
  const view = (c: RegistrationConfig | null) => c && { ...c, password: c.password };
  const expected = async (wanted: number[]) => Promise.all(wanted.filter((id) => id <= ids[11]).map(async (id) => view(await source.load(id))));
  // Close together (read as the range ids[2]..ids[9], ids[4] and ids[6] left out), given out of order.
  const dense = [ids[9], ids[2], ids[3], ids[5], ids[7], ids[8]];
  assert.deepEqual((await source.loadMany(dense)).map(view), await expected([...dense].sort((a, b) => a - b)));
  // Far apart (read by their list), one of them missing.
  const sparse = [ids[0], ids[11], ids[11] + 1000];
  assert.deepEqual((await source.loadMany(sparse)).map(view), await expected([ids[0], ids[11]]));
  const disabled = (await source.loadMany([ids[3]]))[0];
  assert.equal(disabled.enabled, false);
  assert.equal(disabled.transport, 'tcp');
  assert.equal(disabled.expires, 120);
  assert.equal((await source.loadMany([ids[5]]))[0].forwardTo, 'sip:pbx.example');
  assert.equal((await source.loadMany([ids[4]]))[0].enabled, true);
  assert.deepEqual(await source.loadMany([]), []);
});
