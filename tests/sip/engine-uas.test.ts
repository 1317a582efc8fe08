// The Contact answers (registrar/uas/): an Engine on 127.0.0.1 (ephemeral SIP
// port, TCP listening on the same number) gets OPTIONS from sipp over UDP and
// TCP, and raw requests, garbage and keep-alive pings over UDP, TCP and TLS.
//   node --import tsx --test tests/sip/engine-uas.test.ts
import assert from 'node:assert/strict';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import { SipError } from '../../registrar/errors';
import { Engine } from '../../registrar/engine';
import { parseMessage } from '../../registrar/message/parser';
import { DEFAULT_LIMITS, type SipResponse } from '../../registrar/message/types';
import { StreamFramer } from '../../registrar/transport/stream-framer';
import { config, defer, inState, record, testEngine, waitStatus, waitUntil } from './engine-helpers';
import { getFreePort, makeCert, startKamailio, startSipp } from './harness';
import { onceWithin } from '../deadline';

const DDI = '493012345678';

function request(method: string, port: number, transport: 'UDP' | 'TCP' | 'TLS', branch: string): string {
  return [
    `${method} sip:${DDI}@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/${transport} 127.0.0.1:9;rport;branch=z9hG4bK-${branch}`,
    'Max-Forwards: 70',
    'From: <sip:probe@127.0.0.1>;tag=probe',
    `To: <sip:${DDI}@127.0.0.1>`,
    `Call-ID: ${branch}@probe`,
    `CSeq: 1 ${method}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function asResponse(data: Buffer): SipResponse {
  const m = parseMessage(data);
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}

/** Sends a datagram and resolves with the next one received (2 s deadline). */
function udpExchange(sock: UdpSocket, port: number, text: string): Promise<SipResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no UDP answer to ${text.split('\r\n')[0]}`)), 2000);
    sock.once('message', (msg) => {
      clearTimeout(timer);
      resolve(asResponse(msg));
    });
    sock.send(text, port, '127.0.0.1');
  });
}

/** Reads framed messages and keep-alives from a client stream socket. */
function streamReader(socket: Socket) {
  const frames: Buffer[] = [];
  const keepAlives: string[] = [];
  const framer = new StreamFramer(DEFAULT_LIMITS, (kind) => keepAlives.push(kind));
  socket.on('data', (chunk: Buffer) => frames.push(...framer.push(chunk)));
  return {
    keepAlives,
    async next(): Promise<SipResponse> {
      const before = frames.length;
      await waitUntil('a stream response', () => frames.length, (n) => n > before, 2000, 5);
      return asResponse(frames[before]);
    },
  };
}

