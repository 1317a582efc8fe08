// Start-up sealing of stored SIP passwords on a real (temp file, migrated) portal database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openSecret, sealedKeyId, sealSecret } from '../../../lib/secrets/cipher';
import { createKeyring } from '../../../lib/secrets/key';
import { sealStoredSecrets } from '../../../lib/secrets/seal-stored';
import { insertRegistration, storedPasswords, tempDatabase } from './helpers';

test('clear-text passwords are sealed with the current key; no row keeps the clear text', (t) => {
  const db = tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  const alice = insertRegistration(db, 'alice', 'alice-pw');
  const bob = insertRegistration(db, 'bob', 'bob-pw');
  const none = insertRegistration(db, 'carol', null);
  assert.deepEqual(sealStoredSecrets(db.$client, keyring), { sealed: 2, unreadable: 0 });
  const stored = storedPasswords(db);
  assert.equal(sealedKeyId(stored.get(alice)!), keyring.current.id);
  assert.equal(openSecret(stored.get(alice)!, keyring), 'alice-pw');
  assert.equal(openSecret(stored.get(bob)!, keyring), 'bob-pw');
  assert.equal(stored.get(none), null);
  const dump = JSON.stringify(db.$client.prepare('SELECT * FROM registrations').all());
  assert.ok(!dump.includes('alice-pw') && !dump.includes('bob-pw'));
});

test('a second run changes nothing', (t) => {
  const db = tempDatabase(t);
  const keyring = createKeyring(randomBytes(32));
  insertRegistration(db, 'alice', 'alice-pw');
  sealStoredSecrets(db.$client, keyring);
  const before = storedPasswords(db);
  assert.deepEqual(sealStoredSecrets(db.$client, keyring), { sealed: 0, unreadable: 0 });
  assert.deepEqual(storedPasswords(db), before);
});

test('rotation: rows sealed with SECRET_KEY_PREVIOUS are re-sealed with the new key', (t) => {
  const db = tempDatabase(t);
  const oldKey = randomBytes(32);
  const old = createKeyring(oldKey);
  const alice = insertRegistration(db, 'alice', sealSecret('alice-pw', old));
  const bob = insertRegistration(db, 'bob', 'bob-pw');
  const rotated = createKeyring(randomBytes(32), oldKey);
  assert.deepEqual(sealStoredSecrets(db.$client, rotated), { sealed: 2, unreadable: 0 });
  const stored = storedPasswords(db);
  for (const id of [alice, bob]) assert.equal(sealedKeyId(stored.get(id)!), rotated.current.id);
  // Once SECRET_KEY_PREVIOUS is dropped, the new key alone opens everything.
  const newOnly = createKeyring(rotated.current.key);
  assert.equal(openSecret(stored.get(alice)!, newOnly), 'alice-pw');
  assert.equal(openSecret(stored.get(bob)!, newOnly), 'bob-pw');
});

test('a row no configured key opens is counted and left untouched', (t) => {
  const db = tempDatabase(t);
  const lost = sealSecret('lost-pw', createKeyring(randomBytes(32)));
  const id = insertRegistration(db, 'alice', lost);
  insertRegistration(db, 'bob', 'bob-pw');
  assert.deepEqual(sealStoredSecrets(db.$client, createKeyring(randomBytes(32))), { sealed: 1, unreadable: 1 });
  assert.equal(storedPasswords(db).get(id), lost);
});

test('rotation re-seals notification channel secrets (webhook secret, SMTP password) too', (t) => {
  const db = tempDatabase(t);
  const old = createKeyring(randomBytes(32));
  const insert = db.$client.prepare("INSERT INTO notification_channels (name, kind, config, secret) VALUES (?, 'webhook', '{}', ?)");
  const id = Number(insert.run('hook', sealSecret('whsec-1', old)).lastInsertRowid);
  insert.run('plain', null);
  const rotated = createKeyring(randomBytes(32), old.current.key);
  assert.deepEqual(sealStoredSecrets(db.$client, rotated), { sealed: 1, unreadable: 0 });
  const { secret } = db.$client.prepare('SELECT secret FROM notification_channels WHERE id = ?').get(id) as { secret: string };
  assert.equal(sealedKeyId(secret), rotated.current.id);
  assert.equal(openSecret(secret, createKeyring(rotated.current.key)), 'whsec-1');
});
