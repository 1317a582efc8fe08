// The registrar engine's health from its heartbeat: fresh, silent, stopped and never seen, with
// an injected clock; the heartbeat writer against a real SQLite file; start failures in words.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rawOf, tempDb } from '../../db';
import { createEngineHealthReader, DOWN_NOTICE_MS, engineHealth, MISSED_BEATS, nodeState } from '../../../lib/engine/health';
import { explainStartFailure } from '../../../registrar/start-failure';
import { Heartbeat } from '../../../registrar/store/heartbeat';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const node = (over: Partial<Parameters<typeof engineHealth>[0][number]> = {}) => ({
  state: 'running' as const,
  bind: '127.0.0.1:5060',
  heartbeatAt: T0,
  intervalMs: 5_000,
  reason: null,
  ...over,
});

describe('engineHealth', () => {
  test('no row at all: unknown', () => {
    assert.deepEqual(engineHealth([], T0), { state: 'unknown', heartbeatAt: null, bind: null });
  });

  test('a running row with a fresh heartbeat (up to three intervals old): running', () => {
    assert.deepEqual(engineHealth([node()], T0 + 1_000), { state: 'running', heartbeatAt: T0, bind: '127.0.0.1:5060', calls: { relayed: 0, refused: 0 } });
    // calls: summed over the live engines
    const busy = [node({ callsRelayed: 5, callsRefused: 1 }), node({ callsRelayed: 2, callsRefused: 0 })];
    assert.deepEqual(engineHealth(busy, T0 + 1_000).calls, { relayed: 7, refused: 1 });
    assert.equal(engineHealth([node()], T0 + MISSED_BEATS * 5_000).state, 'running');
  });

  test('a running row gone silent for more than three intervals: stopped since its last heartbeat', () => {
    const h = engineHealth([node()], T0 + MISSED_BEATS * 5_000 + 1);
    assert.equal(h.state, 'stopped');
    assert.equal(h.since, T0);
    assert.match(h.reason ?? '', /heartbeat stopped \(process killed or hung\)/);
  });

  test('a stopped row: stopped with its reason, since its last write', () => {
    const h = engineHealth([node({ state: 'stopped', reason: 'SIP_BIND 127.0.0.1:5060 is in use' })], T0 + 1);
    assert.deepEqual(h, { state: 'stopped', heartbeatAt: T0, bind: '127.0.0.1:5060', since: T0, reason: 'SIP_BIND 127.0.0.1:5060 is in use', calls: { relayed: 0, refused: 0 } });
  });

  test('several engines: any fresh one means running; else the most recent row tells', () => {
    const old = node({ state: 'stopped', bind: '0.0.0.0:5060', reason: 'shut down', heartbeatAt: T0 - 60_000 });
    assert.equal(engineHealth([old, node({ bind: '127.0.0.1:5070' })], T0).bind, '127.0.0.1:5070');
    const failed = node({ state: 'stopped', reason: 'SIP_BIND 0.0.0.0:5060 is in use', heartbeatAt: T0 + 10 });
    assert.equal(engineHealth([node({ heartbeatAt: T0 - 60_000 }), failed], T0 + 20).reason, 'SIP_BIND 0.0.0.0:5060 is in use');
  });
});

