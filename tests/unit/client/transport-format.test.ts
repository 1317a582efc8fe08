import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTransport, targetTransport, transportOptionLabel } from '../../../lib/client/format';
import { registrations } from '../../../lib/db/schema';
import { TRANSPORT_SETTINGS as transports } from '../../../registrar/domain/vocabulary';
import { TRANSPORT_SETTINGS } from '../../../registrar/transport/types';
import { transportHints } from '../../../lib/glossary';

test('the transport settings are one list: the engine\'s, auto first (the form lists them in this order)', () => {
  assert.equal(transports, TRANSPORT_SETTINGS);
  assert.deepEqual(registrations.transport.enumValues, [...transports]);
  assert.deepEqual([...transports], ['auto', 'udp', 'tcp', 'tls']);
  assert.deepEqual(transports.map(transportOptionLabel), ['Auto (DNS decides)', 'UDP', 'TCP', 'TLS']);
  for (const t of transports) assert.ok(transportHints[t], `a hint for ${t}`);
});

test("the chosen transport of an auto registration comes from the status target ('ip:port/transport')", () => {
  assert.equal(targetTransport('127.0.0.1:5060/tcp'), 'tcp');
  assert.equal(targetTransport('[2001:db8::1]:5061/tls'), 'tls');
  assert.equal(targetTransport(null), null);
  assert.equal(targetTransport('udp:192.0.2.10:5060'), null);
  assert.equal(formatTransport('auto', '192.0.2.10:5070/tcp'), 'auto → TCP');
  assert.equal(formatTransport('auto', null), 'auto');
  assert.equal(formatTransport('udp', '192.0.2.10:5060/udp'), 'UDP');
  assert.equal(formatTransport('tls', null), 'TLS');
});
