// What the leases of engine nodes cost the database (registrar/store/leases.ts): N registrations,
// one node claims them all at start, renews them (what every node does every third of
// REGISTRAR_LEASE_S), hands half back and a second node claims that half. Prints the time of each
// step (median of --runs for the renewal, and the longest event-loop block over the renewals). SQLite at a temp file, or PostgreSQL with
// DATABASE_URL=postgres://… (a new database in that cluster, dropped after). A script, not a test:
//
//   npx tsx tests/bench/leases.ts [--n 10000] [--runs 10]
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx tests/bench/leases.ts
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { dialectName } from '../../lib/db/dialect';
import { LeaseStore } from '../../registrar/store/leases';
import { newDatabaseLocation, rawOf } from '../db';

const { values: argv } = parseArgs({ options: { n: { type: 'string', default: '10000' }, runs: { type: 'string', default: '10' } } });
const N = Number(argv.n);
const RUNS = Number(argv.runs);
if (!Number.isInteger(N) || N < 1 || N > 200_000) throw new Error('--n must be 1..200000');

const { location, drop } = await newDatabaseLocation('bench-leases');
const db = openDatabase(location);
try {
  const raw = rawOf(db);
  const provider = (await raw.prepare(`INSERT INTO ddi_providers (name) VALUES ('Bench')`).run()).lastInsertRowid;
  await raw.transaction(async () => {
    const insert = raw.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, '192.0.2.1', ?)`);
    for (let i = 1; i <= N; i++) await insert.run(provider, `u${i}`, String(4_900_000_000 + i));
  });
  const a = new LeaseStore(db, 'bench/a', 15_000);
  const b = new LeaseStore(db, 'bench/b', 15_000);
  const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const out = await fn();
    return [out, performance.now() - t0];
  };
  const [claimed, claimMs] = await time(() => a.claim(N));
  const renewals: number[] = [];
  // The longest event-loop block of a renewal (on SQLite its statements run in this thread, as in the engine).
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < RUNS; i++) {
    renewals.push((await time(() => a.renew()))[1]);
    await new Promise((resolve) => setTimeout(resolve, 10)); // a turn for the probe's timer, late by the block before it
  }
  loop.disable();
  renewals.sort((x, y) => x - y);
  const half = claimed.slice(N / 2).map((l) => ({ ...l, binding: { callId: `c${l.registrationId}`, cseq: 10, contact: `sip:${l.registrationId}@127.0.0.1:5070` } }));
  const [released, releaseMs] = await time(() => a.release(half));
  const [taken, takeMs] = await time(() => b.claim(N));
  console.log(`${dialectName}, ${N} registrations (${new Date().toISOString()}; noisy: 2 cores shared with other work)`);
  console.log(`  first claim of all:        ${claimMs.toFixed(1)} ms (${claimed.length} leases)`);
  console.log(`  renewal of all (${RUNS} runs): median ${renewals[Math.floor(RUNS / 2)].toFixed(1)} ms, max ${renewals[RUNS - 1].toFixed(1)} ms; event loop blocked at most ${(loop.max / 1e6).toFixed(1)} ms`);
  console.log(`  hand-back of half:         ${releaseMs.toFixed(1)} ms (${released} leases, with bindings)`);
  console.log(`  claim of that half:        ${takeMs.toFixed(1)} ms (${taken.length} leases)`);
} finally {
  await closeDatabase(db);
  await drop();
}
