/**
 * "Test registration" cannot be turned against the saved passwords or into a scanner:
 *  - a saved password is sent only to the registration's own domain, registrar URI and realm
 *    (in a test as in a save); every test is audited (who, target, password source, result);
 *  - tests are paced per operator; outcomes without a SIP answer (closed, filtered, not SIP) look
 *    and last the same; denied address ranges are never sent anything.
 * Fake registrars are real UDP/TCP sockets on 127.0.0.1. The test runs in the portal's engine
 * process (REGISTRAR_ENABLED=1), from its SIP socket; the request is stored sealed and deleted after.
 */
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, describe, test } from 'node:test';
import { parseChallenges } from '../../registrar/auth/challenge';
import { computeDigest } from '../../registrar/auth/digest';
import { auditListJsonSchema } from '../../lib/api/contracts';
import { signIn } from '../portal-process';
import { waitUntil } from '../sip/engine-helpers';
import { startDnsmasq } from '../sip/harness';
import { rawDb } from '../db';
import { startServer, useServer } from './server';

/** The engine runs as the portal's child process: "Test registration" goes through it. */
const WITH_ENGINE = { REGISTRAR_ENABLED: '1', SIP_BIND: '127.0.0.1:0', REGISTRAR_STARTUP_SPREAD_MS: '0' };
const server = useServer(WITH_ENGINE);

/** The test requests handed to the engine and not yet collected. */
async function pendingTests(dbPath: string): Promise<string[]> {
  const db = await rawDb(dbPath);
  try {
    return (await db.prepare('SELECT request FROM test_registrations').all<{ request: string }>()).map((r) => r.request);
  } finally {
    await db.close();
  }
}
const PASSWORD = 'Saved-sip-secret-5521';
const OTHER_PASSWORD = 'Typed-sip-secret-7710';
const REALM = 'carrier.test';

interface Json {
  [key: string]: any;
}

