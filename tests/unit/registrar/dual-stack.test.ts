// Dual stack: the no-IPv6 fallback (injected bind failures, then a real EADDRNOTAVAIL), a bind
// failure naming its entry, and Via/Contact in the target's family (SIP_PUBLIC_HOST per family).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { envSchema } from '../../../lib/env';
import { startRegistrar } from '../../../registrar/start';
import { FakeClock } from '../../../registrar/clock';
import { Engine } from '../../../registrar/engine';
import { explainStartFailure } from '../../../registrar/start-failure';
import { MemoryTransport } from '../../../registrar/transport/memory';
import { BindError, openFamilies, type FamilyBinder } from '../../../registrar/transport/open-families';
import { parseSipBind, type BindAddress } from '../../../registrar/transport/sip-bind';
import { databaseEnv, rawOf } from '../../db';
import { tempDatabase } from '../../sip/portal-db';
import { parseRequest, respond } from './helpers';

const sysError = (code: string) => Object.assign(new Error(`bind: ${code}`), { code });

/** A binder whose open() fails for the families given, recording every call. */
function binder(failures: Partial<Record<4 | 6, string>>): FamilyBinder & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    open: async (b: BindAddress) => {
      calls.push(`open ${b.family}`);
      const code = failures[b.family];
      if (code) throw sysError(code);
    },
    drop: async (b, why) => {
      calls.push(`drop ${b.family}: ${why}`);
    },
    closeAll: async () => {
      calls.push('closeAll');
    },
  };
}

for (const code of ['EAFNOSUPPORT', 'EADDRNOTAVAIL']) {
  test(`no IPv6 (${code}) on the default: IPv4 served, one log line, IPv6 dropped with why`, async () => {
    const b = binder({ 6: code });
    const lines: string[] = [];
    const served = await openFamilies(parseSipBind('0.0.0.0:5060,[::]:5060'), b, (l) => lines.push(l));
    assert.deepEqual(served, [{ family: 4, host: '0.0.0.0', port: 5060 }]);
    assert.deepEqual(lines, [`registrar: IPv6 not available ([::]:5060: ${code}): serving IPv4 only`]);
    assert.deepEqual(b.calls, ['open 4', 'open 6', `drop 6: IPv6 is not available on this host (bind [::]:5060: ${code})`]);
  });
}

test('IPv4 is bound first whatever the order, and the served entries keep the configured order', async () => {
  const b = binder({});
  const served = await openFamilies(parseSipBind('[::]:5062,0.0.0.0:5060'), b, () => assert.fail('no log'));
  assert.deepEqual(b.calls, ['open 4', 'open 6']);
  assert.deepEqual(served.map((s) => s.family), [6, 4]);
});

