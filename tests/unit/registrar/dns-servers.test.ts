import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envSchema } from '../../../lib/env';
import { parseDnsServers, resolverFor } from '../../../registrar/dns/servers';

test('SIP_DNS_SERVERS: ip, ip:port, v6 and [v6]:port, comma-separated', () => {
  assert.deepEqual(parseDnsServers(undefined), []);
  assert.deepEqual(parseDnsServers(''), []);
  assert.deepEqual(parseDnsServers('127.0.0.1:5353'), ['127.0.0.1:5353']);
  assert.deepEqual(parseDnsServers(' 192.0.2.53 , [::1]:53,2001:db8::53, [2001:db8::1] '), ['192.0.2.53', '[::1]:53', '2001:db8::53', '2001:db8::1']);
  for (const bad of ['dns.example.com', '127.0.0.1:0', '127.0.0.1:70000', '127.0.0.1:x', '[127.0.0.1]:53', '1.2.3:53', '[::1]:']) {
    assert.throws(() => parseDnsServers(bad), Error, bad);
  }
});

test('SIP_DNS_SERVERS in the environment schema: validated, default the system resolver', () => {
  assert.equal(envSchema.parse({}).SIP_DNS_SERVERS, undefined);
  assert.equal(envSchema.parse({ SIP_DNS_SERVERS: '127.0.0.1:5353,[::1]:53' }).SIP_DNS_SERVERS, '127.0.0.1:5353,[::1]:53');
  const bad = envSchema.safeParse({ SIP_DNS_SERVERS: '127.0.0.1,dns.example.com' });
  assert.equal(bad.success, false);
  assert.match(bad.error?.issues[0].message ?? '', /dns\.example\.com/);
  assert.equal(envSchema.safeParse({ SIP_DNS_SERVERS: ' , ' }).success, false);
});

test('resolverFor: none → the engine default; servers → a Resolver asking them', () => {
  assert.equal(resolverFor([]), undefined);
  assert.deepEqual(resolverFor(['127.0.0.1:5353', '[::1]:5300'])?.getServers(), ['127.0.0.1:5353', '[::1]:5300']);
});
