// SIP_BIND (one address:port per family) and SIP_PUBLIC_HOST (one host per family): parsing,
// validation messages, and their place in the environment schema.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envSchema } from '../../../lib/env';
import { parsePublicHosts, publicHostFor } from '../../../registrar/registration/public-host';
import { formatBinds, parseSipBind } from '../../../registrar/transport/sip-bind';

test('SIP_BIND: a comma-separated list of address:port, IPv6 in brackets, one family each', () => {
  assert.deepEqual(parseSipBind('0.0.0.0:5060,[::]:5060'), [
    { family: 4, host: '0.0.0.0', port: 5060 },
    { family: 6, host: '::', port: 5060 },
  ]);
  assert.deepEqual(parseSipBind(' [::1]:5090 , 127.0.0.1:0 '), [
    { family: 6, host: '::1', port: 5090 },
    { family: 4, host: '127.0.0.1', port: 0 },
  ]);
  assert.deepEqual(parseSipBind('192.0.2.7:5070'), [{ family: 4, host: '192.0.2.7', port: 5070 }]);
  assert.deepEqual(parseSipBind('[2001:DB8::5]:5060'), [{ family: 6, host: '2001:db8::5', port: 5060 }]);
  assert.equal(formatBinds(parseSipBind('[::]:5060, 0.0.0.0:5062')), '[::]:5060,0.0.0.0:5062');
});

test('SIP_BIND: refused with a message naming the entry', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /no address given/],
    [' , ', /no address given/],
    ['0.0.0.0:5060,,[::]:5060', /empty entry/],
    ['0.0.0.0:5060,0.0.0.0:5060', /0\.0\.0\.0:5060 is listed twice/],
    ['[::]:5060,[::]:5060', /\[::\]:5060 is listed twice/],
    ['0.0.0.0:5060,127.0.0.1:5070', /0\.0\.0\.0:5060 and 127\.0\.0\.1:5070 are both IPv4: at most one address per family/],
    ['[::]:5060,[::1]:5062', /both IPv6/],
    ['::1:5060', /"::1:5060": an IPv6 address goes in brackets with a port/], // itself a valid IPv6 address
    ['::1', /an IPv6 address goes in brackets with a port, e.g. \[::1\]:5060/],
    ['0.0.0.0', /is not address:port/],
    ['sip.example.com:5060', /is not an IP address \(a name cannot be bound/],
    ['[127.0.0.1]:5060', /only an IPv6 address goes in brackets/],
    ['[::ffff:192.0.2.1]:5060', /IPv4-mapped address; write the IPv4 address \(192\.0\.2\.1:5060\)/],
    ['0.0.0.0:70000', /the port must be 0-65535/],
    ['0.0.0.0:50x', /is not address:port/],
    ['1.2.3:5060', /is not an IP address/],
  ];
  for (const [text, message] of cases) assert.throws(() => parseSipBind(text), message, JSON.stringify(text));
});

test('SIP_BIND in the environment schema: default both families on 5060, validated with the message', () => {
  assert.equal(envSchema.parse({}).SIP_BIND, '0.0.0.0:5060,[::]:5060');
  assert.equal(envSchema.parse({ SIP_BIND: '127.0.0.1:0' }).SIP_BIND, '127.0.0.1:0');
  const bad = envSchema.safeParse({ SIP_BIND: '0.0.0.0:5060,10.0.0.1:5060' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['SIP_BIND']);
  assert.match(bad.error?.issues[0].message ?? '', /at most one address per family/);
});

test('SIP_PUBLIC_HOST: at most one IPv4 and one IPv6 address, or one hostname for both', () => {
  assert.deepEqual(parsePublicHosts(undefined), { 4: null, 6: null });
  assert.deepEqual(parsePublicHosts(' '), { 4: null, 6: null });
  assert.deepEqual(parsePublicHosts('203.0.113.5'), { 4: '203.0.113.5', 6: null });
  assert.deepEqual(parsePublicHosts('2001:DB8::5'), { 4: null, 6: '2001:db8::5' });
  assert.deepEqual(parsePublicHosts('[2001:db8::5], 203.0.113.5'), { 4: '203.0.113.5', 6: '2001:db8::5' });
  assert.deepEqual(parsePublicHosts('sip.example.com'), { 4: 'sip.example.com', 6: 'sip.example.com' });
  const cases: Array<[string, RegExp]> = [
    ['203.0.113.5,198.51.100.1', /203\.0\.113\.5 and 198\.51\.100\.1 are both IPv4: at most one IPv4 and one IPv6 address/],
    ['::1,2001:db8::5', /both IPv6/],
    ['sip.example.com,2001:db8::5', /the hostname sip\.example\.com applies to IPv4 and IPv6 alike: give it alone/],
    ['203.0.113.5,,::1', /empty entry/],
    ['203.0.113.5:5060', /neither an IP address nor a hostname \(no port/],
    ['[::1]:5060', /neither an IP address nor a hostname/],
    ['[203.0.113.5]', /only an IPv6 address goes in brackets/],
    ['bad_host!', /neither an IP address nor a hostname/],
  ];
  for (const [text, message] of cases) assert.throws(() => parsePublicHosts(text), message, text);
});

test('SIP_PUBLIC_HOST: the host of the target\'s family, else none (the local address towards it)', () => {
  const hosts = parsePublicHosts('203.0.113.5,2001:db8::5');
  assert.equal(publicHostFor(hosts, '198.51.100.9'), '203.0.113.5');
  assert.equal(publicHostFor(hosts, '2001:db8::99'), '2001:db8::5');
  const v4only = parsePublicHosts('203.0.113.5');
  assert.equal(publicHostFor(v4only, '::1'), null);
  assert.equal(publicHostFor(parsePublicHosts('sip.example.com'), '::1'), 'sip.example.com');
});

test('SIP_PUBLIC_HOST in the environment schema: optional, validated with the message', () => {
  assert.equal(envSchema.parse({}).SIP_PUBLIC_HOST, undefined);
  assert.equal(envSchema.parse({ SIP_PUBLIC_HOST: '127.0.0.1,::1' }).SIP_PUBLIC_HOST, '127.0.0.1,::1');
  const bad = envSchema.safeParse({ SIP_PUBLIC_HOST: '127.0.0.1,127.0.0.2' });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['SIP_PUBLIC_HOST']);
});
