// The portal shows the cluster (issue 14 items 4 and 5), on SQLite and PostgreSQL:
//  - two real engine nodes (`npm run registrar` twice, distinct SIP_BIND) beat into the portal's
//    database: GET /api/nodes lists both (bind, version, pid), /metrics labels their counters per
//    node; one killed with SIGKILL turns `stale`, and health still says running, naming it in `down`;
//  - the live stream of a portal without an engine of its own (REGISTRAR_ENABLED=0: no IPC nudge)
//    receives the statuses those engine processes write, within a deadline;
//  - leases written as the engine nodes write them: the holder of each registration in the
//    registrations API (live or expired), the count each node holds (nodes API and /metrics).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { engineNodeListJsonSchema, healthJsonSchema, registrationJsonSchema, registrationListJsonSchema } from '../../lib/api/contracts';
import { databaseEnv, rawDb, type RawDb } from '../db';
import { waitUntil } from '../deadline';
import { getFreePort } from '../sip/harness';
import { useServer, type TestServer } from './server';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

type Nodes = ReturnType<typeof engineNodeListJsonSchema.parse>;

async function nodes(server: TestServer): Promise<Nodes> {
  const res = await server.api('/api/nodes');
  assert.equal(res.status, 200, res.text);
  return engineNodeListJsonSchema.parse(res.body);
}

