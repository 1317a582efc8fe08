// AES-256-GCM sealing of secrets at rest: format, random IVs, tamper detection, key ids.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isSealed, openSecret, sealedKeyId, sealSecret } from '../../../lib/secrets/cipher';
import { createKeyring } from '../../../lib/secrets/key';

const keyring = createKeyring(randomBytes(32));

/** Decodes one base64url part of a sealed value, lets `edit` change it, and re-encodes it. */
function editPart(sealed: string, index: number, edit: (bytes: Buffer) => void): string {
  const parts = sealed.split(':');
  const bytes = Buffer.from(parts[index], 'base64url');
  edit(bytes);
  parts[index] = bytes.toString('base64url');
  return parts.join(':');
}

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: Error & { code?: string }) => err.code === code);
}

test('seal then open returns the clear text (ASCII, UTF-8, empty)', () => {
  for (const plain of ['s3cret!', 'pässwörd ✓ 密码', '', 'x'.repeat(128)]) {
    const sealed = sealSecret(plain, keyring);
    assert.ok(isSealed(sealed));
    assert.equal(openSecret(sealed, keyring), plain);
  }
});

test('the sealed text is enc:v1:<keyId>:<iv>:<tag>:<ciphertext> and holds no clear text', () => {
  const sealed = sealSecret('hunter2', keyring);
  const [enc, v, id, iv, tag, ciphertext] = sealed.split(':');
  assert.equal(`${enc}:${v}`, 'enc:v1');
  assert.equal(id, keyring.current.id);
  assert.match(id, /^[0-9a-f]{8}$/);
  assert.equal(Buffer.from(iv, 'base64url').length, 12);
  assert.equal(Buffer.from(tag, 'base64url').length, 16);
  assert.equal(Buffer.from(ciphertext, 'base64url').length, 'hunter2'.length);
  assert.ok(!sealed.includes('hunter2'));
  assert.equal(sealedKeyId(sealed), keyring.current.id);
});

test('every seal uses a fresh IV: two seals of the same text differ', () => {
  const a = sealSecret('same', keyring);
  const b = sealSecret('same', keyring);
  assert.notEqual(a, b);
  assert.notEqual(a.split(':')[3], b.split(':')[3]);
});

test('an altered ciphertext, tag or IV fails with SECRET_CORRUPT', () => {
  const sealed = sealSecret('do not touch', keyring);
  for (const index of [3, 4, 5]) {
    const altered = editPart(sealed, index, (bytes) => {
      bytes[0] ^= 0x01;
    });
    assertCode(() => openSecret(altered, keyring), 'SECRET_CORRUPT');
  }
});

test('a changed key id in the header fails with SECRET_KEY_UNKNOWN', () => {
  const sealed = sealSecret('bound to its header', keyring);
  assertCode(() => openSecret(sealed.replace(keyring.current.id, '00000000'), keyring), 'SECRET_KEY_UNKNOWN');
});

test('malformed sealed values fail with SECRET_CORRUPT', () => {
  const sealed = sealSecret('x', keyring);
  for (const bad of ['enc:v1:', `${sealed}:extra`, sealed.slice(0, 30), sealed.replace(/:[^:]*$/, ':***')]) {
    assertCode(() => openSecret(bad, keyring), 'SECRET_CORRUPT');
  }
});

test('a value sealed with another key fails with SECRET_KEY_UNKNOWN', () => {
  const other = createKeyring(randomBytes(32));
  assertCode(() => openSecret(sealSecret('elsewhere', other), keyring), 'SECRET_KEY_UNKNOWN');
});

test('the error never carries the sealed value or the clear text', () => {
  const sealed = sealSecret('topsecret', createKeyring(randomBytes(32)));
  try {
    openSecret(sealed, keyring);
    assert.fail('expected an error');
  } catch (err) {
    const text = `${(err as Error).message} ${(err as Error).stack}`;
    assert.ok(!text.includes(sealed.split(':')[5]) && !text.includes('topsecret'));
  }
});

test('a keyring with a previous key opens values of both keys and seals with the current one', () => {
  const oldKey = randomBytes(32);
  const old = createKeyring(oldKey);
  const rotated = createKeyring(randomBytes(32), oldKey);
  assert.equal(openSecret(sealSecret('before', old), rotated), 'before');
  assert.equal(sealedKeyId(sealSecret('after', rotated)), rotated.current.id);
  assert.notEqual(rotated.current.id, old.current.id);
});

test('legacy clear text (no enc:v1: prefix) passes through unchanged', () => {
  for (const plain of ['pw', 'enc:v2:something', 'ENC:V1:x', '']) {
    assert.equal(isSealed(plain), false);
    assert.equal(sealedKeyId(plain), null);
    assert.equal(openSecret(plain, keyring), plain);
  }
});
