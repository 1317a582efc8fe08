// The registrar reads registrations with their sealed passwords opened; an unreadable one is
// reported once and never stops the engine.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sealSecret } from '../../../lib/secrets/cipher';
import { createKeyring } from '../../../lib/secrets/key';
import { RegistrationSource } from '../../../registrar/store/registration-source';
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
