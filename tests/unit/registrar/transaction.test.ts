import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock, settle } from '../../../registrar/clock';
import { SipError } from '../../../registrar/errors';
import { buildRegister } from '../../../registrar/registration/register-request';
import { Scheduler } from '../../../registrar/scheduler';
import { TransactionLayer } from '../../../registrar/transaction/layer';
import { MemoryTransport } from '../../../registrar/transport/memory';
import type { TransportProtocol } from '../../../registrar/transport/types';
import { respond } from './helpers';

function setup(protocol: TransportProtocol = 'udp') {
  const clock = new FakeClock();
  const scheduler = new Scheduler(clock);
  const transport = new MemoryTransport(protocol);
  const layer = new TransactionLayer({ scheduler, transports: { [protocol]: transport } });
  const target = { transport: protocol, host: '198.51.100.7', port: 5060 };
  const remote = { transport: protocol, host: '198.51.100.7', port: 5060 };
  // The engine's one REGISTER writer (registration/register-request.ts).
  const start = () => {
    const { data, branch } = buildRegister({
      requestUri: 'sip:example.com',
      aor: 'sip:a@example.com',
      fromTag: '1',
      callId: 'c1',
      cseq: 1,
      contact: null,
      expires: 0,
      transport: protocol,
      viaHost: '192.0.2.10',
      viaPort: 5060,
      userAgent: 'test',
      authorization: [],
    });
    const tx = layer.request(target, data, branch, 'REGISTER');
    return { tx, data };
  };
  return { clock, layer, transport, start, remote };
}

test('UDP: Timer E retransmits at T1 doubling to T2, Timer F times out at 64*T1', async () => {
  const { clock, transport, start, layer } = setup('udp');
  const { tx } = start();
  const outcome: { error: unknown } = { error: null };
  tx.result.catch((e: unknown) => (outcome.error = e));
  assert.equal(transport.sent.length, 1);
  clock.advance(499);
  assert.equal(transport.sent.length, 1);
  clock.advance(1); // t=500 (T1)
  assert.equal(transport.sent.length, 2);
  clock.advance(1000); // t=1500 (+2·T1)
  assert.equal(transport.sent.length, 3);
  clock.advance(2000); // t=3500 (+4·T1)
  assert.equal(transport.sent.length, 4);
  clock.advance(4000); // t=7500 (+T2, capped)
  assert.equal(transport.sent.length, 5);
  clock.advance(4000); // t=11500
  assert.equal(transport.sent.length, 6);
  clock.advance(31_999 - 11_500);
  assert.equal(transport.sent.length, 11); // 15.5, 19.5, 23.5, 27.5, 31.5 s
  const beforeF = outcome.error;
  assert.equal(beforeF, null);
  clock.advance(1); // t=32000: Timer F
  await settle();
  assert.ok(outcome.error instanceof SipError);
  assert.equal(outcome.error.code, 'E_TIMEOUT');
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.size, 0);
  assert.equal(layer.counters.timeouts, 1);
  assert.equal(layer.counters.retransmissions, 10);
  // each retransmission's send time, ms after the first send (the request's trace entry shows them)
  assert.deepEqual(tx.retransmissions, [500, 1500, 3500, 7500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]);
  clock.advance(60_000);
  assert.equal(transport.sent.length, 11);
});

test('TCP: no retransmissions, Timer F still fires', async () => {
  const { clock, transport, start } = setup('tcp');
  const { tx } = start();
  let code = '';
  tx.result.catch((e: SipError) => (code = e.code));
  clock.advance(31_999);
  assert.equal(transport.sent.length, 1);
  clock.advance(1);
  await settle();
  assert.equal(code, 'E_TIMEOUT');
  assert.deepEqual(tx.retransmissions, []);
});

test('1xx moves to Proceeding: retransmits every T2', () => {
  const { clock, transport, start, remote } = setup('udp');
  const { tx, data } = start();
  clock.advance(100);
  transport.deliver(respond(data, 100, 'Trying'), remote);
  assert.equal(tx.state, 'proceeding');
  clock.advance(400); // t=500: armed Timer E fires, re-armed with T2
  assert.equal(transport.sent.length, 2);
  clock.advance(3999);
  assert.equal(transport.sent.length, 2);
  clock.advance(1); // t=4500
  assert.equal(transport.sent.length, 3);
  clock.advance(4000); // t=8500
  assert.equal(transport.sent.length, 4);
  assert.deepEqual(tx.retransmissions, [500, 4500, 8500]);
});

test('final response completes; Timer K = T4 on UDP absorbs retransmissions', async () => {
  const { clock, transport, start, remote, layer } = setup('udp');
  const { tx, data } = start();
  clock.advance(200);
  transport.deliver(respond(data, 200, 'OK'), remote);
  const result = await tx.result;
  assert.equal(result.response.status, 200);
  assert.equal(tx.state, 'completed');
  assert.equal(layer.size, 1);
  transport.deliver(respond(data, 200, 'OK'), remote);
  assert.equal(layer.counters.responsesByClass[2], 1);
  assert.equal(layer.counters.droppedUnmatched, 0);
  clock.advance(4999);
  assert.equal(layer.size, 1);
  transport.deliver(respond(data, 200, 'OK'), remote);
  assert.equal(layer.counters.droppedUnmatched, 0, 'still absorbed just before Timer K');
  clock.advance(1);
  assert.equal(layer.size, 0, 'Terminated at Timer K');
  transport.deliver(respond(data, 200, 'OK'), remote);
  assert.equal(layer.counters.droppedUnmatched, 1, 'unknown once Terminated');
  assert.equal(layer.counters.responsesByClass[2], 1);
  clock.advance(60_000);
  assert.equal(transport.sent.length, 1);
  assert.equal(layer.counters.latency.count, 1);
  assert.equal(layer.counters.latency.maxMs, 200);
});

