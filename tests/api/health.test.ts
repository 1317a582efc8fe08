// GET /api/health and /metrics `registrar_engine_up` follow the engine's heartbeat: unknown
// before any engine ran, running with the engine inside the portal, stopped with the reason when
// SIP_BIND is taken, and stopped when `npm run registrar` apart is killed (its heartbeat goes silent).
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { after, describe, test } from 'node:test';
import { healthJsonSchema } from '../../lib/api/contracts';
import { getFreePort } from '../sip/harness';
import { useServer, type TestServer } from './server';
import { databaseEnv } from '../db';

type Health = ReturnType<typeof healthJsonSchema.parse>;

async function health(server: TestServer): Promise<Health> {
  const res = await server.api('/api/health', { auth: 'none' });
  assert.equal(res.status, 200, res.text);
  return healthJsonSchema.parse(res.body);
}

async function engineUp(server: TestServer): Promise<number> {
  const res = await server.api('/metrics');
  assert.equal(res.status, 200);
  const m = /^registrar_engine_up (\d)$/m.exec(res.text);
  assert.ok(m, 'registrar_engine_up is exported');
  return Number(m[1]);
}

/** Polls `fn` until it returns true, failing after `ms`. */
async function until(fn: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await fn())) {
    if (performance.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('engine apart, never started: unknown, then `npm run registrar` beats, killed it goes silent', () => {
  const server = useServer({ REGISTRAR_ENABLED: '0' });

  test('unknown and registrar_engine_up 0 while no engine ever ran', async () => {
    assert.deepEqual((await health(server)).engine, { state: 'unknown', heartbeatAt: null, bind: null });
    assert.equal(await engineUp(server), 0);
  });

  test('running while `npm run registrar` beats; stopped (heartbeat silent) after SIGKILL', { timeout: 30_000 }, async () => {
    const bind = `127.0.0.1:${await getFreePort()}`;
    const child = spawn(process.execPath, ['dist/registrar.mjs'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...databaseEnv(server.dbPath), SIP_BIND: bind, REGISTRAR_HEARTBEAT_MS: '200' },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await until(async () => (await health(server)).engine.state === 'running', 15_000, `engine running (${output})`);
      const running = (await health(server)).engine;
      assert.equal(running.bind, bind);
      assert.equal(await engineUp(server), 1);
      // The engine's own counters reach /metrics from its heartbeat row, though it runs apart.
      const metrics = (await server.api('/metrics')).text;
      const node = `node="[^"]*/${bind.replace(/\./g, '\\.')}"`;
      assert.match(metrics, new RegExp(`^sip_register_transactions_total\\{${node},class="timeout"\\} 0$`, 'm'));
      assert.match(metrics, new RegExp(`^sip_register_transaction_duration_seconds_count\\{${node}\\} 0$`, 'm'));
    } finally {
      child.kill('SIGKILL');
    }
    const killedAt = Date.now();
    await until(async () => (await health(server)).engine.state === 'stopped', 5_000, 'engine stopped after SIGKILL');
    const { engine } = await health(server);
    assert.match(engine.reason ?? '', /heartbeat stopped/);
    assert.ok(engine.since! <= killedAt, 'since the last heartbeat');
    assert.equal(await engineUp(server), 0);
  });
});

describe('engine under the portal (its child process)', () => {
  const server = useServer({ REGISTRAR_ENABLED: '1', SIP_BIND: '127.0.0.1:0', REGISTRAR_HEARTBEAT_MS: '500' });

  test('running, with its bind and a fresh heartbeat; registrar_engine_up 1', async () => {
    const { engine } = await health(server);
    assert.equal(engine.state, 'running');
    assert.equal(engine.bind, '127.0.0.1:0');
    assert.ok(Date.now() - engine.heartbeatAt! < 5_000);
    assert.equal(await engineUp(server), 1);
  });
});

describe('SIP_BIND already in use', async () => {
  // a UDP socket holds the port the portal is told to bind
  const holder: Socket = createSocket('udp4');
  await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
  const { port } = holder.address();
  after(() => holder.close());
  const server = useServer({ REGISTRAR_ENABLED: '1', SIP_BIND: `127.0.0.1:${port}` });

  test('the portal answers, health says stopped with the reason, the log says what to change', async () => {
    const { status, engine } = await health(server);
    assert.equal(status, 'ok');
    assert.equal(engine.state, 'stopped');
    assert.equal(engine.reason, `SIP_BIND 127.0.0.1:${port} is in use`);
    assert.equal(await engineUp(server), 0);
    const lines = server.output().split('\n').filter((l) => l.includes('registrar NOT started'));
    assert.equal(lines.length, 1, server.output());
    assert.match(lines[0]!, /is in use\. Set SIP_BIND to a free address:port/);
    // A start failure is not retried (the setting must change first): the portal learnt it when the child exited, before it listened.
    assert.doesNotMatch(server.output(), /restarting in/);
  });
});
