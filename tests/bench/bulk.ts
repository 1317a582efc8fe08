// Bulk action benchmark: "all N matching the filter" through the real portal (`node dist/server.mjs`,
// registrar off), as the browser sends it: POST /api/registrations/bulk with the filter, 500
// registrations per request, following `next` until it is null. Disable then enable (each row
// changed: one UPDATE per part, an audit entry and a journal row per registration), then a move,
// then one 500-id request. Prints per-request and total times; asserts nothing.
//
//   npx tsx tests/bench/bulk.ts [--n 10000]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { openSqlite } from '../api/server';
import { startPortal } from '../portal-process';

const { values: argv } = parseArgs({ options: { n: { type: 'string', default: '10000' } } });
const n = Number(argv.n);
if (spawnSync('node', ['scripts/ensure-build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

const portal = await startPortal({ REGISTRAR_ENABLED: '0', SECRET_KEY: 'c3'.repeat(32) });
try {
  const json = { ...portal.adminHeaders(), 'content-type': 'application/json' };
  const post = async (path: string, body: unknown, headers: Record<string, string> = json) => {
    const res = await fetch(`${portal.base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  const a = await post('/api/ddi-providers', { name: 'Bench A' });
  const b = await post('/api/ddi-providers', { name: 'Bench B' });
  const lines = ['ddiProviderName,username,domain,ddi'];
  for (let i = 0; i < n; i++) lines.push(`Bench A,bulk${String(i).padStart(6, '0')},sip${i % 50}.bulk.example,+3461${String(i).padStart(6, '0')}`);
  await post('/api/registrations/import', `${lines.join('\r\n')}\r\n`, { ...portal.adminHeaders(), 'content-type': 'text/csv' });

  const all = async (label: string, body: Record<string, unknown>) => {
    const times: number[] = [];
    let after = 0;
    let done = 0;
    const t0 = performance.now();
    for (;;) {
      const t = performance.now();
      const r = await post('/api/registrations/bulk', { ...body, after });
      times.push(performance.now() - t);
      done += r.done;
      if (r.next === null) break;
      after = r.next;
    }
    const total = performance.now() - t0;
    times.sort((x, y) => x - y);
    console.log(`${label.padEnd(34)} ${String(done).padStart(6)} changed in ${times.length} requests: total ${total.toFixed(0)} ms, per request median ${times[times.length >> 1]!.toFixed(0)} ms, max ${times[times.length - 1]!.toFixed(0)} ms`);
  };
  console.log(`N = ${n.toLocaleString('en')} registrations`);
  await all('disable, all matching q=bulk', { action: 'disable', filter: { q: 'bulk' } });
  await all('enable, all matching provider', { action: 'enable', filter: { ddiProviderId: a.id } });
  await all('move A → B, all matching provider', { action: 'move', filter: { ddiProviderId: a.id }, ddiProviderId: b.id });
  const ids = Array.from({ length: 500 }, (_, i) => i + 1);
  const t = performance.now();
  await post('/api/registrations/bulk', { action: 'register', ids });
  console.log(`register now, 500 ids, one request: ${(performance.now() - t).toFixed(0)} ms`);
  const db = await openSqlite(portal.dbPath);
  const audit = ((await db.prepare("select count(*) as n from audit_log where entity_type = 'registration' and action in ('disable','enable','update','register_now')").get()) as { n: number }).n;
  await db.close();
  console.log(`audit entries written: ${audit.toLocaleString('en')} (one per changed registration)`);
} finally {
  await portal.stop();
}
