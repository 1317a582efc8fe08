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
  const transport = new UdpTransport({ binds: [{ host: '127.0.0.1', port: 0 }] });
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
    // Bound to an address: known without waiting.
    assert.deepEqual(transport.localAddressNow(target), local);

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
    assert.equal(errors[0]?.code, 'E_NO_IPV6');
    assert.equal(errors[0]?.message, 'no IPv6 socket to reach [::1]:5060: SIP_BIND has no IPv6 address (127.0.0.1)');
    await assert.rejects(transport.localAddressFor({ transport: 'udp', host: '::1', port: 5060 }), { code: 'E_NO_IPV6' });
  } finally {
    peer.close();
    await transport.close();
  }
});

test('dual stack: one socket per family, each target reached from its own family', async () => {
  const transport = new UdpTransport({ binds: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
  await transport.open();
  const peer4 = createSocket('udp4');
  const peer6 = createSocket('udp6');
  peer4.bind(0, '127.0.0.1');
  peer6.bind(0, '::1');
  await Promise.all([once(peer4, 'listening'), once(peer6, 'listening')]);
  try {
    const local4 = transport.address(4);
    const local6 = transport.address(6);
    assert.equal(local4.host, '127.0.0.1');
    assert.equal(local6.host, '::1');
    const to4 = { transport: 'udp' as const, host: '127.0.0.1', port: peer4.address().port };
    const to6 = { transport: 'udp' as const, host: '::1', port: peer6.address().port };
    assert.deepEqual(await transport.localAddressFor(to4), local4);
    assert.deepEqual(await transport.localAddressFor(to6), local6);
    const got4 = once(peer4, 'message');
    const got6 = once(peer6, 'message');
    transport.send(to4, Buffer.from('OPTIONS four'));
    transport.send(to6, Buffer.from('OPTIONS six'));
    const [[m4, r4], [m6, r6]] = (await Promise.all([got4, got6])) as Array<[Buffer, { address: string; port: number }]>;
    assert.deepEqual([m4.toString(), r4.address, r4.port], ['OPTIONS four', '127.0.0.1', local4.port]);
    assert.deepEqual([m6.toString(), r6.address, r6.port], ['OPTIONS six', '::1', local6.port]);

    const inbound: RemoteAddress[] = [];
    const both = new Promise<void>((resolve) =>
      transport.setInboundHandler((_d, r) => {
        inbound.push(r);
        if (inbound.length === 2) resolve();
      }),
    );
    peer4.send('SIP/2.0 200 OK\r\n\r\n', local4.port, '127.0.0.1');
    peer6.send('SIP/2.0 200 OK\r\n\r\n', local6.port, '::1');
    await both;
    assert.deepEqual(inbound.map((r) => r.host).sort(), ['127.0.0.1', '::1']);
  } finally {
    peer4.close();
    peer6.close();
    await transport.close();
  }
});

test('dual stack: 0.0.0.0 and :: on the same port coexist (the :: socket is IPv6-only)', async () => {
  const probe = new UdpTransport({ binds: [{ host: '0.0.0.0', port: 0 }] });
  await probe.open();
  const port = probe.address().port;
  await probe.close();
  const transport = new UdpTransport({ binds: [{ host: '0.0.0.0', port }, { host: '::', port }] });
  try {
    await transport.open();
    assert.equal(transport.address(4).port, port);
    assert.equal(transport.address(6).port, port);
    // Wildcard: the address advertised is the kernel's source towards the target, in its family;
    // not known without waiting until found once (localAddressNow), then the same.
    const to4 = { transport: 'udp' as const, host: '127.0.0.1', port: 5060 };
    assert.equal(transport.localAddressNow(to4), null);
    assert.equal((await transport.localAddressFor({ transport: 'udp', host: '::1', port: 5060 })).host, '::1');
    const found = await transport.localAddressFor(to4);
    assert.equal(found.host, '127.0.0.1');
    assert.deepEqual(transport.localAddressNow(to4), found);
  } finally {
    await transport.close();
  }
});

test('a family dropped at open: its targets fail with E_NO_IPV6 and say why', async () => {
  const transport = new UdpTransport({ binds: [{ host: '127.0.0.1', port: 0 }, { host: '::1', port: 0 }] });
  await transport.openFamily(4);
  await transport.dropFamily(6, 'IPv6 is not available on this host (bind [::1]:0: EAFNOSUPPORT)');
  try {
    assert.deepEqual(transport.families, [4]);
    const errors: SipError[] = [];
    transport.send({ transport: 'udp', host: '::1', port: 5060 }, Buffer.from('x'), (e) => errors.push(e));
    assert.equal(errors[0]?.code, 'E_NO_IPV6');
    assert.match(errors[0]?.message ?? '', /IPv6 is not available on this host \(bind \[::1\]:0: EAFNOSUPPORT\)/);
  } finally {
    await transport.close();
  }
});
