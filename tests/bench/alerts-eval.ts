/**
 * Cost of one alert evaluation (lib/alerts/runner.ts evaluateOnce: read candidates, decide,
 * apply) on a temporary portal database with N registrations, by the share failing. The
 * evaluation is synchronous SQLite work on the portal's event loop every ALERTS_EVAL_INTERVAL_MS.
 *
 *   npx tsx tests/bench/alerts-eval.ts [--n 10000] [--providers 20] [--runs 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../../lib/db/client';
import { evaluateOnce } from '../../lib/alerts/runner';
import { DEFAULT_RULES } from '../../lib/alerts/rules';
import type { FirstFailureMemo } from '../../lib/alerts/evaluator-queries';

const { values } = parseArgs({ options: { n: { type: 'string', default: '10000' }, providers: { type: 'string', default: '20' }, runs: { type: 'string', default: '20' } } });
const N = Number(values.n);
const P = Number(values.providers);
const RUNS = Number(values.runs);

const dir = mkdtempSync(join(tmpdir(), 'alerts-bench-'));
const db = openDatabase(join(dir, 'portal.db'));
const sqlite = db.$client;
const now = Date.now();
sqlite.transaction(() => {
  const provider = sqlite.prepare('INSERT INTO ddi_providers (name) VALUES (?)');
  for (let p = 0; p < P; p++) provider.run(`Carrier ${p}`);
  const reg = sqlite.prepare(`INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, 'sip.bench', ?)`);
  const st = sqlite.prepare('INSERT INTO registration_status (registration_id, state, code, at, expires_at) VALUES (?, ?, 200, ?, ?)');
  const ev = sqlite.prepare('INSERT INTO registration_events (registration_id, state, code, at) VALUES (?, ?, ?, ?)');
  for (let i = 0; i < N; i++) {
    const id = Number(reg.run((i % P) + 1, `u${i}`, `${100000 + i}`).lastInsertRowid);
    st.run(id, 'registered', now - 3_600_000, now + 3_600_000);
    // a day of history: registered, a failure, registered again
    ev.run(id, 'registered', 200, now - 86_400_000);
    ev.run(id, 'retrying', 503, now - 43_200_000);
    ev.run(id, 'registered', 200, now - 43_000_000);
  }
})();

function fail(share: number) {
  const ids = sqlite.prepare('SELECT id FROM registrations ORDER BY id').all() as { id: number }[];
  sqlite.transaction(() => {
    const st = sqlite.prepare("UPDATE registration_status SET state = 'retrying', code = 503, at = ? WHERE registration_id = ?");
    const ev = sqlite.prepare("INSERT INTO registration_events (registration_id, state, code, at) VALUES (?, 'retrying', 503, ?)");
    for (const { id } of ids.slice(0, Math.round(ids.length * share))) {
      st.run(now - 600_000, id);
      ev.run(id, now - 600_000);
    }
  })();
}

/** As the runner does: the first-failure memo kept between rounds (the first round reads every timeline). */
function measure(label: string) {
  const memo: FirstFailureMemo = new Map();
  const times: number[] = [];
  let opened = 0;
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    opened += evaluateOnce({ db, holdMs: 120_000, rules: DEFAULT_RULES, now: () => now + i * 1000, memo }).opened.length;
    times.push(performance.now() - t);
  }
  const first = times[0]!;
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`${label.padEnd(34)} first ${first.toFixed(1)} ms  p50 ${q(0.5)} ms  p95 ${q(0.95)} ms  max ${q(1)} ms  alerts opened ${opened}`);
}

console.log(`N = ${N} registrations, ${P} providers, ${RUNS} evaluations each`);
measure('all registered');
fail(0.01);
measure('1 % failing (registration alerts)');
fail(1);
measure('all failing (platform alert)');
db.$client.close();
rmSync(dir, { recursive: true, force: true });
