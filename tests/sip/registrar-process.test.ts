// `npm run registrar` (node dist/registrar.mjs, bundled from registrar/main.ts) as a process, against a real Kamailio:
// registers what is in the portal database, and on SIGTERM unregisters every binding
// and exits 0 within the shutdown deadline; killed, it leaves nothing "registered" past the lapse.
// Under `npm start` the same entry runs as the portal's child process (lib/engine/engine-process.ts):
// restarted when killed, stopped (unregistering) with the portal, gone when the portal is killed hard.
//   node --import tsx --test tests/sip/registrar-process.test.ts
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startServer } from '../api/server';
import { startPortal } from '../portal-process';
import { getFreePort, startKamailio, type KamailioHandle } from './harness';
import { defer, waitUntil } from './engine-helpers';
import { databaseEnv, rawDb } from '../db';
import { PortalDb, tempDatabase } from './portal-db';

const ROOT = join(import.meta.dirname, '..', '..');

test('registrar process: registers the database, SIGTERM unregisters everything and exits 0', { timeout: 30_000 }, async (t) => {
  const { path, raw } = await tempDatabase(t);
  const k = await startKamailio({ password: 'pw' });
  defer(t, () => k.stop());
  const portal = await PortalDb.create(raw, `sip:127.0.0.1:${k.udpPort}`);
  const ids = [
    await portal.create({ username: 'alice', ddi: '493011111111', password: 'pw' }),
    await portal.create({ username: 'bob', ddi: '493022222222', password: 'pw', transport: 'tcp' }),
    await portal.create({ username: 'carol', ddi: '493033333333', password: 'pw' }),
  ];
  await portal.update(ids[1], { register_server_uri: `sip:127.0.0.1:${k.tcpPort}` });
  const disabled = await portal.create({ username: 'dave', ddi: '493044444444', password: 'pw', enabled: false });
  const sipPort = await getFreePort();

  const child = spawn(process.execPath, [join(ROOT, 'dist', 'registrar.mjs')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...databaseEnv(path),
      SIP_BIND: `127.0.0.1:${sipPort}`,
      SIP_PUBLIC_HOST: '127.0.0.1',
      REGISTRAR_STARTUP_SPREAD_MS: '0',
      REGISTRAR_SHUTDOWN_DEADLINE_MS: '5000',
    },
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => res({ code, signal })),
  );
  defer(t, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL'); // only this child, by its own handle
      await exited;
    }
  });

  for (const [id, user, ddi, transport] of [
    [ids[0], 'alice', '493011111111', 'udp'],
    [ids[1], 'bob', '493022222222', 'tcp'],
    [ids[2], 'carol', '493033333333', 'udp'],
  ] as const) {
    await portal.waitState(id, 'registered', 10_000).catch((e: Error) => {
      throw new Error(`${e.message}\n--- registrar output ---\n${output}`);
    });
    const [b] = await waitUntil(`${user}'s binding`, () => k.lookupBindings(`${user}@127.0.0.1`), (x) => x.length === 1);
    if (transport === 'udp') assert.equal(b.contact, `sip:${ddi}@127.0.0.1:${sipPort};transport=udp`, 'Contact: SIP_PUBLIC_HOST and the SIP_BIND port');
    else assert.match(b.contact, new RegExp(`^sip:${ddi}@127\\.0\\.0\\.1:\\d+;transport=tcp$`));
  }
  assert.deepEqual(await k.lookupBindings('dave@127.0.0.1'), []);
  assert.match(output, /registrar: 4 registrations loaded/);

  const killedAt = performance.now();
  assert.ok(child.kill('SIGTERM'));
  const { code, signal } = await exited;
  const took = performance.now() - killedAt;
  assert.equal(signal, null, output);
  assert.equal(code, 0, output);
  assert.ok(took < 5000, `exited ${took} ms after SIGTERM (deadline 5000 ms)`);
  t.diagnostic(`exit ${took} ms after SIGTERM`);
  for (const user of ['alice', 'bob', 'carol']) assert.deepEqual(await k.lookupBindings(`${user}@127.0.0.1`), [], `${user} unregistered`);
  // The final statuses were written before exit.
  for (const id of ids) {
    const s = (await portal.status(id))!;
    assert.equal(s.state, 'unregistered');
    assert.equal(s.code, 200);
  }
  assert.notEqual((await portal.status(disabled))?.state, 'registered');
});

