import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, parseTrustedProxies } from '../../../lib/server/client-address';

const proxies = parseTrustedProxies('127.0.0.1, 10.0.0.2');

test('without a trusted proxy the socket peer is the client, whatever X-Forwarded-For says', () => {
  assert.equal(clientAddress('203.0.113.9', '198.51.100.1', parseTrustedProxies(undefined)), '203.0.113.9');
  assert.equal(clientAddress('203.0.113.9', '198.51.100.1', proxies), '203.0.113.9');
});

test('behind a trusted proxy the nearest untrusted X-Forwarded-For entry is the client', () => {
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1', proxies), '198.51.100.1');
  // the client prepended a forged entry; the proxy appended the real peer
  assert.equal(clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.1', proxies), '198.51.100.1');
  // two proxies in a row
  assert.equal(clientAddress('127.0.0.1', '198.51.100.1, 10.0.0.2', proxies), '198.51.100.1');
});

test('IPv4-mapped IPv6 peers compare as IPv4; a proxy without the header is the client', () => {
  assert.equal(clientAddress('::ffff:127.0.0.1', '198.51.100.7', proxies), '198.51.100.7');
  assert.equal(clientAddress('::ffff:127.0.0.1', undefined, proxies), '127.0.0.1');
});
