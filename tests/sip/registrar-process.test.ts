// `npm run registrar` (node dist/registrar.mjs, bundled from registrar/main.ts) as a process, against a real Kamailio:
// registers what is in the portal database, and on SIGTERM unregisters every binding
// and exits 0 within the shutdown deadline; killed, it leaves nothing "registered" past the lapse.
//   node --import tsx --test tests/sip/registrar-process.test.ts
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../api/server';
import { getFreePort, startKamailio } from './harness';
import { defer, waitUntil } from './engine-helpers';
import { databaseEnv } from '../db';
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

  const killedAt = Date.now();
  assert.ok(child.kill('SIGTERM'));
  const { code, signal } = await exited;
  const took = Date.now() - killedAt;
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
