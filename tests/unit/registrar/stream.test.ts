// Stream framing unit tests plus a TCP smoke test on 127.0.0.1 only.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { SipError } from '../../../registrar/errors';
import { DEFAULT_LIMITS } from '../../../registrar/message/types';
import { StreamFramer } from '../../../registrar/transport/stream-framer';
import { StreamTransport } from '../../../registrar/transport/stream';
import { onceWithin, waitUntil, withDeadline } from '../../deadline';

const MSG = 'SIP/2.0 200 OK\r\nCSeq: 1 REGISTER\r\nContent-Length: 5\r\n\r\nhello';
/** Deadline of each wait on loopback (generous: the machine may be busy). */
const WAIT_MS = 5000;

test('framer splits by Content-Length across arbitrary chunking and skips CRLF keep-alives', () => {
  const framer = new StreamFramer(DEFAULT_LIMITS);
  const stream = Buffer.from(`\r\n\r\n${MSG}${MSG.replace('Content-Length: 5', 'l: 0').replace('hello', '')}${MSG}`);
  const out: string[] = [];
  for (let i = 0; i < stream.length; i += 7) out.push(...framer.push(stream.subarray(i, i + 7)).map((b) => b.toString()));
  assert.equal(out.length, 3);
  assert.equal(out[0], MSG);
  assert.ok(out[1].endsWith('l: 0\r\n\r\n'));
  assert.equal(out[2], MSG);
});

test('framer surfaces keep-alives between messages: CRLFCRLF is a ping, a lone CRLF a pong (RFC 5626 §3.5.1)', () => {
  const seen: string[] = [];
  const framer = new StreamFramer(DEFAULT_LIMITS, (kind) => seen.push(kind));
  assert.deepEqual(framer.push(Buffer.from('\r\n\r\n')), []);
  assert.deepEqual(seen, ['ping']);
  assert.deepEqual(framer.push(Buffer.from('\r\n')), []);
  assert.deepEqual(seen, ['ping', 'pong']);
  // A pong, then a message split across chunks, then a ping and a pong in one run.
  const out = [...framer.push(Buffer.from(`\r\n${MSG.slice(0, 20)}`)), ...framer.push(Buffer.from(`${MSG.slice(20)}\r\n\r\n\r\n`))];
  assert.deepEqual(out.map(String), [MSG]);
  assert.deepEqual(seen, ['ping', 'pong', 'pong', 'ping', 'pong']);
  // CRLFs inside a message are not keep-alives.
  seen.length = 0;
  assert.equal(framer.push(Buffer.from(MSG.replace('hello', '\r\n\r\nhe'))).length, 1);
  assert.deepEqual(seen, []);
});

