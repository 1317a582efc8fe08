// What the registrations list's Node column costs (the lease joined by primary key in
// lib/registrations/service.ts baseSelect), and what the Nodes panel's query costs
// (lib/engine/nodes.ts listEngineNodes), at N registrations on SQLite: the same list queries
// timed with no lease rows and with a lease for every registration (3 nodes). Called directly on a
// migrated temp database seeded like search.ts; p50/p95 over --reps. A script, not a test.
//
//   npx tsx tests/bench/lease-column.ts                 # N=100,000, 40 reps
//   npx tsx tests/bench/lease-column.ts --n 10000 --reps 100
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { listEngineNodes } from '../../lib/engine/nodes';
import { registrationListQuerySchema } from '../../lib/registrations/schema';
import { listRegistrations } from '../../lib/registrations/service';
import { sqliteOf } from '../db';
import { seedRegistrations } from './seed-sqlite';

const { values: argv } = parseArgs({ options: { n: { type: 'string', default: '100000' }, reps: { type: 'string', default: '40' } } });
const N = Number(argv.n);
const REPS = Number(argv.reps);
const QUERIES = ['pageSize=200', 'pageSize=200&page=400', 'pageSize=200&sort=username', 'pageSize=200&sort=provider&order=desc', 'pageSize=200&state=rejected', 'pageSize=200&q=perf1234'];
const NODES = ['host-a/0.0.0.0:5060', 'host-b/0.0.0.0:5060', 'host-c/0.0.0.0:5060'];

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm the page cache and the statement
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-lease-'));
try {
  const db = openDatabase(join(dir, 'portal.db'));
  const sqlite = sqliteOf(db);
  const now = Date.now();
  sqlite.transaction(() => {
    seedRegistrations(sqlite, N, now);
    const node = sqlite.prepare("INSERT INTO engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms, version) VALUES (?, 'running', '0.0.0.0:5060', 1, ?, ?, 5000, '0.1.0')");
    for (const id of NODES) node.run(id, now, now + 3_600_000);
  })();
  console.log(`seeded ${N.toLocaleString('en')} registrations; SQLite; ${REPS} reps each (a loaded 2-core machine: figures are noisy)\n`);
  console.log('| query | no lease rows p50 / p95 ms | a lease per registration p50 / p95 ms |\n| --- | ---: | ---: |');
  const results = new Map<string, string[]>();
  for (const withLeases of [false, true]) {
    if (withLeases) {
      sqlite.transaction(() => {
        const lease = sqlite.prepare('INSERT INTO registration_leases (registration_id, node_id, token, expires_at, updated_at) SELECT id, ?, 1, ?, ? FROM registrations WHERE id % 3 = ?');
        NODES.forEach((id, i) => lease.run(id, i === 2 ? now - 1000 : now + 15_000, now, i));
      })();
      sqlite.exec('ANALYZE');
    }
    for (const q of QUERIES) {
      const query = registrationListQuerySchema.parse(Object.fromEntries(new URLSearchParams(q)));
      const times = await time(() => listRegistrations(db, query));
      results.set(q, [...(results.get(q) ?? []), `${pct(times, 50).toFixed(1)} / ${pct(times, 95).toFixed(1)}`]);
    }
    const nodes = await time(() => listEngineNodes(db));
    results.set('Nodes panel (GET /api/nodes query)', [...(results.get('Nodes panel (GET /api/nodes query)') ?? []), `${pct(nodes, 50).toFixed(1)} / ${pct(nodes, 95).toFixed(1)}`]);
  }
  for (const [q, [without, withLeases]] of results) console.log(`| ${q} | ${without} | ${withLeases} |`);
  await closeDatabase(db);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
