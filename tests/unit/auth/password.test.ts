// Operator password hashing (lib/auth/password.ts): scrypt with the parameters in the stored value.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashPassword, verifyPassword } from '../../../lib/auth/password';

describe('hashPassword / verifyPassword', () => {
  test('stored as scrypt$N$r$p$salt$hash, without the password', async () => {
    const stored = await hashPassword('Correct-horse-1');
    assert.match(stored, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.ok(!stored.includes('Correct-horse-1'));
  });

  test('the right password verifies, a wrong one does not', async () => {
    const stored = await hashPassword('Correct-horse-1');
    assert.equal(await verifyPassword('Correct-horse-1', stored), true);
    // (Trailing NUL bytes are not "wrong": HMAC pads short keys with zeros, so scrypt cannot tell.)
    for (const wrong of ['correct-horse-1', 'Correct-horse-1 ', 'Correct-horse-', '', 'Correct-horse-1\u0001']) {
      assert.equal(await verifyPassword(wrong, stored), false, JSON.stringify(wrong));
    }
  });

  test('each hash has its own salt', async () => {
    const [a, b] = await Promise.all([hashPassword('same-password'), hashPassword('same-password')]);
    assert.notEqual(a, b);
    assert.ok(await verifyPassword('same-password', a));
    assert.ok(await verifyPassword('same-password', b));
  });

  test('passwords are compared after NFKC normalisation', async () => {
    const stored = await hashPassword('Caf\u00e9-pass-1');
    assert.ok(await verifyPassword('Cafe\u0301-pass-1', stored), 'combining accent equals the precomposed letter');
    assert.ok(await verifyPassword('\uff23af\u00e9-pass-1', stored), 'full-width C equals C');
  });

  test('the parameters stored with the hash are the ones used', async () => {
    const stored = await hashPassword('params-pass-1');
    const [, , r, p, salt, hash] = stored.split('$');
    assert.equal(await verifyPassword('params-pass-1', ['scrypt', 16384, r, p, salt, hash].join('$')), false);
  });

  test('a malformed stored hash never verifies', async () => {
    const good = await hashPassword('whatever-pass-1');
    const [, n, r, p, salt, hash] = good.split('$');
    const malformed = [
      '',
      'whatever-pass-1',
      '$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234',
      ['bcrypt', n, r, p, salt, hash].join('$'),
      ['scrypt', n, r, p, salt].join('$'),
      ['scrypt', n, r, p, salt, hash, 'extra'].join('$'),
      ['scrypt', 'x', r, p, salt, hash].join('$'),
      ['scrypt', '1.5', r, p, salt, hash].join('$'),
      ['scrypt', n, r, p, salt, hash!.slice(0, 20)].join('$'),
      ['scrypt', n, r, p, salt, `${hash}AAAA`].join('$'),
      ['scrypt', n, r, p, salt, ''].join('$'),
    ];
    for (const stored of malformed) {
      assert.equal(await verifyPassword('whatever-pass-1', stored), false, stored);
    }
  });

  test('a stored hash with impossible scrypt parameters does not verify, and does not throw', async () => {
    const [, , r, p, salt, hash] = (await hashPassword('whatever-pass-1')).split('$');
    for (const [n, rr] of [['1000', r], ['-2', r], ['16384', '0']]) {
      const stored = ['scrypt', n, rr, p, salt, hash].join('$');
      assert.equal(await verifyPassword('whatever-pass-1', stored).catch((err: Error) => `threw: ${err.message}`), false, stored);
    }
  });
});
