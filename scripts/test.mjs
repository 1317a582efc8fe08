// Runs the whole suite: node:test files (unit, api, sip) then the Playwright browser tests.
// Usage: node scripts/test.mjs [--only unit|api|sip|e2e] [extra file filters]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const onlyIdx = args.indexOf('--only');
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : null;
const filters = args.filter((a, i) => a !== '--only' && i !== onlyIdx + 1);

function listTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  return r.status ?? 1;
}

const suites = only ? [only] : ['unit', 'api', 'sip', 'e2e'];
if (!only && run('npx', ['tsc', '--noEmit', '-p', '.']) !== 0) {
  console.error('Type check failed.');
  process.exit(1);
}
const needsBuild = suites.some((s) => s === 'api' || s === 'sip' || s === 'e2e');
if (needsBuild && run('node', ['scripts/ensure-build.mjs']) !== 0) process.exit(1);

const nodeFiles = suites
  .filter((s) => s !== 'e2e')
  .flatMap((s) => listTests(join('tests', s)))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));

let status = 0;
if (nodeFiles.length > 0) {
  status = run('node', ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...nodeFiles]);
}
if (suites.includes('e2e') && status === 0) {
  status = run('npx', ['playwright', 'test', ...filters]);
}
process.exit(status);
