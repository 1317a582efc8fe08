import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { z } from 'zod';
import {
  authUsernameRule,
  ddiRule,
  domainRule,
  expiresRule,
  isHost,
  isHostPort,
  isRegisterServerUri,
  messages,
  optionalText,
  passwordRule,
  realmRule,
  registerServerUriRule,
  usernameRule,
} from '../../../lib/registrations/rules';

const big = 'x'.repeat(10_000);

function accepts(rule: z.ZodType, cases: Array<[unknown, unknown?]>) {
  for (const [input, expected] of cases) {
    const r = rule.safeParse(input);
    assert.ok(r.success, `expected ${JSON.stringify(input)?.slice(0, 60)} to be accepted: ${r.error?.issues[0]?.message}`);
    if (expected !== undefined) assert.deepEqual(r.data, expected);
  }
}

function rejects(rule: z.ZodType, inputs: unknown[], message?: string) {
  for (const input of inputs) {
    const r = rule.safeParse(input);
    assert.ok(!r.success, `expected ${JSON.stringify(input)?.slice(0, 60)} to be rejected`);
    if (message) assert.equal(r.error.issues[0]!.message, message, `message for ${JSON.stringify(input)?.slice(0, 60)}`);
  }
}

describe('usernameRule', () => {
  test('accepts SIP user parts, trimmed', () => {
    accepts(usernameRule, [
      ['883200145', '883200145'],
      ['  883200145\t', '883200145'],
      ["a-_.!~*'()&=+$,;?/", undefined],
      ['%41lice', undefined],
      ['x'.repeat(64), undefined],
    ]);
  });
  test('rejects empty, spaces, @, :, unicode, bad escapes, too long, 10 kB', () => {
    rejects(usernameRule, ['', '   '], 'Username is required.');
    rejects(usernameRule, ['a b', 'a@b', 'a:b', 'ü', 'użytkownik', '😀', '%4', '%zz', 'x'.repeat(65), big], messages.username);
  });
  test('rejects non-strings', () => {
    rejects(usernameRule, [5, null, undefined, {}, ['a']]);
  });
});

describe('authUsernameRule (optional)', () => {
  const rule = optionalText(authUsernameRule);
  test("'' / whitespace / null / absent mean not set", () => {
    accepts(rule, [['', null], ['   ', null], [null, null], [undefined, null], [' auth ', 'auth']]);
  });
  test('same characters as username', () => {
    rejects(rule, ['a b', 'ü', big, 'x'.repeat(65), 42]);
  });
});

describe('domainRule', () => {
  test('hostnames, lower-cased and trimmed', () => {
    accepts(domainRule, [
      ['sip.example.com', 'sip.example.com'],
      ['SIP.Example.COM', 'sip.example.com'],
      ['  sip.example.com  ', 'sip.example.com'],
      ['localhost', 'localhost'],
      ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
      ['sip.example.com.', 'sip.example.com.'],
      [`${'a'.repeat(63)}.com`, undefined],
    ]);
  });
  test('IPv4 and bracketed IPv6 literals', () => {
    accepts(domainRule, [
      ['192.0.2.10', '192.0.2.10'],
      ['[2001:db8::1]', '[2001:db8::1]'],
      ['[2001:DB8::1]', '[2001:db8::1]'],
      ['[::1]', '[::1]'],
      ['[::ffff:192.0.2.1]', '[::ffff:192.0.2.1]'],
    ]);
    rejects(domainRule, ['2001:db8::1', '[gggg::1]', '[1:2:3:4:5:6:7:8:9]', '[]', '[2001:db8::1', '192.0.2.256', '1.2.3', '01.2.3.4.5'], messages.domain);
  });
  test('ports 1–65535', () => {
    accepts(domainRule, [['sip.example.com:5060'], ['sip.example.com:1'], ['sip.example.com:65535'], ['192.0.2.10:5080'], ['[2001:db8::1]:5061']]);
    rejects(domainRule, ['sip.example.com:0', 'sip.example.com:65536', 'sip.example.com:99999', 'sip.example.com:', 'sip.example.com:abc', 'sip.example.com:05060', '[::1]:', 'a:1:2'], messages.domain);
  });
  test('rejects bad labels, unicode, spaces, 10 kB', () => {
    rejects(domainRule, ['-bad.com', 'bad-.com', 'a..b', 'host_name.com', 'bücher.de', 'sip example.com', 'sip.example.123', `${'a'.repeat(64)}.com`, big], messages.domain);
    rejects(domainRule, ['', '  '], 'Domain is required.');
    // a URI pasted into Domain says to drop the scheme (one message, not also "not a hostname")
    rejects(domainRule, ['sip:sip.example.com', 'SIPS:sip.example.com:5061', ' sip:192.0.2.10', 'sip:user@host.example'], messages.domainScheme);
    assert.equal(domainRule.safeParse('sip:sip.example.com').error?.issues.length, 1);
    rejects(domainRule, [1, null]);
  });
  test('isHost / isHostPort helpers', () => {
    assert.equal(isHost('[::1]'), true);
    assert.equal(isHost('::1'), false);
    assert.equal(isHost('a'.repeat(254)), false);
    assert.equal(isHostPort('example.com:5060'), true);
    assert.equal(isHostPort('[2001:db8::1]:65535'), true);
    assert.equal(isHostPort('[2001:db8::1]:65536'), false);
  });
});