/** A UDP registrar: challenges, checks the digest against `password`, answers 200; records what reached it. */
async function udpRegistrar(password: string | null) {
  const socket = dgram.createSocket('udp4');
  const received: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('utf8');
    received.push(text);
    if (password === null) return; // silent
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*?)\\r?$`, 'im').exec(text)?.[1];
    const reply = (status: string, extra: string[] = []) =>
      socket.send(
        [`SIP/2.0 ${status}`, ...text.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)), ...extra, 'Content-Length: 0', '', ''].join('\r\n'),
        rinfo.port,
        rinfo.address,
      );
    const auth = header('Authorization');
    if (!auth) return reply('401 Unauthorized', [`WWW-Authenticate: Digest realm="${REALM}", nonce="chosen-nonce", qop="auth", algorithm=MD5`]);
    const p = parseChallenges([auth])[0]!.params;
    const [challenge] = parseChallenges([`Digest realm="${REALM}", nonce="chosen-nonce", qop="auth", algorithm=MD5`]);
    const expected = computeDigest({
      challenge: challenge!,
      credentials: { username: p.get('username') as string, password },
      method: 'REGISTER',
      uri: p.get('uri') as string,
      cnonce: p.get('cnonce') as string,
      nc: parseInt(p.get('nc') as string, 16),
    });
    if (p.get('response') !== expected.response) return reply('403 Forbidden');
    return reply('200 OK', [`Contact: ${header('Contact') ?? '*'};expires=60`]);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, received, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

const sockets: Array<{ close: () => Promise<void> }> = [];
after(async () => {
  for (const s of sockets) await s.close();
});

async function provider(name: string): Promise<number> {
  const res = await server.api<Json>('/api/ddi-providers', { method: 'POST', json: { name } });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

let ddiSeq = 0;
const ddi = () => `+3493100${String(++ddiSeq).padStart(4, '0')}`;

describe('a saved password stays with its own registrar', () => {
  test('a test aimed elsewhere (domain, registrar URI or realm) without typing the password is refused, nothing sent, audited', async () => {
    server.ledger.secret(PASSWORD, 'the saved SIP password');
    server.ledger.secret(OTHER_PASSWORD, 'a typed SIP password');
    const own = await udpRegistrar(PASSWORD);
    const attacker = await udpRegistrar(PASSWORD);
    sockets.push(own, attacker);
    const providerId = await provider('Scope carrier');
    const created = await server.api<Json>('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: providerId, username: 'scope-alice', domain: `127.0.0.1:${own.port}`, ddi: ddi(), password: PASSWORD },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as number;
    const base = { id, username: 'scope-alice', domain: `127.0.0.1:${own.port}`, ddi: created.body.ddi };

    for (const elsewhere of [
      { username: 'attacker', domain: `127.0.0.1:${attacker.port}` },
      { registerServerUri: `sip:127.0.0.1:${attacker.port}` },
      { realm: 'attacker.example' },
    ]) {
      const res = await server.api<Json>('/api/registrations/test', { method: 'POST', json: { ...base, ...elsewhere } });
      assert.equal(res.status, 422, `${JSON.stringify(elsewhere)}: ${res.text}`);
      assert.match(res.body.error.fields.password, /Type the password again/);
    }
    assert.deepEqual(attacker.received, [], 'the other registrar was never sent anything');

    // Typing the password makes it the operator's own choice.
    const typed = await server.api<Json>('/api/registrations/test', {
      method: 'POST',
      json: { ...base, domain: `127.0.0.1:${attacker.port}`, password: OTHER_PASSWORD },
    });
    assert.equal(typed.status, 200, typed.text);
    assert.equal(typed.body.status.code, 403, 'the typed (other) password was used, not the saved one');

    // Its own registrar: the saved password is used.
    const mine = await server.api<Json>('/api/registrations/test', { method: 'POST', json: base });
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.body.status.state, 'registered');
    // Created without a transport: `auto`; an IP address with a port → UDP (RFC 3263 §4.1).
    assert.equal(created.body.transport, 'auto');
    assert.equal(mine.body.status.target, `127.0.0.1:${own.port}/udp`);

    const history = auditListJsonSchema.parse((await server.api(`/api/registrations/${id}/audit?action=test`)).body);
    const rows = history.items.map((e) => [String(e.changes.password?.after), String(e.changes.result?.after)]);
    assert.deepEqual(
      rows.map(([source]) => source),
      ['saved', 'typed', 'saved (refused)', 'saved (refused)', 'saved (refused)'],
    );
    assert.match(rows[0]![1]!, /^registered 200/);
    assert.match(rows[1]![1]!, /^rejected 403/);
    assert.ok(history.items.every((e) => typeof e.actor === 'string' && e.actor.length > 0));
    assert.match(String(history.items[1]!.changes.target?.after), new RegExp(`127\\.0\\.0\\.1:${attacker.port}`));
  });

  test('a save that points a kept password elsewhere must type it again', async () => {
    const providerId = await provider('Scope save carrier');
    const created = await server.api<Json>('/api/registrations', {
      method: 'POST',
      // Disabled: the engine running here does not resolve these names (no system DNS in tests).
      json: { ddiProviderId: providerId, username: 'scope-bob', domain: 'sip.own.example', ddi: ddi(), password: PASSWORD, enabled: false },
    });
    const id = created.body.id as number;
    for (const patch of [{ domain: 'sip.attacker.example' }, { registerServerUri: 'sip:attacker.example' }, { realm: 'attacker' }]) {
      const res = await server.api<Json>(`/api/registrations/${id}`, { method: 'PATCH', json: patch });
      assert.equal(res.status, 422, res.text);
      assert.match(res.body.error.fields.password, /Type the password again/);
    }
    assert.equal((await server.api<Json>(`/api/registrations/${id}`, { method: 'PATCH', json: { username: 'scope-bob2', expires: 600 } })).status, 200);
    const moved = await server.api<Json>(`/api/registrations/${id}`, { method: 'PATCH', json: { domain: 'sip.new.example', password: OTHER_PASSWORD } });
    assert.equal(moved.status, 200, moved.text);
    const cleared = await server.api<Json>(`/api/registrations/${id}`, { method: 'PATCH', json: { domain: 'sip.third.example', password: null } });
    assert.equal(cleared.status, 200, 'no password left to leak');
  });
});

describe('test registration is not a scanner', () => {
  test('closed, filtered and not-SIP ports look and last the same; a third concurrent test is paced (429)', { timeout: 60_000 }, async () => {
    const silent = await udpRegistrar(null);
    const silent2 = await udpRegistrar(null);
    sockets.push(silent, silent2);
    const closedPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const conns = new Set<net.Socket>();
    const notSip = net.createServer((c) => {
      conns.add(c);
      c.end('SSH-2.0-OpenSSH_9.2\r\n');
    });
    await new Promise<void>((r) => notSip.listen(0, '127.0.0.1', r));
    sockets.push({
      close: () =>
        new Promise<void>((r) => {
          notSip.close(() => r());
          for (const c of conns) c.destroy();
        }),
    });

    const editorPassword = 'Scan-editor-pass-1';
    server.ledger.secret(editorPassword, 'the editor password');
    assert.equal((await server.api('/api/operators', { method: 'POST', json: { email: 'scan-editor@portal.test', name: 'Scan editor', role: 'editor', password: editorPassword } })).status, 201);
    const editor = { session: await signIn(server.baseUrl, 'scan-editor@portal.test', editorPassword) };

    const typed = 'Probe-typed-secret-3318';
    server.ledger.secret(typed, 'a typed SIP password');
    const probe = async (domain: string, transport: string, auth?: { session: string }) => {
      const started = performance.now();
      const res = await server.api<Json>('/api/registrations/test', { method: 'POST', json: { username: 'probe', domain, ddi: ddi(), transport, password: typed }, auth });
      return { res, ms: performance.now() - started };
    };
    const probes = [probe(`127.0.0.1:${silent.port}`, 'udp'), probe(`127.0.0.1:${silent2.port}`, 'udp')];
    // Both hold their slot once their REGISTER has arrived.
    await waitUntil('both tests under way', () => silent.received.length > 0 && silent2.received.length > 0, (v) => v, 5000, 20);
    // Handed to the engine sealed with the keyring: the typed password is not in the database in clear.
    const stored = await pendingTests(server.dbPath);
    assert.equal(stored.length, 2);
    for (const request of stored) {
      assert.match(request, /^enc:v1:/);
      assert.ok(!request.includes(typed) && !request.includes('probe'), 'nothing of the request in clear');
    }
    const third = await probe(`127.0.0.1:${closedPort}`, 'tcp');
    assert.equal(third.res.status, 429, third.res.text);
    assert.equal(third.res.body.error.code, 'throttled');
    assert.ok(Number(third.res.headers.get('retry-after')) >= 1);
    probes.push(probe(`127.0.0.1:${closedPort}`, 'tcp', editor), probe(`127.0.0.1:${(notSip.address() as net.AddressInfo).port}`, 'tcp', editor));
    const results = await Promise.all(probes);

    const shapes = results.map(({ res }) => {
      assert.equal(res.status, 200, res.text);
      const s = res.body.status;
      return JSON.stringify([s.state, s.code, s.reason, s.target, res.body.trace.length, res.body.trace[0]?.direction]);
    });
    assert.deepEqual(new Set(shapes), new Set([JSON.stringify(['retrying', null, 'no-answer', null, 0, undefined])]), shapes.join(' | '));
    const times = results.map((r) => r.ms);
    assert.ok(Math.max(...times) - Math.min(...times) < 1000 && Math.min(...times) >= 9_900, `answered after ${times.join(', ')} ms`);
    for (const s of [silent, silent2]) assert.ok(s.received.length <= 6, `${s.received.length} datagrams to a silent port`);
    assert.deepEqual(await pendingTests(server.dbPath), [], 'every request row deleted once answered');
  });

  test('TEST_REGISTRATION_DENY: a denied range is refused (403) and never sent anything; other servers still work', { timeout: 120_000 }, async () => {
    const target = await udpRegistrar(PASSWORD);
    sockets.push(target);
    const denied = await startServer({ ...WITH_ENGINE, TEST_REGISTRATION_DENY: '10.0.0.0/8, 127.0.0.0/24' });
    try {
      const res = await denied.api<Json>('/api/registrations/test', {
        method: 'POST',
        json: { username: 'deny', domain: `127.0.0.1:${target.port}`, ddi: ddi(), password: PASSWORD },
      });
      assert.equal(res.status, 403, res.text);
      assert.equal(res.body.error.code, 'forbidden');
      assert.deepEqual(target.received, []);
      const allowed = await denied.api<Json>('/api/registrations/test', {
        method: 'POST',
        json: { username: 'deny', domain: `127.0.1.1:${target.port}`, ddi: ddi(), password: PASSWORD },
      });
      assert.equal(allowed.status, 200, 'outside the denied ranges the test runs');
    } finally {
      await denied.stop();
    }
  });
});

/** A TCP registrar without authentication: 200 with our Contact to every REGISTER; records what reached it. */
async function tcpRegistrar() {
  const received: string[] = [];
  const conns = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
    c.on('error', () => {});
    let buffer = '';
    c.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
        const text = buffer.slice(0, end + 4);
        buffer = buffer.slice(end + 4);
        received.push(text);
        const contact = /^Contact:\s*(.*?)\r?$/im.exec(text)?.[1];
        const expires = /^Expires:\s*(\d+)/im.exec(text)?.[1] ?? '60';
        c.write(
          ['SIP/2.0 200 OK', ...text.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l)), ...(contact ? [`Contact: ${contact};expires=${expires}`] : []), 'Content-Length: 0', '', ''].join('\r\n'),
        );
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.destroy();
        srv.close(() => r());
      }),
  };
}

describe('transport auto', () => {
  test('a test without a transport resolves as the engine does (SIP_DNS_SERVERS): NAPTR prefers SIP+D2T → REGISTER over TCP', { timeout: 60_000 }, async () => {
    const tcp = await tcpRegistrar();
    const udp = await udpRegistrar(null);
    sockets.push(tcp, udp);
    const dns = await startDnsmasq({
      hosts: { 'sip.carrier.test': '127.0.0.1' },
      naptr: [
        { name: 'carrier.test', order: 10, preference: 20, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
        { name: 'carrier.test', order: 10, preference: 10, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.carrier.test' },
      ],
      srv: [
        { name: '_sip._tcp.carrier.test', target: 'sip.carrier.test', port: tcp.port, priority: 10, weight: 10 },
        { name: '_sip._udp.carrier.test', target: 'sip.carrier.test', port: udp.port, priority: 10, weight: 10 },
      ],
    });
    const portal = await startServer({ ...WITH_ENGINE, SIP_DNS_SERVERS: dns.server });
    try {
      const res = await portal.api<Json>('/api/registrations/test', { method: 'POST', json: { username: 'auto-alice', domain: 'carrier.test', ddi: ddi() } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status.state, 'registered', res.text);
      assert.equal(res.body.status.target, `127.0.0.1:${tcp.port}/tcp`);
      const sent = res.body.trace.find((m: Json) => m.direction === 'out');
      assert.match(sent.text, /^Via: SIP\/2\.0\/TCP /m);
      assert.match(sent.text, /^Contact: <sip:[^>]*;transport=tcp>/m);
      assert.ok(tcp.received.length >= 1, 'the TCP registrar got the REGISTER');
      assert.deepEqual(udp.received, [], 'nothing went over UDP');
    } finally {
      await portal.stop();
      await dns.stop();
    }
  });
});

describe('no engine', () => {
  test('REGISTRAR_ENABLED=0 and no `npm run registrar`: 503 at once, saying how to get one; nothing left behind', { timeout: 120_000 }, async () => {
    const target = await udpRegistrar(PASSWORD);
    sockets.push(target);
    const apart = await startServer({ REGISTRAR_ENABLED: '0' });
    try {
      const started = performance.now();
      const res = await apart.api<Json>('/api/registrations/test', { method: 'POST', json: { username: 'nobody', domain: `127.0.0.1:${target.port}`, ddi: ddi() } });
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, 'unavailable');
      assert.match(res.body.error.message, /no engine running: start it or enable REGISTRAR_ENABLED/);
      assert.ok(performance.now() - started < 3_000, `answered after ${performance.now() - started} ms`);
      assert.deepEqual(target.received, []);
      assert.deepEqual(await pendingTests(apart.dbPath), []);
    } finally {
      await apart.stop();
    }
  });
});