test('framer rejects oversize, missing Content-Length and endless headers', () => {
  const limits = { maxMessageBytes: 1024, maxHeaders: 256 };
  assert.throws(() => new StreamFramer(limits).push(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 5000\r\n\r\n')), (e: unknown) => e instanceof SipError && e.code === 'E_TOO_LARGE');
  assert.throws(() => new StreamFramer(limits).push(Buffer.from('SIP/2.0 200 OK\r\nCSeq: 1 X\r\n\r\n')), (e: unknown) => e instanceof SipError && e.code === 'E_PARSE');
  assert.throws(() => new StreamFramer(limits).push(Buffer.alloc(2000, 0x41)), (e: unknown) => e instanceof SipError && e.code === 'E_TOO_LARGE');
});

test('TCP transport reuses one connection per target, frames replies, drops garbage connections', async () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => {
      if (d.toString().startsWith('GARBAGE')) s.write(Buffer.alloc(100_000, 0x41));
      else for (const _ of d.toString().matchAll(/REGISTER/g)) s.write(MSG);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const transport = new StreamTransport('tcp');
  try {
    const target = { transport: 'tcp' as const, host: '127.0.0.1', port };
    const got: string[] = [];
    transport.setInboundHandler((d) => got.push(d.toString()));
    const local = await transport.localAddressFor(target);
    assert.equal(local.host, '127.0.0.1');
    transport.send(target, Buffer.from('REGISTER a SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    transport.send(target, Buffer.from('REGISTER b SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    await waitUntil('two framed replies', () => got.length, (n) => n >= 2, WAIT_MS, 5);
    assert.deepEqual(got, [MSG, MSG]);
    assert.equal(sockets.length, 1);

    transport.send(target, Buffer.from('GARBAGE'));
    await waitUntil('the garbage connection dropped', () => transport.counters.droppedInbound, (n) => n > 0, WAIT_MS, 5);
    transport.send(target, Buffer.from('REGISTER c SIP/2.0\r\nContent-Length: 0\r\n\r\n'));
    await waitUntil('a reply over a new connection', () => got.length, (n) => n >= 3, WAIT_MS, 5);
    assert.equal(sockets.length, 2);
  } finally {
    await transport.close();
    for (const s of sockets) s.destroy();
    server.close();
  }
});

test('TCP connect failure reaches the sender as E_TRANSPORT', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  const transport = new StreamTransport('tcp');
  const error = await withDeadline('the send error', WAIT_MS, new Promise<SipError>((resolve) => transport.send({ transport: 'tcp', host: '127.0.0.1', port }, Buffer.from('x'), resolve)));
  assert.equal(error.code, 'E_TRANSPORT');
  await transport.close();
});

test('TCP listener: inbound connections are capped and closed when idle; responses go back over them', async () => {
  const transport = new StreamTransport('tcp', { sides: [{ host: '127.0.0.1', port: () => 0 }], maxInboundConnections: 1, inboundIdleMs: 200 });
  const clients: Socket[] = [];
  try {
    let inbound: { host: string; port: number } | null = null;
    transport.setInboundHandler((_d, remote) => (inbound = remote));
    await transport.open();
    const port = transport.listenPort!;
    const connect = async () => {
      const c = netConnect({ host: '127.0.0.1', port });
      clients.push(c);
      await onceWithin(c, 'connect', WAIT_MS);
      return c;
    };
    const first = await connect();
    first.write('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n');
    await waitUntil('the inbound OPTIONS', () => inbound, (x) => x !== null, WAIT_MS, 5);
    assert.deepEqual(inbound, { transport: 'tcp', host: '127.0.0.1', port: first.localPort });
    const reply = onceWithin(first, 'data', WAIT_MS, 'the response over the inbound connection');
    transport.send({ transport: 'tcp', host: '127.0.0.1', port: first.localPort!, existingConnection: true }, Buffer.from(MSG));
    assert.equal(String((await reply)[0]), MSG);
    // Over the cap: the listener drops the second connection at once.
    const second = await connect();
    await onceWithin(second, 'close', WAIT_MS, 'the connection over the cap closed');
    // Idle: the first is closed after inboundIdleMs; a response to it then fails instead of connecting anew.
    await onceWithin(first, 'close', WAIT_MS, 'the idle connection closed');
    const error = await withDeadline('the send error', WAIT_MS, new Promise<SipError>((resolve) => transport.send({ transport: 'tcp', host: '127.0.0.1', port: first.localPort!, existingConnection: true }, Buffer.from(MSG), resolve)));
    assert.equal(error.code, 'E_TRANSPORT');
    assert.equal(transport.counters.accepted, 1);
  } finally {
    for (const c of clients) c.destroy();
    await transport.close();
  }
});

test('TCP sides per family: connections come from our address of the target\'s family, listeners on both, a family without a side refused', async () => {
  const remotes: string[] = [];
  const server = createServer((s) => {
    remotes.push(s.remoteAddress ?? '');
    s.destroy();
  });
  server.listen({ port: 0, host: '::1', ipv6Only: true });
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const transport = new StreamTransport('tcp', { sides: [{ host: '127.0.0.1', port: () => 0 }, { host: '::1', port: () => 0 }], keepAliveMs: 0 });
  const v4only = new StreamTransport('tcp', { sides: [{ host: '127.0.0.1' }] });
  try {
    await transport.open();
    assert.ok(transport.listenPortOf(4)! > 0 && transport.listenPortOf(6)! > 0, 'a listener per family');
    const local = await transport.localAddressFor({ transport: 'tcp', host: '::1', port });
    assert.equal(local.host, '::1');
    await new Promise<void>((resolve) => (remotes.length > 0 ? resolve() : server.once('connection', () => resolve())));
    assert.deepEqual(remotes, ['::1']);
    // An inbound connection to the IPv6 listener is accepted.
    const client = netConnect({ host: '::1', port: transport.listenPortOf(6)! });
    await once(client, 'connect');
    client.destroy();

    const errors: SipError[] = [];
    v4only.send({ transport: 'tcp', host: '::1', port }, Buffer.from('x'), (e) => errors.push(e));
    assert.equal(errors[0]?.code, 'E_NO_IPV6');
    assert.equal(errors[0]?.message, `no IPv6 socket to reach [::1]:${port}: SIP_BIND has no IPv6 address (127.0.0.1)`);
    await assert.rejects(v4only.localAddressFor({ transport: 'tcp', host: '::1', port }), { code: 'E_NO_IPV6' });
  } finally {
    await transport.close();
    await v4only.close();
    server.close();
  }
});

test('TCP: a side bound to a specific address connects from it (127.0.0.2 → a server on 127.0.0.1)', async () => {
  const server = createServer();
  const accepted = new Promise<string | undefined>((resolve) =>
    server.once('connection', (s: Socket) => {
      resolve(s.remoteAddress);
      s.destroy();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const transport = new StreamTransport('tcp', { sides: [{ host: '127.0.0.2' }], keepAliveMs: 0 });
  try {
    assert.equal((await transport.localAddressFor({ transport: 'tcp', host: '127.0.0.1', port })).host, '127.0.0.2');
    assert.equal(await accepted, '127.0.0.2');
  } finally {
    await transport.close();
    server.close();
  }
});
