// Server side of the dashboard's search and filters at N registrations: the queries the
// registrations API runs (lib/registrations/service.ts listRegistrations, stateCounts), called
// directly on a migrated temp database seeded like dashboard.ts (10 providers, `perf<i>`, every
// 50th rejected, the rest registered). No HTTP, no browser: what the database work costs, p50/p95
// over --reps. dashboard.ts measures the same queries through the API in a signed-in page.
//
//   npx tsx tests/bench/search.ts                 # N=100,000, 40 reps
//   npx tsx tests/bench/search.ts --n 10000 --reps 100
//   npx tsx tests/bench/search.ts --db pg         # the same on a throwaway PostgreSQL cluster (tests/pg-cluster.ts)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startPgCluster, type PgCluster } from '../pg-cluster';
import { seedRegistrations } from './seed-sqlite';

const { values: argv } = parseArgs({
  options: { n: { type: 'string', default: '100000' }, reps: { type: 'string', default: '40' }, db: { type: 'string', default: 'sqlite' } },
});
const N = Number(argv.n);
const REPS = Number(argv.reps);
const PG = argv.db === 'pg';

const QUERIES = [
  'q=perf1234',
  'q=9999',
  'q=perf',
  'q=perf1',
  'q=carrier 3',
  'q=zzz',
  'state=rejected',
  'state=retrying,rejected',
  'state=registered',
  'state=registered&page=300',
  'ddiProviderId=3',
  'q=perf12&state=rejected',
  'q=perf1&state=registered',
  'page=500',
];

// --db pg: a throwaway cluster (tests/pg-cluster.ts); the dialect is chosen from DATABASE_URL when lib/db loads.
let cluster: PgCluster | null = null;
if (PG) {
  cluster = await startPgCluster();
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  await admin.end();
  process.env.DATABASE_URL = cluster.adminUrl.replace(/\/postgres$/, '/bench');
}
const { openDatabase, closeDatabase } = await import('../../lib/db/client');
const { rawOf, sqliteOf } = await import('../db');
const { registrationListQuerySchema } = await import('../../lib/registrations/schema');
const { listRegistrations, problemRegistrations, stateCounts } = await import('../../lib/registrations/service');

const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
try {
  const db = openDatabase(PG ? process.env.DATABASE_URL! : join(dir, 'portal.db'));
  const now = Date.now();
  const t0 = performance.now();
  if (PG) {
    // the same rows, made by the server (generate_series), then VACUUM ANALYZE as autovacuum would
    const raw = rawOf(db);
    await raw.exec(`INSERT INTO ddi_providers (name, description, ddis) SELECT 'Perf carrier ' || p, '', '[]' FROM generate_series(0, 9) p`);
    await raw.exec(
      `INSERT INTO registrations (ddi_provider_id, username, domain, ddi) SELECT (SELECT min(id) FROM ddi_providers) + i % 10, 'perf' || i, 'sip.perf.example', '+3490' || lpad(i::text, 7, '0') FROM generate_series(0, ${N - 1}) i ORDER BY i`,
    );
    await raw.exec(
      `INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at, target, attempts) SELECT r.id, CASE WHEN i % 50 = 0 THEN 'rejected' ELSE 'registered' END, CASE WHEN i % 50 = 0 THEN 403 ELSE 200 END, CASE WHEN i % 50 = 0 THEN 'Forbidden' ELSE 'OK' END, ${now} - i * 1000, CASE WHEN i % 50 = 0 THEN NULL ELSE ${now + 3_600_000}::bigint END, '127.0.0.1:5060/udp', 0 FROM (SELECT id, id - (SELECT min(id) FROM registrations) AS i FROM registrations) r`,
    );
    await raw.exec('VACUUM ANALYZE');
  } else {
    const sqlite = sqliteOf(db);
    sqlite.transaction(() => seedRegistrations(sqlite, N, now))();
  }
  console.log(`${PG ? 'PostgreSQL' : 'SQLite'}: seeded ${N.toLocaleString('en')} registrations in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
  const all: number[] = [];
  const row = (label: string, total: number, times: number[]) => {
    all.push(...times);
    console.log(`| ${label} | ${total} | ${pct(times, 50).toFixed(1)} | ${pct(times, 95).toFixed(1)} | ${Math.max(...times).toFixed(1)} |`);
  };
  console.log('\n| query | total | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: | ---: |');
  {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      total = (await stateCounts(db, Date.now())).total;
      times.push(performance.now() - t);
    }
    row('summary counts', total, times);
  }
  {
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      total = (await problemRegistrations(db, 100, Date.now())).total;
      times.push(performance.now() - t);
    }
    row('summary problems (first 100)', total, times);
  }
  for (const query of QUERIES) {
    const params = Object.fromEntries(new URLSearchParams(`sort=id&order=asc&pageSize=100&page=1&${query}`));
    const parsed = registrationListQuerySchema.parse(params);
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      total = (await listRegistrations(db, parsed, Date.now())).total;
      times.push(performance.now() - t);
    }
    row(query, total, times);
  }
  console.log(`\nall queries: p50 ${pct(all, 50).toFixed(1)} ms, p95 ${pct(all, 95).toFixed(1)} ms (shared 2-core machine: noisy)`);
  await closeDatabase(db);
} finally {
  rmSync(dir, { recursive: true, force: true });
  cluster?.stop();
}