test('Timer K sweep: completed transactions are forgotten in batches, never before T4', async () => {
  const { clock, transport, start, remote, layer } = setup('udp');
  const done = [];
  for (let i = 0; i < 5; i++) {
    const { tx, data } = start();
    transport.deliver(respond(data, 200, 'OK'), remote);
    done.push(tx.result);
    clock.advance(100); // completions at t=0, 100, ..., 400
  }
  await Promise.all(done);
  assert.equal(layer.size, 5);
  clock.advance(4500); // t=5000: first deadline
  assert.equal(layer.size, 4);
  clock.advance(499); // t=5499: deadlines up to 5400 passed, next sweep at 5500
  assert.equal(layer.size, 4);
  clock.advance(1);
  assert.equal(layer.size, 0);
  assert.equal(clock.pending(), 0);
});

test('Timer K is 0 on TCP: terminated at once', async () => {
  const { transport, start, remote, layer } = setup('tcp');
  const { tx, data } = start();
  transport.deliver(respond(data, 403, 'Forbidden'), remote);
  assert.equal((await tx.result).response.status, 403);
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.size, 0);
});

test('responses match by branch and CSeq method; others are dropped and counted', async () => {
  const { transport, start, remote, layer } = setup('udp');
  const { tx, data } = start();
  const good = respond(data, 200, 'OK');
  transport.deliver(good.replace(/branch=z9hG4bK[0-9a-f]+/, 'branch=z9hG4bKother'), remote);
  transport.deliver(good.replace('CSeq: 1 REGISTER', 'CSeq: 1 OPTIONS'), remote);
  transport.deliver('garbage\r\n\r\n', remote);
  transport.deliver(good.replace(/CSeq: .*\r\n/, ''), remote);
  assert.equal(layer.counters.droppedUnmatched, 2);
  assert.equal(layer.counters.droppedMalformed, 2);
  assert.equal(tx.state, 'trying');
  transport.deliver(good, remote);
  assert.equal((await tx.result).response.status, 200);
});

test('transport errors reach the waiting transaction as E_TRANSPORT', async () => {
  const { transport, start, layer } = setup('udp');
  transport.failNextSend(new SipError('E_TRANSPORT', 'ICMP port unreachable'));
  const { tx } = start();
  await assert.rejects(tx.result, (e: unknown) => e instanceof SipError && e.code === 'E_TRANSPORT');
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.counters.transportErrors, 1);
});

test('batched requests leave together on the next turn, in order, with their Timer E from then; one abandoned meanwhile is never sent', async () => {
  const { clock, layer, transport, remote } = setup();
  const target = { transport: 'udp' as const, host: '198.51.100.7', port: 5060 };
  const make = (cseq: number) =>
    buildRegister({ requestUri: 'sip:example.com', aor: 'sip:a@example.com', fromTag: '1', callId: `c${cseq}`, cseq, contact: null, expires: 0, transport: 'udp', viaHost: '192.0.2.10', viaPort: 5060, userAgent: 'test', authorization: [] });
  const sent = (): string[] => transport.sent.map((m) => /Call-ID: (\S+)/.exec(m.data.toString())![1]);
  const txs = [1, 2, 3].map((n) => {
    const { data, branch } = make(n);
    return layer.request(target, data, branch, 'REGISTER', { slot: layer.admitNow(target, false)!, batched: true });
  });
  const unbatched = make(4);
  layer.request(target, unbatched.data, unbatched.branch, 'REGISTER', { slot: layer.admitNow(target, false)! });
  assert.deepEqual(sent(), ['c4'], 'an unbatched request leaves at once; the batched ones wait for the turn');
  txs[1].abandon();
  txs[1].result.catch(() => {});
  clock.advance(0);
  assert.deepEqual(sent(), ['c4', 'c1', 'c3'], 'together, in order, without the abandoned one');
  // Timer E (T1 = 500 ms) armed when each was sent; the abandoned one never goes out.
  clock.advance(499);
  assert.equal(transport.sent.length, 3);
  clock.advance(1);
  assert.deepEqual(sent().slice(3).sort(), ['c1', 'c3', 'c4']);
  for (const tx of [txs[0], txs[2]]) {
    transport.deliver(respond(tx.data, 200, 'OK'), remote);
    assert.equal((await tx.result).response.status, 200);
  }
});

test('a waiter admitted when a response frees the window runs on the next turn, not inside that response', async () => {
  const { clock, layer, transport, remote } = setup();
  const target = { transport: 'udp' as const, host: '198.51.100.7', port: 5060 };
  const held: Array<ReturnType<typeof layer.admitNow>> = [];
  for (let s = layer.admitNow(target, false); s; s = layer.admitNow(target, false)) held.push(s);
  const { data, branch } = buildRegister({ requestUri: 'sip:example.com', aor: 'sip:a@example.com', fromTag: '1', callId: 'busy', cseq: 1, contact: null, expires: 0, transport: 'udp', viaHost: '192.0.2.10', viaPort: 5060, userAgent: 'test', authorization: [] });
  const tx = layer.request(target, data, branch, 'REGISTER', { slot: held.pop()! });
  let admitted = 0;
  layer.whenAdmitted(target, false, (slot) => {
    admitted++;
    layer.release(slot);
  });
  assert.equal(admitted, 0, 'the window is full: it waits');
  transport.deliver(respond(transport.sent[0].data, 200, 'OK'), remote);
  await tx.result;
  await settle();
  assert.equal(admitted, 0, 'not run inside the response');
  clock.advance(0);
  assert.equal(admitted, 1);
  for (const s of held) layer.release(s!);
});