describe('ddiRule', () => {
  test('digits with an optional leading +', () => {
    accepts(ddiRule, [['+34911223344', '+34911223344'], ['34911223344'], [' +349 ', '+349'], ['1'], ['1'.repeat(32)]]);
  });
  test('rejects letters, spaces, double +, non-ASCII digits, too long, 10 kB', () => {
    rejects(ddiRule, ['+', '++34', '34+', '34 91', '34-91', 'abc', '٣٤٥', '３４', '1'.repeat(33), big], messages.ddi);
    rejects(ddiRule, ['', '  '], 'DDI is required.');
    rejects(ddiRule, [34911223344, null]);
  });
});

describe('registerServerUriRule', () => {
  const rule = optionalText(registerServerUriRule);
  test('sip: and sips: URIs with host, port, user and params', () => {
    accepts(registerServerUriRule, [
      ['sip:192.0.2.10:5060'],
      ['sips:sip.example.com'],
      ['SIP:sip.example.com'],
      ['sip:user@sip.example.com;transport=tcp'],
      ['sip:[2001:db8::1]:5061;transport=tls'],
      ['sips:[2001:db8::1]'],
      ['sips:sip.example.com:5061;transport=tls'],
      ['sip:sip.example.com;lr'],
      ['  sip:sip.example.com  ', 'sip:sip.example.com'],
    ]);
  });
  test('rejects other schemes, bad hosts and ports, unknown transports, sips over udp, 10 kB', () => {
    rejects(
      registerServerUriRule,
      [
        'http://sip.example.com',
        '192.0.2.10',
        'sip:',
        'sip:@host.com',
        'sip:a b@host.com',
        'sip:ü@host.com',
        'sip:host.com:99999',
        'sip:host.com:0',
        'sip:2001:db8::1',
        'sip:host.com;transport=foo',
        'sip:host.com;transport=',
        'sip:host.com;;lr',
        'sip:host.com?subject=x',
        'sips:host.com;transport=udp',
        `sip:${big}`,
      ],
      messages.registerServerUri,
    );
  });
  test("optional: '' means not set", () => {
    accepts(rule, [['', null], [null, null], [undefined, null]]);
  });
  test('isRegisterServerUri helper', () => {
    assert.equal(isRegisterServerUri('sip:example.com'), true);
    assert.equal(isRegisterServerUri('tel:+34911'), false);
  });
});

describe('realmRule', () => {
  const rule = optionalText(realmRule);
  test('printable text incl. unicode, trimmed; empty means not set', () => {
    accepts(rule, [['asterisk', 'asterisk'], [' sip.example.com ', 'sip.example.com'], ['Réalm ü 😀', undefined], ['', null], ['x'.repeat(128), undefined]]);
  });
  test('rejects quotes, backslashes, control characters, too long, 10 kB', () => {
    rejects(rule, ['a"b', 'a\\b', 'a\nb', 'a\u0000b', 'x'.repeat(129), big], messages.realm);
    rejects(rule, [5, true]);
  });
});

describe('passwordRule', () => {
  test('keeps spaces and unicode as typed', () => {
    accepts(passwordRule, [['secret', 'secret'], [' sp ace ', ' sp ace '], ['ü€😀', 'ü€😀'], ['x'.repeat(128), undefined]]);
  });
  test('rejects control characters, empty, too long, 10 kB', () => {
    rejects(passwordRule, ['a\nb', 'a\tb', '\u0007', '', 'x'.repeat(129), big], messages.password);
    rejects(passwordRule, [123, null]);
  });
});

describe('expiresRule', () => {
  test('whole seconds 60–86400', () => {
    accepts(expiresRule, [[60, 60], [3600, 3600], [86400, 86400]]);
  });
  test('rejects out of bounds, non-integers, strings, NaN, Infinity, null', () => {
    rejects(expiresRule, [59, 0, -1, 86401, 1e21, 3600.5, 60.0001, '3600', '', NaN, Infinity, -Infinity, null, undefined, true], messages.expires);
  });
});