test('uas: sipp OPTIONS to the Contact over UDP and TCP gets 200 with Allow and Accept, traced under the DDI and counted', { timeout: 30_000 }, async (t) => {
  const engine = testEngine(t);
  const rec = record(engine);
  // Disabled: no REGISTER is sent, but the DDI is known.
  await engine.start([config({ id: '1', ddi: DDI, enabled: false })]);
  const ports = engine.listeningPorts();
  assert.ok(ports.udp);
  assert.equal(ports.tcp, ports.udp, 'TCP listens on the SIP (UDP) port');

  for (const transport of ['udp', 'tcp'] as const) {
    const sipp = await startSipp('uac-options.xml', { remote: `127.0.0.1:${ports.udp}`, service: DDI, transport, maxCalls: 1, timeoutSec: 10 });
    defer(t, () => sipp.stop());
    assert.equal(await sipp.done, 0, `sipp over ${transport} got its 200 with Allow and Accept`);
    const ok = sipp.messages().find((m) => m.direction === 'in' && m.status === 200)!;
    assert.equal(ok.header('Allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
    assert.equal(ok.header('Accept'), 'application/sdp');
    assert.ok(ok.header('Accept-Encoding') && ok.header('Accept-Language') !== undefined && ok.header('Supported') !== undefined);
    assert.match(ok.header('To')!, /;tag=[0-9a-f]{16}$/);
    assert.match(ok.header('Via')!, new RegExp(`;rport=${sipp.port};branch=[^;]+;received=127\\.0\\.0\\.1$`));
    assert.equal(ok.header('Server'), 'ddi-registrar/0.1');
  }

  const c = engine.counters().uas;
  assert.deepEqual(c.requests, { OPTIONS: { udp: 1, tcp: 1 } });
  assert.deepEqual(c.responses, { 200: 2 });
  await waitUntil('4 trace entries', () => rec.traces.filter((x) => x.registrationId === '1').length, (n) => n === 4);
  const traces = rec.traces.filter((x) => x.registrationId === '1');
  assert.deepEqual(traces.map((x) => [x.direction, x.text.split('\r\n')[0], x.remote.split('/')[1]]), [
    ['in', `OPTIONS sip:${DDI}@127.0.0.1:${ports.udp} SIP/2.0`, 'udp'],
    ['out', 'SIP/2.0 200 OK', 'udp'],
    ['in', `OPTIONS sip:${DDI}@127.0.0.1:${ports.udp} SIP/2.0`, 'tcp'],
    ['out', 'SIP/2.0 200 OK', 'tcp'],
  ]);
});

test('uas: raw UDP and TCP — INVITE 480, unknown method 405, garbage dropped and counted, the engine keeps answering, pings get pongs', { timeout: 20_000 }, async (t) => {
  const engine = testEngine(t);
  await engine.open();
  const port = engine.listeningPorts().udp!;

  const udp = createSocket('udp4');
  defer(t, () => udp.close());
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  assert.equal((await udpExchange(udp, port, request('INVITE', port, 'UDP', 'inv'))).status, 480);
  const unknown = await udpExchange(udp, port, request('FOO', port, 'UDP', 'foo'));
  assert.equal(unknown.status, 405);
  assert.equal(unknown.headers.get('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS');
  udp.send(Buffer.from([0, 1, 2, 3, 0xff, 0x0d, 0x0a, 0x0d, 0x0a]), port, '127.0.0.1');
  await waitUntil('garbage counted', () => engine.counters().transactions.droppedMalformed, (n) => n === 1);
  assert.equal((await udpExchange(udp, port, request('OPTIONS', port, 'UDP', 'opt'))).status, 200);

  const tcp = netConnect({ host: '127.0.0.1', port });
  defer(t, () => tcp.destroy());
  await once(tcp, 'connect');
  const reader = streamReader(tcp);
  tcp.write(request('OPTIONS', port, 'TCP', 'topt'));
  const ok = await reader.next();
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.getAll('via')[0], `SIP/2.0/TCP 127.0.0.1:9;rport=${tcp.localPort};branch=z9hG4bK-topt;received=127.0.0.1`);
  tcp.write(request('INVITE', port, 'TCP', 'tinv'));
  assert.equal((await reader.next()).status, 480);
  // RFC 5626 §3.5.1: a double-CRLF ping is answered with a CRLF pong.
  tcp.write('\r\n\r\n');
  await waitUntil('pong', () => reader.keepAlives.length, (n) => n === 1, 2000, 5);
  assert.deepEqual(reader.keepAlives, ['pong']);
  // Unframeable bytes (no Content-Length) close that connection and are counted; the listener stays.
  tcp.write('GARBAGE / SIP/2.0\r\nVia: x\r\n\r\n');
  await onceWithin(tcp, 'close', 3000, 'the connection closed after unframeable bytes');
  assert.equal(engine.counters().transports.tcp?.droppedInbound, 1);
  const again = netConnect({ host: '127.0.0.1', port });
  defer(t, () => again.destroy());
  await once(again, 'connect');
  const againReader = streamReader(again);
  again.write(request('OPTIONS', port, 'TCP', 'again'));
  assert.equal((await againReader.next()).status, 200);

  const c = engine.counters().uas;
  assert.deepEqual(c.requests, { INVITE: { udp: 1, tcp: 1 }, OTHER: { udp: 1 }, OPTIONS: { udp: 1, tcp: 2 } });
  assert.deepEqual(c.responses, { 200: 3, 405: 1, 480: 2 });
});

test('uas: with a certificate the engine listens for TLS and answers OPTIONS there', { timeout: 20_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'uas-tls-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  const { cert, key } = makeCert(dir);
  const engine = testEngine(t, { tlsCertFile: cert, tlsKeyFile: key, tlsPort: 0 });
  await engine.open();
  const ports = engine.listeningPorts();
  assert.ok(ports.tls && ports.tls !== ports.udp);
  const socket = tlsConnect({ host: '127.0.0.1', port: ports.tls, ca: [readFileSync(cert)] });
  defer(t, () => socket.destroy());
  await once(socket, 'secureConnect');
  const reader = streamReader(socket);
  socket.write(request('OPTIONS', ports.tls, 'TLS', 'tls'));
  const ok = await reader.next();
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('accept'), 'application/sdp');
  assert.deepEqual(engine.counters().uas.requests, { OPTIONS: { tls: 1 } });
});

test('uas: over TLS the Contact advertises the TLS listener port, over TCP the SIP port (Kamailio)', { timeout: 30_000 }, async (t) => {
  const k = await startKamailio({ tls: true });
  defer(t, () => k.stop());
  const dir = mkdtempSync(join(tmpdir(), 'uas-tls-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  const { cert, key } = makeCert(dir);
  const engine = testEngine(t, { tlsCertFile: cert, tlsKeyFile: key, tlsPort: 0, tlsCaFile: k.caFile });
  await engine.start([
    config({ id: '1', username: 'alice', ddi: '493011111111', transport: 'tls', registerServerUri: `sip:127.0.0.1:${k.tlsPort}` }),
    config({ id: '2', username: 'bob', ddi: '493022222222', transport: 'tcp', registerServerUri: `sip:127.0.0.1:${k.tcpPort}` }),
  ]);
  await waitStatus(engine, '1', inState('registered'));
  await waitStatus(engine, '2', inState('registered'));
  const ports = engine.listeningPorts();
  const [tls] = await waitUntil('alice bound', () => k.lookupBindings('alice@127.0.0.1'), (b) => b.length === 1);
  const [tcp] = await waitUntil('bob bound', () => k.lookupBindings('bob@127.0.0.1'), (b) => b.length === 1);
  assert.equal(tls.contact, `sip:493011111111@127.0.0.1:${ports.tls};transport=tls`);
  assert.equal(tcp.contact, `sip:493022222222@127.0.0.1:${ports.tcp};transport=tcp`);
});

test('uas: a SIP port taken for TCP makes open() reject like a UDP bind failure', { timeout: 10_000 }, async (t) => {
  const port = await getFreePort();
  const blocker = createServer();
  blocker.listen(port, '127.0.0.1');
  await once(blocker, 'listening');
  defer(t, () => new Promise((r) => blocker.close(r)));
  const engine = new Engine({ bindAddress: '127.0.0.1', bindPort: port, publicHost: '127.0.0.1' });
  defer(t, () => engine.stop(0));
  await assert.rejects(engine.open(), (e: unknown) => e instanceof SipError && e.code === 'E_TRANSPORT' && /EADDRINUSE/.test(e.message));
});