async function metrics(server: TestServer): Promise<string> {
  const res = await server.api('/metrics');
  assert.equal(res.status, 200);
  return res.text;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** An engine node apart: `npm run registrar` (dist/registrar.mjs) on the portal's database. */
function startNode(server: TestServer, bind: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['dist/registrar.mjs'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...databaseEnv(server.dbPath), SIP_BIND: bind, REGISTRAR_HEARTBEAT_MS: '200', REGISTRAR_STARTUP_SPREAD_MS: '0' },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  return { child, output: () => output };
}

async function stopNode(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
}

/** The portal's live stream, read as text; `until` waits (with a deadline) for what it must contain. */
class Stream {
  private text = '';
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();
  private readonly done: Promise<void>;

  constructor(server: TestServer) {
    this.done = (async () => {
      const res = await fetch(`${server.baseUrl}/api/events`, { signal: this.controller.signal, headers: { cookie: `ddr_session=${server.adminSession}` } });
      assert.equal(res.status, 200);
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        this.text += decoder.decode(chunk, { stream: true });
        for (const w of this.waiters) w();
      }
    })().catch((err: unknown) => {
      if ((err as Error).name !== 'AbortError') throw err;
    });
  }

  get received(): string {
    return this.text;
  }

  until(what: string, pred: (text: string) => boolean, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.text)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`not within ${ms} ms: ${what}; stream so far: ${this.text.slice(-2000)}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

describe('two engine nodes apart: the nodes API, per-node /metrics and health, the live stream', () => {
  const server = useServer({ REGISTRAR_ENABLED: '0' });
  const started: { child: ChildProcess; output: () => string }[] = [];
  let binds: string[] = [];
  let ids: string[] = [];

  before(async () => {
    await server.ready();
    binds = [`127.0.0.1:${await getFreePort()}`, `127.0.0.1:${await getFreePort()}`];
    for (const bind of binds) started.push(startNode(server, bind));
    const seen = await waitUntil(
      'both engine nodes running in GET /api/nodes',
      () => nodes(server),
      (n) => binds.every((b) => n.items.some((i) => i.bind === b && i.state === 'running')),
      20_000,
      100,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${started.map((s) => s.output()).join('\n')}`);
    });
    ids = binds.map((b) => seen.items.find((i) => i.bind === b)!.nodeId);
  });
  after(async () => {
    await Promise.all(started.map((s) => stopNode(s.child)));
  });

  test('GET /api/nodes: each node with its SIP address, state, heartbeat, version, pid and start', async () => {
    const before = Date.now();
    const list = await nodes(server);
    for (const [i, bind] of binds.entries()) {
      const node = list.items.find((n) => n.bind === bind)!;
      assert.equal(node.nodeId, ids[i]);
      assert.match(node.nodeId, new RegExp(`/${escape(bind)}$`), 'node id: host name/SIP_BIND');
      assert.equal(node.state, 'running');
      assert.equal(node.reason, null);
      assert.equal(node.pid, started[i]!.child.pid);
      assert.equal(node.version, VERSION);
      assert.equal(node.intervalMs, 200);
      assert.ok(node.startedAt <= node.heartbeatAt && before - node.heartbeatAt < 5_000, 'a fresh heartbeat');
      assert.equal(node.held, 0, 'no registration yet');
    }
    assert.deepEqual(list.registrations, { enabled: 0, unheld: 0 });
    // as readable as the other read APIs: a viewer's session may, nobody signed in may not
    assert.equal((await server.api('/api/nodes', { auth: 'none' })).status, 401);
  });

  test('/metrics: each node up, its counters under its node label, registrations held per node', async () => {
    const text = await metrics(server);
    assert.match(text, /^registrar_engine_up 1$/m);
    for (const id of ids) {
      const node = `node="${escape(id)}"`;
      assert.match(text, new RegExp(`^registrar_engine_node_up\\{${node}\\} 1$`, 'm'));
      assert.match(text, new RegExp(`^registrar_registrations_held\\{${node}\\} 0$`, 'm'));
      assert.match(text, new RegExp(`^sip_register_transactions_total\\{${node},class="2xx"\\} 0$`, 'm'));
      assert.match(text, new RegExp(`^sip_register_transaction_duration_seconds_count\\{${node}\\} 0$`, 'm'));
      assert.match(text, new RegExp(`^sip_calls_total\\{${node},outcome="relayed"\\} 0$`, 'm'));
    }
  });

  test('the live stream of a portal without an engine receives the statuses the engine processes write', { timeout: 30_000 }, async () => {
    const stream = new Stream(server);
    try {
      await stream.until('the snapshot', (t) => t.includes('event: snapshot'), 10_000);
      // A registrar nobody answers (a free loopback port): the engines write `registering`, then retry.
      const provider = await server.api<{ id: number }>('/api/ddi-providers', { method: 'POST', json: { name: 'Cluster carrier' } });
      assert.equal(provider.status, 201, provider.text);
      const created = await server.api<{ id: number }>('/api/registrations', {
        method: 'POST',
        json: { ddiProviderId: provider.body.id, username: 'cluster-ann', domain: `127.0.0.1:${await getFreePort()}`, ddi: '+34910009001', password: 'Cluster-pw-1' },
      });
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      const written = Date.now();
      // No IPC here (REGISTRAR_ENABLED=0): the engines read the journal on their poll, and the
      // portal learns their statuses from the database only.
      await stream.until(`a status event of registration ${id}`, (t) => new RegExp(`id: \\d+\\nevent: status\\ndata: \\{"registrationId":${id},"state":"registering"`).test(t), 10_000);
      console.log(`# status written by an engine process reached the stream ${Date.now() - written} ms after the registration was saved`);
    } finally {
      await stream.close();
    }
    server.ledger.response('GET /api/events', stream.received);
  });

  test('SIGKILL one node: it turns stale, health still says running and names it in `down`; its node_up is 0', { timeout: 30_000 }, async () => {
    const killed = started[1]!.child;
    await stopNode(killed, 'SIGKILL');
    const list = await waitUntil('the killed node stale', () => nodes(server), (n) => n.items.find((i) => i.nodeId === ids[1])?.state === 'stale', 5_000, 100);
    assert.equal(list.items[0]!.nodeId, ids[0], 'running nodes first');
    assert.equal(list.items.find((i) => i.nodeId === ids[0])!.state, 'running');
    const res = await server.api('/api/health', { auth: 'none' });
    const { engine } = healthJsonSchema.parse(res.body);
    assert.equal(engine.state, 'running');
    assert.equal(engine.down?.length, 1);
    assert.equal(engine.down![0]!.nodeId, ids[1]);
    assert.equal(engine.down![0]!.bind, binds[1]);
    assert.match(engine.down![0]!.reason, /heartbeat stopped/);
    const text = await metrics(server);
    assert.match(text, /^registrar_engine_up 1$/m);
    assert.match(text, new RegExp(`^registrar_engine_node_up\\{node="${escape(ids[1]!)}"\\} 0$`, 'm'));
    assert.match(text, new RegExp(`^registrar_engine_node_up\\{node="${escape(ids[0]!)}"\\} 1$`, 'm'));
    // its counters are not reported once its heartbeat is stale
    assert.doesNotMatch(text, new RegExp(`^sip_register_transactions_total\\{node="${escape(ids[1]!)}"`, 'm'));
  });
});

