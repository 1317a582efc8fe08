// Lost flows and RFC 5626 keep-alives on real TCP sockets (127.0.0.1): a local
// `net` peer that answers CRLF pings (or not), closes (FIN) or resets (RST);
// TransactionLayer.onFlowLost must fire exactly once per lost outbound flow,
// never for our own close() nor for inbound connections. Then the engine
// against such a peer, and Kamailio answering our pings.
//   node --import tsx --test tests/sip/engine-flows.test.ts
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../registrar/clock';
import type { SipError } from '../../registrar/errors';
import { parseMessage } from '../../registrar/message/parser';
import { DEFAULT_LIMITS } from '../../registrar/message/types';
import { Scheduler } from '../../registrar/scheduler';
import { TransactionLayer } from '../../registrar/transaction/layer';
import { StreamTransport, type StreamTransportOptions } from '../../registrar/transport/stream';
import { StreamFramer } from '../../registrar/transport/stream-framer';
import type { RemoteAddress, TransportTarget } from '../../registrar/transport/types';
import type { Engine } from '../../registrar/engine';
import { respond } from '../unit/registrar/helpers';
import { startKamailio } from './harness';
import { config, defer, inState, testEngine, waitStatus, waitUntil } from './engine-helpers';
import { onceWithin } from '../deadline';

interface Peer {
  server: Server;
  port: number;
  target: TransportTarget;
  /** Connections accepted so far, oldest first. */
  sockets: Socket[];
  /** Server-side sockets closed so far. */
  closed: number;
  pings: number;
  answerPings: boolean;
  /** Answers SIP requests (REGISTER) with 200 and the Contact granted for an hour. */
  registrar: boolean;
}

/** A TCP peer on 127.0.0.1: counts CRLFCRLF pings and answers them with a CRLF pong while answerPings. */
async function startPeer(t: TestContext, registrar = false): Promise<Peer> {
  const peer = { sockets: [], closed: 0, pings: 0, answerPings: true, registrar } as unknown as Peer;
  peer.server = createServer((s) => {
    peer.sockets.push(s);
    s.on('close', () => peer.closed++);
    s.on('error', () => {});
    const framer = new StreamFramer(DEFAULT_LIMITS, (kind) => {
      if (kind !== 'ping') return;
      peer.pings++;
      if (peer.answerPings) s.write('\r\n');
    });
    s.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        const m = parseMessage(frame);
        if (m.kind === 'request' && peer.registrar) s.write(respond(frame, 200, 'OK', m.headers.get('expires') === '0' ? [] : [`Contact: ${m.headers.get('contact')};expires=3600`]));
      }
    });
  });
  peer.server.listen(0, '127.0.0.1');
  await once(peer.server, 'listening');
  peer.port = (peer.server.address() as { port: number }).port;
  peer.target = { transport: 'tcp', host: '127.0.0.1', port: peer.port };
  defer(t, () => {
    for (const s of peer.sockets) s.destroy();
    return new Promise((r) => peer.server.close(r));
  });
  return peer;
}

/** A StreamTransport behind a TransactionLayer, recording every onFlowLost call. */
function flows(t: TestContext, options: StreamTransportOptions = {}) {
  const transport = new StreamTransport('tcp', { keepAliveMs: 100, pongTimeoutMs: 300, ...options });
  const layer = new TransactionLayer({ scheduler: new Scheduler(systemClock), transports: { tcp: transport } });
  const lost: Array<{ remote: RemoteAddress; error: SipError; at: number }> = [];
  layer.onFlowLost((remote, error) => lost.push({ remote, error, at: Date.now() }));
  defer(t, () => transport.close());
  return { transport, layer, lost };
}

const lostCount = (lost: unknown[], n: number, timeoutMs = 3000) => waitUntil(`${n} lost flow(s)`, () => lost.length, (x) => x >= n, timeoutMs, 5);

test('flows: pongs keep the connection; once pongs were seen, a missing pong loses the flow within the pong timeout', { timeout: 15_000 }, async (t) => {
  const peer = await startPeer(t);
  const { transport, lost } = flows(t);
  await transport.localAddressFor(peer.target);
  await waitUntil('3 pings answered', () => transport.counters.pongsReceived, (n) => n >= 3, 3000, 5);
  assert.equal(peer.sockets.length, 1, 'one connection, kept');
  assert.equal(peer.closed, 0);
  assert.equal(lost.length, 0);

  peer.answerPings = false;
  const silentFrom = Date.now();
  await lostCount(lost, 1);
  // The next ping comes within 100 ms (80–100 % of keepAliveMs), its pong is due 300 ms later.
  assert.ok(lost[0].at - silentFrom <= 100 + 300 + 500, `lost after ${lost[0].at - silentFrom} ms`);
  assert.deepEqual(lost[0].remote, { transport: 'tcp', host: '127.0.0.1', port: peer.port });
  assert.equal(lost[0].error.code, 'E_TRANSPORT');
  assert.match(lost[0].error.message, /pong missing/);
  await waitUntil('peer sees the close', () => peer.closed, (n) => n === 1);
  assert.equal(transport.counters.flowsLost, 1);

  // Exactly once: the next event is the second one.
  await transport.localAddressFor(peer.target);
  peer.sockets[1].end();
  await lostCount(lost, 2);
  assert.equal(lost.length, 2);
  assert.match(lost[1].error.message, /connection closed/);
});

