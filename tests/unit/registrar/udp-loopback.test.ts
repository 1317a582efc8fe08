// Real-socket smoke test. Loopback (127.0.0.1) only.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { SipError } from '../../../registrar/errors';
import { UdpTransport } from '../../../registrar/transport/udp';
import type { RemoteAddress } from '../../../registrar/transport/types';
import { onceWithin, withDeadline } from '../../deadline';

test('UDP transport on 127.0.0.1:0 exchanges datagrams with a dgram peer', async () => {
  const transport = new UdpTransport({ bindAddress: '127.0.0.1', bindPort: 0 });
  await transport.open();
  const peer = createSocket('udp4');
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  try {
    const local = transport.address();
    assert.equal(local.host, '127.0.0.1');
    assert.ok(local.port > 0);
    const target = { transport: 'udp' as const, host: '127.0.0.1', port: peer.address().port };
    assert.deepEqual(await transport.localAddressFor(target), local);

    const received = onceWithin(peer, 'message', 5000, 'the REGISTER at the peer');
    transport.send(target, Buffer.from('REGISTER sip:127.0.0.1 SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    const [msg, rinfo] = (await received) as [Buffer, { port: number }];
    assert.match(msg.toString(), /^REGISTER sip:127\.0\.0\.1 SIP\/2\.0/);
    assert.equal(rinfo.port, local.port);

    const inbound = new Promise<[Buffer, RemoteAddress]>((resolve) => transport.setInboundHandler((d, r) => resolve([d, r])));
    // A CRLF keep-alive datagram is not a message: the next one handed over is the 200.
    peer.send('\r\n\r\n', local.port, '127.0.0.1');
    peer.send('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n', local.port, '127.0.0.1');
    const [data, remote] = await withDeadline('the 200 handed over', 5000, inbound);
    assert.equal(data.toString().split('\r\n')[0], 'SIP/2.0 200 OK');
    assert.deepEqual(remote, { transport: 'udp', host: '127.0.0.1', port: peer.address().port });

    const errors: SipError[] = [];
    transport.send({ transport: 'udp', host: '::1', port: 5060 }, Buffer.from('x'), (e) => errors.push(e));
    assert.equal(errors[0]?.code, 'E_TRANSPORT');
  } finally {
    peer.close();
    await transport.close();
  }
});
