// Random session / API tokens and the hash stored instead of them (lib/auth/secret-token.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newSecretToken, tokenHash } from '../../../lib/auth/secret-token';

test('a token is the prefix plus 32 random bytes in base64url', () => {
  const token = newSecretToken('ddr_t_');
  assert.match(token, /^ddr_t_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token.slice(6), 'base64url').length, 32);
});

test('tokens do not repeat', () => {
  const seen = new Set(Array.from({ length: 1000 }, () => newSecretToken('p_')));
  assert.equal(seen.size, 1000);
});

test('the stored hash is SHA-256 in hex, deterministic, and does not contain the token', () => {
  assert.equal(tokenHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  const token = newSecretToken('ddr_s_');
  assert.equal(tokenHash(token), tokenHash(token));
  assert.match(tokenHash(token), /^[0-9a-f]{64}$/);
  assert.notEqual(tokenHash(token), tokenHash(`${token}x`));
  assert.ok(!tokenHash(token).includes(token.slice(6, 16)));
});