test('flows: a peer that never answered a ping is not judged by missing pongs but keeps being pinged', { timeout: 15_000 }, async (t) => {
  const peer = await startPeer(t);
  peer.answerPings = false;
  const { transport, lost } = flows(t);
  await transport.localAddressFor(peer.target);
  await waitUntil('5 pings, over more than a pong timeout', () => peer.pings, (n) => n >= 5, 3000, 5);
  assert.equal(lost.length, 0);
  assert.equal(peer.closed, 0, 'connection kept');
  peer.sockets[0].end();
  await lostCount(lost, 1);
  assert.equal(lost.length, 1);
});

test('flows: far-end FIN and RST each lose the flow once; our own close() and a connect failure do not', { timeout: 15_000 }, async (t) => {
  const peer = await startPeer(t);
  const { transport, lost } = flows(t, { keepAliveMs: 0 });
  await transport.localAddressFor(peer.target);
  peer.sockets[0].end();
  await lostCount(lost, 1);
  assert.match(lost[0].error.message, /connection closed/);

  await transport.localAddressFor(peer.target);
  peer.sockets[1].resetAndDestroy();
  await lostCount(lost, 2);
  assert.match(lost[1].error.message, /ECONNRESET/);

  // close() (engine stop) is not a lost flow …
  await transport.localAddressFor(peer.target);
  await transport.close();
  await waitUntil('peer sees our close', () => peer.closed, (n) => n === 3);
  // … nor is a connection that never connected.
  const refused = { transport: 'tcp' as const, host: '127.0.0.1', port: await closedPort() };
  await assert.rejects(transport.localAddressFor(refused));
  // The next loss is the third event.
  await transport.localAddressFor(peer.target);
  peer.sockets[3].end();
  await lostCount(lost, 3);
  assert.equal(lost.length, 3);
  assert.deepEqual(lost.map((l) => l.remote.port), [peer.port, peer.port, peer.port]);
});

test('flows: inbound connections get pongs and are never reported lost', { timeout: 15_000 }, async (t) => {
  const peer = await startPeer(t);
  const { transport, lost } = flows(t, { sides: [{ host: '127.0.0.1', port: () => 0 }] });
  await transport.open();
  const client = netConnect({ host: '127.0.0.1', port: transport.listenPort! });
  await once(client, 'connect');
  const pongs: string[] = [];
  const framer = new StreamFramer(DEFAULT_LIMITS, (kind) => pongs.push(kind));
  client.on('data', (d: Buffer) => framer.push(d));
  client.write('\r\n\r\n');
  await waitUntil('pong', () => pongs.length, (n) => n === 1);
  assert.deepEqual(pongs, ['pong']);
  client.end();
  await onceWithin(client, 'close', 3000, 'the inbound connection closed after our FIN');
  // The next loss is of an outbound flow, and the first one.
  await transport.localAddressFor(peer.target);
  peer.sockets[0].end();
  await lostCount(lost, 1);
  assert.equal(lost.length, 1);
  assert.equal(lost[0].remote.port, peer.port);
});

function layerOf(engine: Engine): TransactionLayer {
  return (engine as unknown as { layer: TransactionLayer }).layer;
}

test('flows: the engine reports a registration flow closed by the registrar, not the one it closes at stop()', { timeout: 15_000 }, async (t) => {
  const peer = await startPeer(t, true);
  const engine = testEngine(t, { keepAliveMs: 0 });
  const lost: RemoteAddress[] = [];
  layerOf(engine).onFlowLost((remote) => lost.push(remote));
  await engine.start([config({ id: '1', transport: 'tcp', password: '', registerServerUri: `sip:127.0.0.1:${peer.port};transport=tcp` })]);
  await waitStatus(engine, '1', inState('registered'));
  peer.sockets[0].end();
  await lostCount(lost, 1);
  assert.deepEqual(lost, [{ transport: 'tcp', host: '127.0.0.1', port: peer.port }]);

  engine.registerNow('1');
  await waitUntil('a new connection', () => peer.sockets.length, (n) => n === 2);
  await waitStatus(engine, '1', (s) => s.state === 'registered' && s.attempts === 0);
  await engine.stop(2000);
  await waitUntil('the registrar sees our close', () => peer.closed, (n) => n === 2);
  assert.equal(lost.length, 1, 'stop() closed the flow: not a loss');
});

test('flows: Kamailio answers our CRLF pings (tcp_crlf_ping), the TCP registration stays up', { timeout: 20_000 }, async (t) => {
  const k = await startKamailio();
  defer(t, () => k.stop());
  const engine = testEngine(t, { keepAliveMs: 300 });
  const lost: RemoteAddress[] = [];
  layerOf(engine).onFlowLost((remote) => lost.push(remote));
  await engine.start([config({ id: '1', transport: 'tcp', registerServerUri: `sip:127.0.0.1:${k.tcpPort}` })]);
  await waitStatus(engine, '1', inState('registered'));
  await waitUntil('3 pongs from Kamailio', () => (engine.counters().transports.tcp as { pongsReceived: number }).pongsReceived, (n) => n >= 3, 5000);
  assert.equal(lost.length, 0);
  assert.equal(engine.status('1')!.state, 'registered');
});

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
