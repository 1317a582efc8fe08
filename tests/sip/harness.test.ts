// Self-tests of the SIP harness: a real Kamailio registrar driven by a real
// sipp UAC, and every sipp UAS scenario driven by a minimal node:dgram client.
//   node --import tsx --test tests/sip/harness.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import {
  getFreePort,
  parseSippMessages,
  requireBinary,
  startKamailio,
  startSipp,
  type KamailioHandle,
  type SippMessage,
} from './harness';
import { onceWithin } from '../deadline';

// ------------------------------------------------------------- tiny UDP UAC

interface Resp {
  raw: string;
  status: number | undefined;
  header(name: string): string | undefined;
}

function parseResp(raw: string): Resp {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(raw);
  return {
    raw,
    status: m ? Number(m[1]) : undefined,
    header: (name) => new RegExp(`^${name}\\s*:\\s*(.*?)\\r?$`, 'im').exec(raw)?.[1],
  };
}

async function udpClient(t: TestContext) {
  const sock = dgram.createSocket('udp4');
  const inbox: string[] = [];
  let wake: (() => void) | null = null;
  sock.on('message', (m) => {
    inbox.push(m.toString('latin1'));
    wake?.();
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  t.after(() => sock.close());
  const localPort = sock.address().port;
  return {
    localPort,
    send(text: string, port: number) {
      sock.send(text, port, '127.0.0.1');
    },
    /** Datagrams that arrive within `ms` (returns early once `until` matches the last one). */
    async collect(ms: number, until?: (r: Resp) => boolean): Promise<Resp[]> {
      const deadline = performance.now() + ms;
      const got: Resp[] = [];
      for (;;) {
        while (inbox.length) {
          const r = parseResp(inbox.shift()!);
          got.push(r);
          if (until?.(r)) return got;
        }
        const left = deadline - performance.now();
        if (left <= 0) return got;
        await new Promise<void>((r) => {
          const timer = setTimeout(r, left);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            r();
          };
        });
      }
    },
  };
}

function register(o: {
  port: number;
  localPort: number;
  callId: string;
  cseq: number;
  user?: string;
  expires?: number | null;
  contactExpires?: number;
  contact?: string;
  branch?: string;
  extra?: string[];
}): string {
  const user = o.user ?? 'alice';
  const contact = o.contact ?? `<sip:${user}@127.0.0.1:${o.localPort};transport=udp>${o.contactExpires !== undefined ? `;expires=${o.contactExpires}` : ''}`;
  const lines = [
    `REGISTER sip:127.0.0.1:${o.port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${o.localPort};rport;branch=${o.branch ?? `z9hG4bK-${o.callId}-${o.cseq}`}`,
    `From: <sip:${user}@127.0.0.1>;tag=from-${o.callId}`,
    `To: <sip:${user}@127.0.0.1>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} REGISTER`,
    `Contact: ${contact}`,
    'Max-Forwards: 70',
    ...(o.expires === null ? [] : [`Expires: ${o.expires ?? 3600}`]),
    ...(o.extra ?? []),
    'User-Agent: harness-self-test',
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

const final = (r: Resp) => (r.status ?? 0) >= 200;

// ------------------------------------------------------------- sipp UAC

/** One REGISTER (+ digest answer) by sipp's uac-register-auth.xml; returns the statuses it received. */
async function sippRegister(
  k: KamailioHandle,
  o: { user: string; password: string; expires: number; authUser?: string; transport?: 'udp' | 'tcp'; port?: number },
): Promise<{ code: number; statuses: number[]; msgs: SippMessage[] }> {
  const s = await startSipp('uac-register-auth.xml', {
    remote: `${k.host}:${o.transport === 'tcp' ? k.tcpPort : k.udpPort}`,
    transport: o.transport,
    service: o.user,
    authUser: o.authUser ?? o.user,
    authPassword: o.password,
    set: { expires: o.expires },
    port: o.port,
    maxCalls: 1,
    timeoutSec: 15,
  });
  const code = await s.done;
  const msgs = s.messages();
  await s.stop();
  return { code, statuses: msgs.filter((m) => m.direction === 'in').map((m) => m.status!), msgs };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function groupPids(pgid: number): number[] {
  const r = spawnSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

// ------------------------------------------------------------- tests

test('kamailio, kamcmd, sipp and openssl are installed', () => {
  for (const [bin, pkg] of [
    ['kamailio', 'kamailio'],
    ['kamcmd', 'kamailio'],
    ['sipp', 'sip-tester'],
    ['openssl', 'openssl'],
  ]) {
    requireBinary(bin, pkg);
  }
  assert.throws(() => requireBinary('no-such-binary-xyz', 'nothing'), /apt-get install -y nothing/);
});

test('getFreePort gives distinct ports free on TCP and UDP', async () => {
  const a = await getFreePort();
  const b = await getFreePort();
  assert.notEqual(a, b);
  assert.ok(a > 1024 && b > 1024);
});

test('kamailio registrar: 401 then 200, binding visible, shorter expiry granted, Expires: 0 removes it', { timeout: 60_000 }, async (t) => {
  const k = await startKamailio({ password: 'pw1', maxExpires: 120, minExpires: 60 });
  t.after(() => k.stop());

  const port = await getFreePort(); // same Contact for register and unregister
  const reg = await sippRegister(k, { user: 'alice', password: 'pw1', expires: 3600, port });
  assert.equal(reg.code, 0, 'sipp UAC exit code');
  assert.deepEqual(reg.statuses, [401, 200]);
  const challenge = reg.msgs.find((m) => m.status === 401)!;
  assert.match(challenge.header('WWW-Authenticate') ?? '', /^Digest realm="127\.0\.0\.1", nonce="[^"]+", qop="auth"/);
  const ok = reg.msgs.find((m) => m.status === 200)!;
  assert.match(ok.header('Contact') ?? '', /;expires=120$/, 'max_expires=120 granted instead of 3600');

  const sent = reg.msgs.filter((m) => m.direction === 'out');
  const callId = sent[1].header('Call-ID');
  const bindings = await k.lookupBindings('sip:alice@127.0.0.1');
  assert.equal(bindings.length, 1);
  assert.equal(bindings[0].contact, `sip:alice@127.0.0.1:${/:(\d+);transport/.exec(sent[1].header('Contact')!)![1]};transport=UDP`);
  assert.ok(bindings[0].expires > 100 && bindings[0].expires <= 120, `expires ${bindings[0].expires}`);
  assert.equal(bindings[0].callId, callId);
  assert.equal(bindings[0].cseq, 2);
  assert.equal(bindings[0].socket, `udp:127.0.0.1:${k.udpPort}`);

  // kamcmd over the ctl socket sees it too.
  const dump = spawnSync(requireBinary('kamcmd', 'kamailio'), ['-s', k.ctlSocket, 'ul.lookup', 'location', 'alice@127.0.0.1'], { encoding: 'utf8' });
  assert.equal(dump.status, 0, dump.stderr);
  assert.match(dump.stdout, /Address: sip:alice@127\.0\.0\.1:\d+;transport=UDP/);

  // Too short: 423 with Min-Expires.
  const short = await sippRegister(k, { user: 'alice', password: 'pw1', expires: 30, port });
  assert.deepEqual(short.statuses, [401, 423]);
  assert.equal(short.msgs.find((m) => m.status === 423)!.header('Min-Expires'), '60');

  // Unregister.
  const unreg = await sippRegister(k, { user: 'alice', password: 'pw1', expires: 0, port });
  assert.deepEqual(unreg.statuses, [401, 200]);
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), []);

  // Wrong password: challenged again, nothing stored.
  const bad = await sippRegister(k, { user: 'carol', password: 'nope', expires: 60 });
  assert.deepEqual(bad.statuses, [401, 401]);
  assert.deepEqual(await k.lookupBindings('carol@127.0.0.1'), []);

  assert.doesNotMatch(k.log(), /REGISTER/, 'no per-request logging at the default level');
});

test('kamailio registrar: per-user password, 403 on a wrong one, 407 proxy auth, TCP', { timeout: 60_000 }, async (t) => {
  const k = await startKamailio({ users: { bob: 'bobpw' }, proxyAuth: true, badAuth403: true });
  t.after(() => k.stop());

  const good = await sippRegister(k, { user: 'bob', password: 'bobpw', expires: 300 });
  assert.deepEqual(good.statuses, [407, 200]);
  assert.match(good.msgs.find((m) => m.status === 407)!.header('Proxy-Authenticate') ?? '', /^Digest realm="127\.0\.0\.1"/);
  assert.equal((await k.lookupBindings('bob@127.0.0.1')).length, 1);

  const bad = await sippRegister(k, { user: 'bob', password: 'secret', expires: 300 });
  assert.deepEqual(bad.statuses, [407, 403], "bob's own password wins over the default");

  const dflt = await sippRegister(k, { user: 'dave', password: 'secret', expires: 300 });
  assert.deepEqual(dflt.statuses, [407, 200], 'a user without an entry has the default password');

  await k.setPassword('dave', 'newpw');
  const changed = await sippRegister(k, { user: 'dave', password: 'newpw', expires: 300 });
  assert.deepEqual(changed.statuses, [407, 200]);

  const overTcp = await sippRegister(k, { user: 'erin', password: 'secret', expires: 300, transport: 'tcp' });
  assert.deepEqual(overTcp.statuses, [407, 200]);
  const [b] = await k.lookupBindings('erin@127.0.0.1');
  assert.equal(b.socket, `tcp:127.0.0.1:${k.tcpPort}`);
});

test('kamailio registrar over TLS with a self-signed cert', { timeout: 30_000 }, async (t) => {
  const k = await startKamailio({ tls: true });
  t.after(() => k.stop());
  assert.ok(k.tlsPort && k.caFile);
  const sock = tls.connect({ host: '127.0.0.1', port: k.tlsPort, ca: readFileSync(k.caFile), servername: 'localhost' });
  t.after(() => sock.destroy());
  await onceWithin(sock, 'secureConnect', 5000, 'the TLS handshake with Kamailio');
  assert.equal(sock.authorized, true, String(sock.authorizationError));
  let buf = '';
  sock.on('data', (d) => (buf += d.toString('latin1')));
  const lp = sock.localPort;
  sock.write(
    register({ port: k.tlsPort!, localPort: lp!, callId: 'tls-1', cseq: 1 }).replace('SIP/2.0/UDP', 'SIP/2.0/TLS').replace(';transport=udp', ';transport=tls'),
  );
  const deadline = performance.now() + 5000;
  while (!/\r\n\r\n/.test(buf) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.match(buf, /^SIP\/2\.0 401 Unauthorized\r\n/);
});

test('kamailio stop() kills the whole process group', { timeout: 30_000 }, async () => {
  const k = await startKamailio({ children: 2 });
  const pid = k.pid;
  assert.equal(Number(readFileSync(`${k.dir}/kamailio.pid`, 'utf8')), pid);
  assert.ok(groupPids(pid).length > 3, 'main + workers running');
  await k.stop();
  assert.equal(alive(pid), false);
  assert.deepEqual(groupPids(pid), []);
});

// ---- sipp UAS scenarios, driven by dgram

test('uas 200-ok: echoes Contact and expiry, honours max_expires, unregister has no Contact', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('200-ok.xml', { set: { max_expires: 120 }, timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const base = { port: s.port, localPort: c.localPort, callId: 'ok-1' };

  c.send(register({ ...base, cseq: 1, expires: 3600 }), s.port);
  let [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  assert.equal(r.header('Contact'), `<sip:alice@127.0.0.1:${c.localPort};transport=udp>;expires=120`);
  assert.equal(r.header('CSeq'), '1 REGISTER');
  assert.equal(r.header('Call-ID'), 'ok-1');
  assert.match(r.header('To') ?? '', /;tag=\S+/);

  c.send(register({ ...base, cseq: 2, expires: null, contactExpires: 60 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.header('Contact'), `<sip:alice@127.0.0.1:${c.localPort};transport=udp>;expires=60`, 'Contact param wins');

  c.send(register({ ...base, cseq: 3, expires: 0 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  assert.equal(r.header('Contact'), undefined);

  // A second binding (new Call-ID) is answered too.
  c.send(register({ ...base, callId: 'ok-2', cseq: 1, expires: 90 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  assert.match(r.header('Contact') ?? '', /;expires=90$/);

  const got = s.messages().filter((m) => m.direction === 'in');
  assert.equal(got.length, 4);
  assert.equal(got[0].header('Expires'), '3600');
});

test('uas 423-min-expires: 423 Min-Expires 1800, retransmission re-answered, then 200 expires=1800 and refreshes', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('423-min-expires.xml', { timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const base = { port: s.port, localPort: c.localPort, callId: 'min-1' };

  const first = register({ ...base, cseq: 1, expires: 600 });
  c.send(first, s.port);
  let [r] = await c.collect(3000, final);
  assert.equal(r.status, 423);
  assert.equal(r.header('Min-Expires'), '1800');

  c.send(first, s.port); // retransmission of the same request
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 423, 'retransmission gets the same answer and does not advance the scenario');

  c.send(register({ ...base, cseq: 2, expires: 1800 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  assert.equal(r.header('Contact'), `<sip:alice@127.0.0.1:${c.localPort};transport=udp>;expires=1800`);

  c.send(register({ ...base, cseq: 3, expires: 1800 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200, 'refresh with the same Call-ID');

  c.send(register({ ...base, cseq: 4, expires: 100 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 423, 'still too short later on');
});

test('uas 503-retry-after: 503 Retry-After 7, then 200', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('503-retry-after.xml', { timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const base = { port: s.port, localPort: c.localPort, callId: 'busy-1' };
  c.send(register({ ...base, cseq: 1, expires: 600 }), s.port);
  let [r] = await c.collect(3000, final);
  assert.equal(r.status, 503);
  assert.equal(r.header('Retry-After'), '7');
  c.send(register({ ...base, cseq: 2, expires: 600 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  assert.match(r.header('Contact') ?? '', /;expires=600$/);
});

test('uas 407-proxy-auth: 407 with a Digest challenge until Proxy-Authorization is sent', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('407-proxy-auth.xml', { timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const base = { port: s.port, localPort: c.localPort, callId: 'pa-1' };
  c.send(register({ ...base, cseq: 1 }), s.port);
  let [r] = await c.collect(3000, final);
  assert.equal(r.status, 407);
  const ch = r.header('Proxy-Authenticate') ?? '';
  assert.match(ch, /^Digest realm="sipp\.test", nonce="[^"]+", opaque="sipp-opaque", algorithm=MD5, qop="auth"$/);
  const cred = 'Proxy-Authorization: Digest username="alice", realm="sipp.test", nonce="x", uri="sip:127.0.0.1", response="00000000000000000000000000000000", algorithm=MD5';
  c.send(register({ ...base, cseq: 2, extra: [cred] }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
  c.send(register({ ...base, cseq: 3 }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 407, 'a refresh without credentials is challenged again');
  c.send(register({ ...base, cseq: 4, extra: [cred] }), s.port);
  [r] = await c.collect(3000, final);
  assert.equal(r.status, 200);
});

test('uas silence: REGISTERs (and retransmissions) are received but never answered', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('silence.xml', { timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const msg = register({ port: s.port, localPort: c.localPort, callId: 'quiet-1', cseq: 1 });
  c.send(msg, s.port);
  await s.waitFor((m) => m.filter((x) => x.direction === 'in').length >= 1);
  c.send(msg, s.port);
  c.send(register({ port: s.port, localPort: c.localPort, callId: 'quiet-1', cseq: 2 }), s.port);
  await s.waitFor((m) => m.filter((x) => x.direction === 'in').length >= 3);
  assert.deepEqual(await c.collect(700), []);
  assert.equal(s.messages().filter((m) => m.direction === 'out').length, 0);
});

test('uas garbage: malformed datagrams first, then a valid 200', { timeout: 30_000 }, async (t) => {
  const s = await startSipp('garbage.xml', { timeoutSec: 20 });
  t.after(() => s.stop());
  const c = await udpClient(t);
  const base = { port: s.port, localPort: c.localPort, callId: 'junk-1' };
  c.send(register({ ...base, cseq: 1, expires: 600 }), s.port);
  const got = await c.collect(3000, (r) => r.status === 200 && r.header('CSeq') === '1 REGISTER');
  assert.equal(got.length, 5, got.map((g) => JSON.stringify(g.raw.slice(0, 40))).join('\n'));
  assert.equal(got[0].status, undefined);
  assert.match(got[0].raw, /garbage/);
  assert.match(got[1].raw, /^HTTP\/1\.1 200 OK/);
  assert.match(got[2].raw, /^SIP\/2\.O 200 OK/);
  assert.equal(got[3].status, 500);
  assert.equal(got[3].header('CSeq'), 'x REGISTER');
  assert.equal(got[3].header('Call-ID'), undefined);
  assert.equal(got[4].status, 200);
  assert.match(got[4].header('Contact') ?? '', /;expires=600$/);
  c.send(register({ ...base, cseq: 2, expires: 600 }), s.port);
  const [r] = await c.collect(3000, final);
  assert.equal(r.status, 200, 'later requests get a clean 200');
});

test('sipp stops by itself at -timeout, and stop() kills it', { timeout: 30_000 }, async () => {
  const s = await startSipp('silence.xml', { timeoutSec: 1 });
  const code = await s.done;
  assert.equal(code, 255, 'timeout exit code');
  assert.equal(await s.stop(), 255);

  const s2 = await startSipp('200-ok.xml', { timeoutSec: 30 });
  const pid = s2.pid;
  assert.ok(alive(pid), 'sipp running');
  const code2 = await s2.stop();
  assert.equal(typeof code2, 'number');
  assert.equal(alive(pid), false);
});

test('parseSippMessages reads a sipp message log', () => {
  const log =
    '----------------------------------------------- 2026-01-01 00:00:00.000000\n' +
    'UDP message received [20] bytes :\n\nREGISTER sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n\n' +
    '----------------------------------------------- 2026-01-01 00:00:00.000100\n' +
    'TCP message sent (20 bytes):\n\nSIP/2.0 423 Interval Too Brief\r\nMin-Expires: 1800\r\n\r\n\n';
  const m = parseSippMessages(log);
  assert.equal(m.length, 2);
  assert.equal(m[0].direction, 'in');
  assert.equal(m[0].header('call-id'), 'a');
  assert.equal(m[1].transport, 'TCP');
  assert.equal(m[1].status, 423);
  assert.equal(m[1].header('Min-Expires'), '1800');
});
