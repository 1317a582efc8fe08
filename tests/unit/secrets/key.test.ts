// Parsing of SECRET_KEY / SECRET_KEY_PREVIOUS values and key ids.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createKeyring, keyId, parseKey } from '../../../lib/secrets/key';

const key = randomBytes(32);

test('a key is accepted as 64 hex characters (either case, surrounding whitespace ignored)', () => {
  assert.deepEqual(parseKey(key.toString('hex'), 'SECRET_KEY'), key);
  assert.deepEqual(parseKey(`  ${key.toString('hex').toUpperCase()}\n`, 'SECRET_KEY'), key);
});

test('a key is accepted as base64 (padded or not) and base64url', () => {
  assert.deepEqual(parseKey(key.toString('base64'), 'SECRET_KEY'), key);
  assert.deepEqual(parseKey(key.toString('base64').replace(/=$/, ''), 'SECRET_KEY'), key);
  assert.deepEqual(parseKey(key.toString('base64url'), 'SECRET_KEY'), key);
});

test('anything else is rejected with SECRET_KEY_INVALID and a message naming the variable, not the value', () => {
  const bad = [
    randomBytes(16).toString('hex'),
    randomBytes(31).toString('hex'),
    randomBytes(33).toString('hex'),
    randomBytes(24).toString('base64'),
    randomBytes(48).toString('base64'),
    'correct horse battery staple',
    `${key.toString('hex').slice(0, 63)}g`,
  ];
  for (const text of bad) {
    assert.throws(
      () => parseKey(text, 'SECRET_KEY_PREVIOUS'),
      (err: Error & { code?: string }) =>
        err.code === 'SECRET_KEY_INVALID' && err.message.startsWith('SECRET_KEY_PREVIOUS must be') && !err.message.includes(text),
    );
  }
});

test('the key id is the first 8 hex characters of sha256(key)', () => {
  assert.equal(keyId(key), createHash('sha256').update(key).digest('hex').slice(0, 8));
});

test('a keyring holds the current key and the previous one by id', () => {
  const previous = randomBytes(32);
  const ring = createKeyring(key, previous);
  assert.equal(ring.current.id, keyId(key));
  assert.deepEqual(ring.current.key, key);
  assert.deepEqual(ring.all.get(keyId(previous)), previous);
  assert.deepEqual(ring.all.get(keyId(key)), key);
  assert.equal(createKeyring(key).all.size, 1);
});