test('registrar process killed (SIGKILL): the API stops saying "registered" when the binding lapses', { timeout: 60_000 }, async (t) => {
  const k = await startKamailio({ password: 'pw', maxExpires: 6 });
  defer(t, () => k.stop());
  const server = await startServer({ REGISTRAR_ENABLED: '0' });
  defer(t, () => server.stop());
  const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Killed engine carrier' } });
  const created = await server.api('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId: provider.body.id, username: 'erin', domain: `127.0.0.1:${k.udpPort}`, ddi: '493055555555', password: 'pw' },
  });
  assert.equal(created.status, 201, created.text);
  const statusOf = async () => (await server.api(`/api/registrations/${created.body.id}`)).body.status;

  const child = spawn(process.execPath, [join(ROOT, 'dist', 'registrar.mjs')], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, ...databaseEnv(server.dbPath), SIP_BIND: `127.0.0.1:${await getFreePort()}`, SIP_PUBLIC_HOST: '127.0.0.1', REGISTRAR_STARTUP_SPREAD_MS: '0' },
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  defer(t, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const bound = await waitUntil('registered through the API', statusOf, (s) => s?.state === 'registered', 10_000, 100);
  assert.equal(bound.grantedExpires, 6);
  child.kill('SIGKILL');
  await exited;

  // The last stored word of the dead engine is "registered", until the lifetime it was granted runs out.
  const expiresAt = (await statusOf()).expiresAt as number;
  for (;;) {
    const askedAt = Date.now();
    const s = await statusOf();
    if (Date.now() < expiresAt) assert.equal(s.state, 'registered');
    if (askedAt >= expiresAt) {
      assert.deepEqual([s.state, s.reason, s.code, s.at], ['retrying', 'expired', null, expiresAt]);
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const list = await server.api(`/api/registrations?q=erin`);
  assert.equal(list.body.items[0].status.state, 'retrying', 'the list says so too');
  assert.deepEqual(await k.lookupBindings('erin@127.0.0.1'), [], 'and the registrar agrees: no binding');
});

/** The engine child of a portal started with REGISTRAR_ENABLED=1: its pid as its heartbeat row says (null: none running). */
async function enginePid(location: string): Promise<number | null> {
  const db = await rawDb(location);
  try {
    return (await db.prepare("SELECT pid FROM engine_nodes WHERE state = 'running'").get<{ pid: number }>())?.pid ?? null;
  } finally {
    await db.close();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A portal (`npm start`: node dist/server.mjs) whose engine runs as its child process, on `sipPort`. */
async function portalWithEngine(t: TestContext, sipPort: number) {
  const portal = await startPortal({
    REGISTRAR_ENABLED: '1',
    SIP_BIND: `127.0.0.1:${sipPort}`,
    SIP_PUBLIC_HOST: '127.0.0.1',
    REGISTRAR_STARTUP_SPREAD_MS: '0',
    REGISTRAR_HEARTBEAT_MS: '500',
    REGISTRAR_SHUTDOWN_DEADLINE_MS: '5000',
  });
  defer(t, () => portal.stop());
  const api = async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const res = await fetch(portal.base + path, {
      method: init.method ?? 'GET',
      headers: { ...portal.adminHeaders(), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const health = async () => (await api('/api/health')).body.engine as { state: string; reason?: string };
  const register = async (username: string, ddi: string, k: KamailioHandle) => {
    const provider = await api('/api/ddi-providers', { method: 'POST', json: { name: `Carrier of ${username}` } });
    const created = await api('/api/registrations', {
      method: 'POST',
      json: { ddiProviderId: provider.body.id, username, domain: `127.0.0.1:${k.udpPort}`, ddi, password: 'pw', transport: 'udp' },
    });
    assert.equal(created.status, 201, created.text);
    await waitUntil(`${username}'s binding at Kamailio (${portal.log()})`, () => k.lookupBindings(`${username}@127.0.0.1`), (b) => b.length === 1, 10_000, 100);
    return created.body.id as number;
  };
  const engine = await waitUntil('the engine child beating', () => enginePid(portal.dbPath), (pid) => pid !== null, 10_000, 50);
  return { portal, api, health, register, engine: engine! };
}

/** Waits for `pid` to be gone (the process exited), failing after `ms`. */
const gone = (pid: number, what: string, ms = 15_000) => waitUntil(what, () => alive(pid), (a) => !a, ms, 50);

test('npm start: the engine is a child process; killed, it is restarted (logged, shown in health); "Test registration" leaves from SIP_BIND; SIGTERM to the portal unregisters', { timeout: 90_000 }, async (t) => {
  const k = await startKamailio({ password: 'pw' });
  defer(t, () => k.stop());
  const sipPort = await getFreePort();
  const { portal, api, health, register, engine } = await portalWithEngine(t, sipPort);
  assert.notEqual(engine, portal.pid, 'the engine runs in a process of its own');
  assert.ok(alive(engine));
  await register('alice', '493011110001', k);

  // "Test registration" goes out from the production socket: Kamailio's answer names the source port it saw (RFC 3581 rport).
  const tested = await api('/api/registrations/test', {
    method: 'POST',
    json: { username: 'probe-bob', domain: `127.0.0.1:${k.udpPort}`, ddi: '493011110002', password: 'pw', transport: 'udp' },
  });
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.body.status.state, 'registered', tested.text);
  const ok = tested.body.trace.find((m: { direction: string; text: string }) => m.direction === 'in' && /^SIP\/2\.0 200/.test(m.text));
  assert.match(ok.text, new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${sipPort};rport=${sipPort}`, 'm'), 'Kamailio saw the REGISTER come from SIP_BIND');
  assert.deepEqual(await k.lookupBindings('probe-bob@127.0.0.1'), [], 'the test binding was removed (Expires: 0)');
  assert.equal((await k.lookupBindings('alice@127.0.0.1')).length, 1, 'the production binding is untouched');

  // Killed: logged, shown as stopped with the reason, then back in a new process.
  process.kill(engine, 'SIGKILL');
  const down = await waitUntil('health to show the dead engine', health, (h) => h.state === 'stopped', 5_000, 25);
  assert.match(down.reason ?? '', /^the engine process died \(killed by SIGKILL\); restarting in 1 s$/);
  assert.match(portal.log(), /registrar: the engine process died \(killed by SIGKILL\); restarting in 1 s \(restart 1\)/);
  const again = await waitUntil('a new engine process', () => enginePid(portal.dbPath), (pid) => pid !== null && pid !== engine, 15_000, 50);
  assert.equal((await health()).state, 'running');
  const ids = await api('/api/registrations?q=alice');
  await waitUntil('alice registered by the new engine', async () => (await api(`/api/registrations/${ids.body.items[0].id}`)).body.status?.state, (s) => s === 'registered', 10_000, 100);

  // SIGTERM to the portal alone: it stops its engine, which unregisters, then both exit.
  process.kill(portal.pid, 'SIGTERM');
  await gone(portal.pid, 'the portal to exit after SIGTERM');
  assert.ok(!alive(again!), 'the engine exited with the portal');
  assert.deepEqual(await k.lookupBindings('alice@127.0.0.1'), [], 'alice unregistered on the way out');
  assert.match(portal.log(), /registrar: 1 registrations loaded/);
});

test('portal killed hard (SIGKILL): its engine notices the closed IPC channel, unregisters and exits; no orphan holds the SIP port', { timeout: 60_000 }, async (t) => {
  const k = await startKamailio({ password: 'pw' });
  defer(t, () => k.stop());
  const sipPort = await getFreePort();
  const { portal, register, engine } = await portalWithEngine(t, sipPort);
  defer(t, () => {
    if (alive(engine)) process.kill(engine, 'SIGKILL');
  });
  await register('carol', '493011110003', k);
  process.kill(portal.pid, 'SIGKILL');
  await gone(engine, `the orphaned engine to exit (${portal.log()})`);
  assert.deepEqual(await k.lookupBindings('carol@127.0.0.1'), [], 'carol unregistered before the engine exited');
  assert.match(portal.log(), /registrar: the portal process is gone: stopping/);
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(sipPort, '127.0.0.1', () => resolve());
  });
  socket.close();
});