describe('leases as the engine nodes write them: the holder of each registration, the counts per node', () => {
  let raw: RawDb | undefined;
  // Closed before the server's own `after` stops it (and drops a PostgreSQL test database under this connection).
  after(async () => {
    await raw?.close();
  });
  const server = useServer({ REGISTRAR_ENABLED: '0' });
  const regs: number[] = [];
  const A = 'host-a/127.0.0.1:5070';
  const B = 'host-b/127.0.0.1:5080';

  before(async () => {
    await server.ready();
    raw = await rawDb(server.dbPath);
    const db = raw;
    const provider = await server.api<{ id: number }>('/api/ddi-providers', { method: 'POST', json: { name: 'Lease carrier' } });
    for (let i = 0; i < 5; i++) {
      const res = await server.api<{ id: number }>('/api/registrations', {
        method: 'POST',
        json: { ddiProviderId: provider.body.id, username: `lease-${i}`, domain: 'sip.lease.example', ddi: `+3491000810${i}`, enabled: i !== 4 },
      });
      assert.equal(res.status, 201, res.text);
      regs.push(res.body.id);
    }
    const now = Date.now();
    const node = db.prepare(
      'insert into engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms, reason, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    await node.run(A, 'running', '127.0.0.1:5070', 4101, now - 60_000, now + 3_600_000, 5_000, null, VERSION);
    await node.run(B, 'stopped', '127.0.0.1:5080', 4102, now - 120_000, now - 30_000, 5_000, 'shut down', '0.0.9');
    const lease = db.prepare('insert into registration_leases (registration_id, node_id, token, expires_at, updated_at) values (?, ?, ?, ?, ?)');
    const hour = 3_600_000;
    await lease.run(regs[0], A, 1, now + hour, now); // held by A
    await lease.run(regs[1], A, 3, now + hour, now); // held by A
    await lease.run(regs[2], B, 2, now - 10_000, now - 20_000); // B's lease ran out: nobody holds it
    await lease.run(regs[4], A, 1, now + hour, now); // a disabled one A still holds (not counted in `enabled`)
    // regs[3]: no lease row (never held)
  });

  test('GET /api/registrations/{id}: the lease with its node and expiry; live false once expired; null when never held', async () => {
    const get = async (id: number) => registrationJsonSchema.parse((await server.api(`/api/registrations/${id}`)).body).lease;
    const held = await get(regs[0]!);
    assert.equal(held?.nodeId, A);
    assert.equal(held?.live, true);
    assert.ok(held!.expiresAt > Date.now());
    const expired = await get(regs[2]!);
    assert.equal(expired?.nodeId, B);
    assert.equal(expired?.live, false);
    assert.equal(await get(regs[3]!), null);
  });

  test('GET /api/registrations: every row of the page carries its lease', async () => {
    const res = await server.api('/api/registrations?q=lease-&pageSize=50&sort=id');
    const list = registrationListJsonSchema.parse(res.body);
    assert.deepEqual(
      list.items.map((r) => (r.lease ? `${r.username}:${r.lease.nodeId}:${r.lease.live}` : `${r.username}:-`)),
      [`lease-0:${A}:true`, `lease-1:${A}:true`, `lease-2:${B}:false`, 'lease-3:-', `lease-4:${A}:true`],
    );
  });

  test('GET /api/nodes: registrations held per node (unexpired leases); enabled registrations no node holds', async () => {
    const list = await nodes(server);
    assert.deepEqual(
      list.items.map((n) => [n.nodeId, n.state, n.held, n.version, n.reason]),
      [
        [A, 'running', 3, VERSION, null],
        [B, 'stopped', 0, '0.0.9', 'shut down'],
      ],
    );
    // 4 enabled; A holds 2 of them (and the disabled one): 2 held by nobody
    assert.deepEqual(list.registrations, { enabled: 4, unheld: 2 });
  });

  test('/metrics: registrar_registrations_held per node; a node shut down cleanly is not reported down', async () => {
    const text = await metrics(server);
    assert.match(text, new RegExp(`^registrar_registrations_held\\{node="${escape(A)}"\\} 3$`, 'm'));
    assert.doesNotMatch(text, new RegExp(`^registrar_registrations_held\\{node="${escape(B)}"\\}`, 'm'));
    assert.match(text, new RegExp(`^registrar_engine_node_up\\{node="${escape(A)}"\\} 1$`, 'm'));
    assert.doesNotMatch(text, new RegExp(`^registrar_engine_node_up\\{node="${escape(B)}"\\}`, 'm'));
    const { engine } = healthJsonSchema.parse((await server.api('/api/health', { auth: 'none' })).body);
    assert.equal(engine.state, 'running');
    assert.equal(engine.down, undefined);
  });
});

