// Runs the suite: a type check, the linter (ESLint, eslint.config.mjs), the node:test files (unit,
// api, sip), then the Playwright browser tests (e2e).
//
// Usage: node scripts/test.mjs [--only unit|api|sip|e2e] [--db sqlite|pg|both] [filter…]
//   (no arguments)         type check and lint, then every suite on SQLite, then every suite
//                          again on a throwaway PostgreSQL cluster
//   --only <suite>         that suite alone, no type check or lint
//   --db sqlite|pg|both    the database(s) the suites run on (default: sqlite; both for a full run).
//                          pg starts a throwaway cluster (tests/pg-cluster.ts; Debian's postgresql
//                          package) and hands its URL to the suites as DATABASE_URL: every test file
//                          makes its own database in it (tests/db.ts)
//   filter…                only the test files whose path contains one of the filters, node:test
//                          files and Playwright specs alike (`rules`, `tests/sip/supervisor`,
//                          `registration-form.spec`); Playwright starts only when a filter names a
//                          spec (or with no filter). A filter that matches no file is an error.
// Examples: node scripts/test.mjs --only unit
//           node scripts/test.mjs --only sip srv-          (srv-failover and srv-weights)
//           node scripts/test.mjs stream races registration-form
//
// Timeouts: each suite's node:test files run in one `node --test --test-timeout=<TIMEOUT_MS>`. On
// Node 20 that bounds each test file's process as a whole (not each test), so a hung wait fails
// the run instead of stalling it; tests that may take long say so with their own `{ timeout }`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseTestArgs, selectTests } from './test-args.mjs';

// About 4× the slowest file measured on the 2-core machine under load (2026-11-30): unit 14.5 s
// (keyring.test.ts), api 63 s (auth.test.ts), sip 96 s (portal-live.test.ts).
const TIMEOUT_MS = { unit: 60_000, api: 240_000, sip: 400_000 };

function listFiles(dir, suffix) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env } });
  return r.status ?? 1;
}

/** A throwaway PostgreSQL cluster for the run (tests/pg-cluster.ts, loaded through tsx). */
async function startCluster() {
  const { register } = await import('tsx/esm/api');
  register();
  const { startPgCluster } = await import('../tests/pg-cluster.ts');
  const cluster = await startPgCluster();
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      cluster.stop();
      process.exit(130);
    });
  }
  return cluster;
}

let args;
try {
  args = parseTestArgs(process.argv.slice(2));
} catch (err) {
  console.error(`scripts/test.mjs: ${err.message}\nUsage: node scripts/test.mjs [--only unit|api|sip|e2e] [--db sqlite|pg|both] [filter…]`);
  process.exit(2);
}
const files = {
  unit: listFiles(join('tests', 'unit'), '.test.ts'),
  api: listFiles(join('tests', 'api'), '.test.ts'),
  sip: listFiles(join('tests', 'sip'), '.test.ts'),
  e2e: listFiles(join('tests', 'e2e'), '.spec.ts'),
};
const selected = selectTests(args, files);
if (selected.unmatched.length > 0) {
  console.error(`scripts/test.mjs: no test file${args.only ? ` in ${args.only}` : ''} matches ${selected.unmatched.map((x) => `'${x}'`).join(', ')}`);
  process.exit(2);
}

if (!args.only && run('npx', ['tsc', '--noEmit', '-p', '.']) !== 0) {
  console.error('Type check failed.');
  process.exit(1);
}
if (!args.only && run('npx', ['eslint', '.']) !== 0) {
  console.error('Lint failed.');
  process.exit(1);
}
const needsBuild = (selected.node.api?.length ?? 0) + (selected.node.sip?.length ?? 0) + selected.e2e.length > 0;
if (needsBuild && run('node', ['scripts/ensure-build.mjs']) !== 0) process.exit(1);

const fullRun = !args.only && args.filters.length === 0;
const databases = { sqlite: ['sqlite'], pg: ['pg'], both: ['sqlite', 'pg'] }[args.db ?? (fullRun ? 'both' : 'sqlite')];

let status = 0;
for (const db of databases) {
  let cluster = null;
  let env = {};
  if (db === 'pg') {
    try {
      cluster = await startCluster();
    } catch (err) {
      console.error(`scripts/test.mjs: cannot start PostgreSQL: ${err.message}`);
      process.exit(1);
    }
    env = { DATABASE_URL: cluster.adminUrl };
    console.log(`\n== on PostgreSQL (${cluster.adminUrl}) ==`);
  } else if (databases.length > 1) {
    console.log('\n== on SQLite ==');
  }
  try {
    for (const [suite, list] of Object.entries(selected.node)) {
      if (list.length === 0) continue;
      const code = run('node', ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${TIMEOUT_MS[suite]}`, '--test-reporter=spec', ...list], env);
      if (code !== 0) status = code;
    }
    if (selected.e2e.length > 0 && status === 0) {
      // Without filters Playwright picks its specs itself (and the setup project they depend on).
      status = run('npx', ['playwright', 'test', ...(args.filters.length > 0 ? selected.e2e : [])], env);
    }
  } finally {
    cluster?.stop();
  }
}
process.exit(status);
