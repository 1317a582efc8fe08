// The session cookie (lib/auth/cookies.ts): parsing Cookie headers and the Set-Cookie attributes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clearedSessionCookie, isHttps, readCookie, SECURE_SESSION_COOKIE, SESSION_COOKIE, sessionCookie, sessionToken } from '../../../lib/auth/cookies';

describe('readCookie', () => {
  test('no header or no such cookie → null', () => {
    assert.equal(readCookie(undefined, 'a'), null);
    assert.equal(readCookie(null, 'a'), null);
    assert.equal(readCookie('', 'a'), null);
    assert.equal(readCookie('b=1; c=2', 'a'), null);
  });

  test('finds the cookie among others, whitespace trimmed', () => {
    assert.equal(readCookie('a=1', 'a'), '1');
    assert.equal(readCookie('x=0;a=1;y=2', 'a'), '1');
    assert.equal(readCookie('x=0;   a =  1  ; y=2', 'a'), '1');
  });

  test('a name that merely contains the wanted one does not match', () => {
    assert.equal(readCookie('xa=1; ax=2; a_=3', 'a'), null);
    assert.equal(readCookie(`x${SESSION_COOKIE}=evil; ${SESSION_COOKIE}=good`, SESSION_COOKIE), 'good');
  });

  test('the first of duplicate cookies wins', () => {
    assert.equal(readCookie('a=first; a=second', 'a'), 'first');
  });

  test('"=" inside the value is kept; parts without "=" are skipped', () => {
    assert.equal(readCookie('flag; a=b=c==', 'a'), 'b=c==');
    assert.equal(readCookie('a', 'a'), null);
  });

  test('an empty value is empty, not missing', () => {
    assert.equal(readCookie('a=', 'a'), '');
  });

  test('percent-encoding is decoded; malformed encoding gives null', () => {
    assert.equal(readCookie('a=x%20y%3D', 'a'), 'x y=');
    assert.equal(readCookie('a=%E0%A4%A', 'a'), null);
    assert.equal(readCookie('a=%zz', 'a'), null);
  });
});

describe('sessionCookie', () => {
  const attrs = (cookie: string) => cookie.split('; ').slice(1);

  test('HttpOnly, SameSite=Lax, Path=/, Max-Age; over https `__Host-ddr_session`, Secure, no Domain', () => {
    const plain = sessionCookie('tok', 3600, false);
    assert.ok(plain.startsWith(`${SESSION_COOKIE}=tok; `));
    assert.deepEqual(attrs(plain).sort(), ['HttpOnly', 'Max-Age=3600', 'Path=/', 'SameSite=Lax']);
    const secure = sessionCookie('tok', 60, true);
    assert.equal(SECURE_SESSION_COOKIE, '__Host-ddr_session');
    assert.ok(secure.startsWith('__Host-ddr_session=tok; '), secure);
    assert.deepEqual(attrs(secure).sort(), ['HttpOnly', 'Max-Age=60', 'Path=/', 'SameSite=Lax', 'Secure']);
    assert.ok(clearedSessionCookie(true).startsWith('__Host-ddr_session=; '));
  });

  test('the cleared cookie has no value and Max-Age=0', () => {
    assert.ok(clearedSessionCookie(false).startsWith(`${SESSION_COOKIE}=; `));
    assert.ok(attrs(clearedSessionCookie(true)).includes('Max-Age=0'));
    assert.ok(attrs(clearedSessionCookie(true)).includes('Secure'));
  });

  test('the session token round-trips through readCookie', () => {
    const token = 'ddr_s_AbC-_09';
    const set = sessionCookie(token, 10, false);
    assert.equal(readCookie(set.split('; ')[0], SESSION_COOKIE), token);
  });
});

describe('sessionToken', () => {
  test('one name per request: ddr_session on http, __Host-ddr_session on https', () => {
    const both = 'ddr_session=plain; __Host-ddr_session=secure';
    assert.equal(sessionToken(both, false), 'plain');
    assert.equal(sessionToken(both, true), 'secure');
    assert.equal(sessionToken('ddr_session=plain', true), null);
    assert.equal(sessionToken(undefined, false), null);
  });

  test('the session cookie twice is ambiguous, whatever the values', () => {
    assert.equal(sessionToken('ddr_session=a; ddr_session=b', false), 'ambiguous');
    assert.equal(sessionToken('ddr_session=a; x=1; ddr_session=a', false), 'ambiguous');
    assert.equal(sessionToken('__Host-ddr_session=a;__Host-ddr_session=b', true), 'ambiguous');
  });
});

describe('isHttps', () => {
  test('from the URL or the first X-Forwarded-Proto value', () => {
    assert.ok(isHttps('https://portal/x', null));
    assert.ok(isHttps('http://portal/x', 'https'));
    assert.ok(isHttps('http://portal/x', ' HTTPS , http'));
    assert.ok(!isHttps('http://portal/x', 'http, https'));
    assert.ok(!isHttps('http://portal/x', undefined));
    assert.ok(!isHttps('http://portal/x', ''));
  });
});
