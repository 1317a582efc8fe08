// DNS rebinding: which Host headers the portal answers (lib/server/allowed-hosts.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedHosts, parseHostHeader } from '../../../lib/server/allowed-hosts';

test('by default: loopback names on any port and the configured HOST; nothing else', () => {
  const ok = allowedHosts({ HOST: '127.0.0.1', PORT: 3000 });
  for (const h of ['localhost:3000', 'LOCALHOST', '127.0.0.1:3000', '127.0.0.1:41234', '[::1]:3000', 'localhost.:3000']) assert.ok(ok(h), h);
  for (const h of ['rebind.attacker.example', 'rebind.attacker.example:3000', 'localhost.attacker.example:3000', '127.0.0.1.nip.io:3000', '', undefined, null, 'evil@127.0.0.1', '127.0.0.1:3000/x', '[::1', '127.0.0.1:99999']) {
    assert.ok(!ok(h), String(h));
  }
});

test('ALLOWED_HOSTS adds names (any port) and host:port pairs (that port only)', () => {
  const ok = allowedHosts({ HOST: 'portal.lan', PORT: 3000, ALLOWED_HOSTS: 'portal.example.com, 10.0.0.5:8443,[2001:db8::1]' });
  assert.ok(ok('portal.lan:3000'));
  assert.ok(ok('Portal.Example.com'));
  assert.ok(ok('portal.example.com:443'));
  assert.ok(ok('10.0.0.5:8443'));
  assert.ok(!ok('10.0.0.5:3000'));
  assert.ok(ok('[2001:db8::1]:3000'));
  assert.ok(!ok('example.com'));
});

test('a wildcard HOST allows this machine\'s own addresses, not any name', () => {
  const ok = allowedHosts({ HOST: '0.0.0.0', PORT: 3000 });
  assert.ok(ok('127.0.0.1:3000'));
  assert.ok(!ok('0.0.0.0:3000'));
  assert.ok(!ok('rebind.attacker.example:3000'));
});

test('parseHostHeader', () => {
  assert.deepEqual(parseHostHeader('[::1]:80'), { host: '[::1]', port: 80 });
  assert.deepEqual(parseHostHeader('a.example'), { host: 'a.example', port: null });
  assert.equal(parseHostHeader('a b'), null);
});