describe('engineHealth with several engine nodes: the dead ones named in `down`', () => {
  const live = node({ nodeId: 'a/127.0.0.1:5060', bind: '127.0.0.1:5060' });
  const silent = node({ nodeId: 'b/127.0.0.1:5070', bind: '127.0.0.1:5070', heartbeatAt: T0 - 60_000 });
  const failed = node({ nodeId: 'c/127.0.0.1:5080', bind: '127.0.0.1:5080', state: 'stopped', reason: 'the engine process died (killed by SIGKILL); restarting in 1 s', heartbeatAt: T0 - 30_000 });
  const retired = node({ nodeId: 'd/127.0.0.1:5090', bind: '127.0.0.1:5090', state: 'stopped', reason: 'shut down', heartbeatAt: T0 - 10_000 });

  test('one node live, others dead: running, and the dead ones (not the one shut down cleanly) newest first', () => {
    const h = engineHealth([live, silent, failed, retired], T0 + 1_000);
    assert.equal(h.state, 'running');
    assert.equal(h.bind, '127.0.0.1:5060');
    assert.deepEqual(h.down, [
      { nodeId: 'c/127.0.0.1:5080', bind: '127.0.0.1:5080', since: T0 - 30_000, reason: 'the engine process died (killed by SIGKILL); restarting in 1 s' },
      { nodeId: 'b/127.0.0.1:5070', bind: '127.0.0.1:5070', since: T0 - 60_000, reason: 'its heartbeat stopped (process killed or hung)' },
    ]);
  });

  test('only live and cleanly stopped nodes: no `down` at all', () => {
    assert.equal('down' in engineHealth([live, retired], T0 + 1_000), false);
  });

  test('a node dead for longer than DOWN_NOTICE_MS is no longer reported', () => {
    const old = node({ nodeId: 'e/127.0.0.1:5100', heartbeatAt: T0 - DOWN_NOTICE_MS - 1 });
    assert.equal('down' in engineHealth([live, old], T0 + 1), false);
  });

  test('no node live: stopped as before; `down` names each dead node only when more than one node ever reported', () => {
    const h = engineHealth([silent, failed, retired], T0 + 1_000);
    assert.equal(h.state, 'stopped');
    assert.equal(h.reason, 'shut down', 'the most recent row tells, as with one node');
    assert.deepEqual(h.down?.map((d) => d.nodeId), ['c/127.0.0.1:5080', 'b/127.0.0.1:5070']);
    assert.equal('down' in engineHealth([silent], T0 + 1_000), false);
  });

  test('nodeState: running while fresh, stale when a running row went silent, stopped otherwise', () => {
    assert.equal(nodeState(live, T0 + MISSED_BEATS * 5_000), 'running');
    assert.equal(nodeState(live, T0 + MISSED_BEATS * 5_000 + 1), 'stale');
    assert.equal(nodeState(retired, T0), 'stopped');
  });
});

describe('Heartbeat writer and the health read from the database', () => {
  test('running at start, silent after three intervals, stopped with its reason on stop', async (t) => {
    const { db } = await tempDb(t, 'engine-health');
    let now = T0;
    const clock = () => now;
    const read = createEngineHealthReader(db, clock);
    assert.equal((await read()).state, 'unknown');

    const beat = new Heartbeat(db, { bind: '127.0.0.1:5099', intervalMs: 60_000, now: clock });
    await beat.start();
    try {
      assert.deepEqual(await read(), { state: 'running', heartbeatAt: T0, bind: '127.0.0.1:5099', calls: { relayed: 0, refused: 0 } });
      now = T0 + 3 * 60_000 + 1;
      assert.equal((await read()).state, 'stopped');
      assert.equal((await read()).since, T0);
    } finally {
      await beat.stopped('shut down');
    }
    assert.deepEqual(await read(), { state: 'stopped', heartbeatAt: now, bind: '127.0.0.1:5099', since: now, reason: 'shut down', calls: { relayed: 0, refused: 0 } });
    const row = (await rawOf(db).prepare('SELECT node_id AS "nodeId", pid FROM engine_nodes').get()) as { nodeId: string; pid: number };
    assert.match(row.nodeId, /\/127\.0\.0\.1:5099$/);
    assert.equal(row.pid, process.pid);
  });
});

describe('explainStartFailure', () => {
  const errno = (code: string) => Object.assign(new Error(`bind ${code} 127.0.0.1:5060`), { code });
  test('says what is wrong with SIP_BIND and what to change', () => {
    const inUse = explainStartFailure(errno('EADDRINUSE'), '127.0.0.1:5060');
    assert.equal(inUse.reason, 'SIP_BIND 127.0.0.1:5060 is in use');
    assert.match(inUse.fix, /Set SIP_BIND to a free address:port/);
    assert.match(explainStartFailure(errno('EACCES'), '0.0.0.0:506').reason, /not permitted \(ports below 1024/);
    assert.match(explainStartFailure(errno('EADDRNOTAVAIL'), '10.9.9.9:5060').reason, /not on this machine/);
    assert.equal(explainStartFailure(new Error('boom'), 'x:1').reason, 'boom');
    // as the UDP transport reports it: a SipError wrapping the system error
    const wrapped = Object.assign(new Error('bind 127.0.0.1:5060: EADDRINUSE', { cause: errno('EADDRINUSE') }), { code: 'E_TRANSPORT' });
    assert.equal(explainStartFailure(wrapped, '127.0.0.1:5060').reason, 'SIP_BIND 127.0.0.1:5060 is in use');
  });
});