test('an IPv6 entry in use still stops the start, naming the entry; what was bound is closed', async () => {
  const b = binder({ 6: 'EADDRINUSE' });
  const err = await openFamilies(parseSipBind('0.0.0.0:5060,[::]:5060'), b, () => assert.fail('no log')).then(
    () => assert.fail('must reject'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BindError);
  assert.equal(err.entry, '[::]:5060');
  assert.deepEqual(b.calls, ['open 4', 'open 6', 'closeAll']);
  assert.deepEqual(explainStartFailure(err, '0.0.0.0:5060,[::]:5060').reason, 'SIP_BIND [::]:5060 is in use');
});

test('no fallback without a working IPv4 entry: IPv6 alone, or IPv4 failing', async () => {
  const alone = binder({ 6: 'EAFNOSUPPORT' });
  await assert.rejects(openFamilies(parseSipBind('[::]:5060'), alone, () => assert.fail('no log')), (e: unknown) => e instanceof BindError && e.entry === '[::]:5060');
  const v4 = binder({ 4: 'EADDRNOTAVAIL' });
  await assert.rejects(openFamilies(parseSipBind('192.0.2.1:5060,[::]:5060'), v4, () => assert.fail('no log')), (e: unknown) => e instanceof BindError && e.entry === '192.0.2.1:5060');
  assert.deepEqual(v4.calls, ['open 4', 'closeAll']);
  assert.equal(explainStartFailure(new BindError('192.0.2.1:5060', sysError('EADDRNOTAVAIL')), 'x').reason, 'SIP_BIND 192.0.2.1:5060: the address is not on this machine');
});

test('engine, real sockets: an IPv6 address this host lacks (EADDRNOTAVAIL) → serves IPv4, IPv6 targets fail no-ipv6 with why', async () => {
  const lines: string[] = [];
  // 2001:db8::/32 is the documentation prefix: never an address of this host.
  const engine = new Engine({ binds: [{ host: '127.0.0.1', port: 0 }, { host: '2001:db8::1', port: 0 }], log: (l) => lines.push(l), startupSpreadMs: 0, bindingCheckMs: 0 });
  try {
    await engine.open();
    assert.deepEqual(lines, ['registrar: IPv6 not available ([2001:db8::1]:0: EADDRNOTAVAIL): serving IPv4 only']);
    assert.equal(engine.bindings(), '127.0.0.1:0');
    assert.ok(engine.listeningPorts(4).udp! > 0);
    assert.deepEqual(engine.listeningPorts(6), {});
    const failed = new Promise((resolve) => engine.on('status', (s) => s.state === 'retrying' && resolve(s)));
    await engine.start([{ id: 'v6', username: 'alice', domain: '[::1]', ddi: '4930', password: null, expires: 600, transport: 'udp', enabled: true }]);
    const status = (await failed) as { reason: string; code: number | null };
    assert.deepEqual([status.code, status.reason], [null, 'no-ipv6']);
    const notes = engine.trace('v6').filter((e) => e.direction === 'note');
    assert.match(notes[0]?.text ?? '', /^no IPv6 socket to reach \[::1\]:5060: IPv6 is not available on this host \(bind \[2001:db8::1\]:0: EADDRNOTAVAIL\)$/);
    assert.equal(engine.trace('v6').filter((e) => e.direction === 'out').length, 0, 'nothing sent');
  } finally {
    await engine.stop(0);
  }
});

test('engine, real sockets: an IPv6 entry in use stops open() and releases the IPv4 socket bound before it', async () => {
  const holder = createSocket({ type: 'udp6', ipv6Only: true });
  holder.bind(0, '::1');
  await once(holder, 'listening');
  const probe = createSocket('udp4');
  probe.bind(0, '127.0.0.1');
  await once(probe, 'listening');
  const v4port = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const v6 = `[::1]:${holder.address().port}`;
  const engine = new Engine({ binds: parseSipBind(`127.0.0.1:${v4port},${v6}`), log: () => assert.fail('no fallback'), bindingCheckMs: 0 });
  try {
    const err = await engine.open().then(() => assert.fail('must reject'), (e: unknown) => e);
    assert.deepEqual(explainStartFailure(err, 'configured'), { reason: `SIP_BIND ${v6} is in use`, fix: explainStartFailure(err, 'configured').fix });
    // The IPv4 socket opened first was closed again.
    const again = createSocket('udp4');
    again.bind(v4port, '127.0.0.1');
    await once(again, 'listening');
    again.close();
  } finally {
    holder.close();
    await engine.stop(0);
  }
});

test('Via and Contact in the target\'s family: SIP_PUBLIC_HOST per family, else the local address', async () => {
  const clock = new FakeClock(1_700_000_000_000);
  const transport = new MemoryTransport('udp', { host: '192.0.2.10', port: 5060 });
  const engine = new Engine({ clock, transports: { udp: transport }, publicHost: '203.0.113.5', startupSpreadMs: 0, bindingCheckMs: 0, random: () => 0.5 });
  transport.onSend = (m) => {
    const req = parseRequest(m.data);
    transport.deliver(respond(m.data, 200, 'OK', [`Contact: ${req.headers.get('contact')};expires=300`]), { transport: 'udp', host: m.target.host, port: m.target.port });
  };
  const base = { username: 'alice', password: null, expires: 600, transport: 'udp' as const, enabled: true };
  await engine.start([
    { ...base, id: 'v4', domain: '198.51.100.7', ddi: '4930' },
    { ...base, id: 'v6', domain: '[2001:db8::7]', ddi: '4931' },
  ]);
  await clock.advanceAsync(0);
  const byTarget = new Map(transport.sent.map((m) => [m.target.host, parseRequest(m.data)]));
  assert.equal(byTarget.get('198.51.100.7')?.headers.get('contact'), '<sip:4930@203.0.113.5:5060;transport=udp>');
  assert.match(byTarget.get('198.51.100.7')?.headers.get('via') ?? '', /^SIP\/2\.0\/UDP 203\.0\.113\.5:5060;/);
  // No IPv6 public host: the local address (the memory transport's) is advertised.
  assert.equal(byTarget.get('2001:db8::7')?.headers.get('contact'), '<sip:4931@192.0.2.10:5060;transport=udp>');
  await engine.stop(0);

  const both = new Engine({ clock, transports: { udp: transport }, publicHost: '203.0.113.5,2001:db8::5', startupSpreadMs: 0, bindingCheckMs: 0, random: () => 0.5 });
  transport.sent.length = 0;
  await both.start([{ ...base, id: 'v6', domain: '[2001:db8::7]', ddi: '4931' }]);
  await clock.advanceAsync(0);
  const v6 = parseRequest(transport.sent[0]!.data);
  assert.equal(v6.headers.get('contact'), '<sip:4931@[2001:db8::5]:5060;transport=udp>');
  assert.match(v6.headers.get('via') ?? '', /^SIP\/2\.0\/UDP \[2001:db8::5\]:5060;/);
  await both.stop(0);
});

test('engine options: bad binds or publicHost are E_CONFIG with the message', () => {
  assert.throws(() => new Engine({ binds: [{ host: '0.0.0.0', port: 5060 }, { host: '127.0.0.1', port: 5062 }] }), { code: 'E_CONFIG', message: /both IPv4/ });
  assert.throws(() => new Engine({ bindAddress: '127.0.0.1', bindPort: 0, publicHost: '1.2.3.4,5.6.7.8' }), { code: 'E_CONFIG', message: /^publicHost: .*both IPv4/ });
});

test('startRegistrar without the listed IPv6 address: serves IPv4, logs it once, the heartbeat row shows the served bind', async (t) => {
  const { path: databasePath, db } = await tempDatabase(t);
  const lines: string[] = [];
  const sipBind = '127.0.0.1:0,[2001:db8::1]:0';
  const config = envSchema.parse({ ...databaseEnv(databasePath), SIP_BIND: sipBind, REGISTRAR_HEARTBEAT_MS: '60000' });
  const running = await startRegistrar(db, config, (line) => lines.push(line));
  try {
    assert.equal(running.bind, '127.0.0.1:0');
    assert.deepEqual(lines.filter((l) => l.includes('IPv6')), ['registrar: IPv6 not available ([2001:db8::1]:0: EADDRNOTAVAIL): serving IPv4 only']);
    const row = (await rawOf(db).prepare('SELECT node_id AS "nodeId", state, bind FROM engine_nodes').get()) as { nodeId: string; state: string; bind: string };
    assert.ok(row.nodeId.endsWith(`/${sipBind}`), 'the node keeps its configured SIP_BIND as id');
    assert.deepEqual([row.state, row.bind], ['running', '127.0.0.1:0']);
  } finally {
    await running.stop();
  }
});
