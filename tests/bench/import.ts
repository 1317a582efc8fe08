// Bulk import benchmark: POST /api/registrations/import (CSV, passwords included) through the real
// portal (`node dist/server.mjs`, registrar off), N = 10,000 and 100,000 rows by default; each size
// into an empty database, dry run first, then the import. Then the engine's side: reading the new
// rows from the change journal and loading their configs (passwords opened), as the supervisor
// does. A script, not a test: it prints figures and asserts nothing about them.
//
//   npx tsx tests/bench/import.ts [--sizes 10000,100000] [--runs 1]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { createKeyring, parseKey } from '../../lib/secrets/key';
import { ChangeFeed } from '../../registrar/store/change-feed';
import { RegistrationSource } from '../../registrar/store/registration-source';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { startPortal } from '../portal-process';

const { values: argv } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, runs: { type: 'string', default: '1' } } });
const sizes = argv.sizes!.split(',').map(Number);
const runs = Number(argv.runs);
const SECRET_KEY = 'b2'.repeat(32);

if (spawnSync('node', ['scripts/ensure-build.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);

function csvOf(n: number, provider: string): string {
  const lines = ['ddiProviderName,username,domain,ddi,password,expires'];
  for (let i = 0; i < n; i++) {
    const k = String(i).padStart(6, '0');
    lines.push(`${provider},bench${k},sip${i % 50}.bench.example,+3460${k},Pw-${k}-x,${60 + (i % 3600)}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

const ms = (t: number) => `${t.toFixed(0)} ms`;

for (const n of sizes) {
  for (let run = 1; run <= runs; run++) {
    const portal = await startPortal({ REGISTRAR_ENABLED: '0', SECRET_KEY });
    try {
      const headers = { ...portal.adminHeaders(), 'content-type': 'text/csv' };
      const created = await fetch(`${portal.base}/api/ddi-providers`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Bench Carrier' }) });
      if (created.status !== 201) throw new Error(`provider: ${created.status} ${await created.text()}`);
      const body = csvOf(n, 'Bench Carrier');
      const post = async (query: string) => {
        const t0 = performance.now();
        const res = await fetch(`${portal.base}/api/registrations/import${query}`, { method: 'POST', headers, body });
        const text = await res.text();
        const took = performance.now() - t0;
        if (res.status >= 300) throw new Error(`import${query}: ${res.status} ${text.slice(0, 300)}`);
        return took;
      };
      const dry = await post('?dryRun=1');
      const real = await post('');

      const db = openDatabase(portal.dbPath);
      let pickup: number;
      let loaded = 0;
      try {
        const feed = new ChangeFeed(db);
        const source = new RegistrationSource(db, { keyring: createKeyring(parseKey(SECRET_KEY, 'SECRET_KEY')) });
        const t0 = performance.now();
        for (const change of await feed.take()) if ((await source.load(change.registrationId))?.password) loaded++;
        pickup = performance.now() - t0;
      } finally {
        await closeDatabase(db);
      }
      const mb = (Buffer.byteLength(body) / 1024 / 1024).toFixed(1);
      console.log(
        `${n.toLocaleString('en')} rows (${mb} MiB), run ${run}: dry run ${ms(dry)}, import ${ms(real)} (${Math.round(n / (real / 1000)).toLocaleString('en')} rows/s); engine pickup (journal + ${loaded.toLocaleString('en')} configs with passwords opened) ${ms(pickup)}`,
      );
    } finally {
      await portal.stop();
    }
  }
}
console.log('(shared 2-core machine with other work running: figures are noisy)');
