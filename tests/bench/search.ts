// Server side of the dashboard's search and filters at N registrations: the queries the
// registrations API runs (lib/registrations/service.ts listRegistrations, stateCounts), called
// directly on a migrated temp database seeded like dashboard.ts (10 providers, `perf<i>`, every
// 50th rejected, the rest registered). No HTTP, no browser: what the database work costs, p50/p95
// over --reps. dashboard.ts measures the same queries through the API in a signed-in page.
//
//   npx tsx tests/bench/search.ts                 # N=100,000, 40 reps
//   npx tsx tests/bench/search.ts --n 10000 --reps 100
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../lib/db/client';
import { registrationListQuerySchema } from '../../lib/registrations/schema';
import { listRegistrations, stateCounts } from '../../lib/registrations/service';

const { values: argv } = parseArgs({ options: { n: { type: 'string', default: '100000' }, reps: { type: 'string', default: '40' } } });
const N = Number(argv.n);
const REPS = Number(argv.reps);

const QUERIES = ['q=perf1234', 'q=9999', 'q=perf', 'q=carrier 3', 'q=zzz', 'state=rejected', 'state=retrying,rejected', 'state=registered', 'ddiProviderId=3', 'q=perf12&state=rejected', 'page=500'];

const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
try {
  const db = openDatabase(join(dir, 'portal.db'));
  const sqlite = db.$client;
  const now = Date.now();
  const t0 = performance.now();
  sqlite.transaction(() => {
    const providers: number[] = [];
    for (let p = 0; p < 10; p++) providers.push(Number(sqlite.prepare("INSERT INTO ddi_providers (name, description, ddis) VALUES (?, '', '[]')").run(`Perf carrier ${p}`).lastInsertRowid));
    const reg = sqlite.prepare('INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, ?, ?)');
    const st = sqlite.prepare('INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at, target) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < N; i++) {
      const id = Number(reg.run(providers[i % 10], `perf${i}`, 'sip.perf.example', `+3490${String(i).padStart(7, '0')}`).lastInsertRowid);
      const bad = i % 50 === 0;
      st.run(id, bad ? 'rejected' : 'registered', bad ? 403 : 200, bad ? 'Forbidden' : 'OK', now - i * 1000, bad ? null : now + 3_600_000, '127.0.0.1:5060/udp');
    }
  })();
  console.log(`seeded ${N.toLocaleString('en')} registrations in ${((performance.now() - t0) / 1000).toFixed(1)} s (search index kept by triggers)`);
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
      total = stateCounts(db, Date.now()).total;
      times.push(performance.now() - t);
    }
    row('summary counts', total, times);
  }
  for (const query of QUERIES) {
    const params = Object.fromEntries(new URLSearchParams(`sort=id&order=asc&pageSize=100&page=1&${query}`));
    const parsed = registrationListQuerySchema.parse(params);
    const times: number[] = [];
    let total = 0;
    for (let i = 0; i < REPS; i++) {
      const t = performance.now();
      total = listRegistrations(db, parsed, Date.now()).total;
      times.push(performance.now() - t);
    }
    row(query, total, times);
  }
  console.log(`\nall queries: p50 ${pct(all, 50).toFixed(1)} ms, p95 ${pct(all, 95).toFixed(1)} ms (shared 2-core machine: noisy)`);
  sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
