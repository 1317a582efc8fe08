import { defineConfig } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumLaunchOptions } from './tests/chromium';
import { ADMIN_STATE } from './tests/e2e/auth-state';
import { TEST_ADMIN } from './tests/test-admin';

const PORT = Number(process.env.E2E_PORT ?? 3107);
const BASE = `http://127.0.0.1:${PORT}`;
// A fresh database per run, set once here and inherited by the workers through the environment:
// a SQLite file, or under `scripts/test.mjs --db pg` (DATABASE_URL: the run's cluster) a new
// PostgreSQL database in it (dropped by global-teardown.ts).
process.env.E2E_DATABASE_LOCATION ??= newE2eDatabase();
const LOCATION = process.env.E2E_DATABASE_LOCATION;
const ON_POSTGRES = /^postgres(ql)?:\/\//i.test(LOCATION);

function newE2eDatabase(): string {
  const stamp = `${Date.now()}_${process.pid}`;
  const admin = process.env.DATABASE_URL;
  if (!admin || !/^postgres(ql)?:\/\//i.test(admin)) return join(tmpdir(), `ddi-portal-e2e-${stamp}.db`);
  const name = `e2e_${stamp}`;
  const made = spawnSync(process.execPath, ['tests/e2e/pg-database.mjs', 'create', admin, name], { stdio: 'inherit' });
  if (made.status !== 0) throw new Error(`cannot create the e2e database ${name} on ${admin}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  forbidOnly: Boolean(process.env.CI),
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: `test-results/e2e-${PORT}`,
  globalTeardown: './tests/e2e/global-teardown.ts',
  use: {
    baseURL: BASE,
    // API calls made by the tests carry the portal's Origin, as the browser's own writes do (CSRF check).
    extraHTTPHeaders: { origin: BASE },
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
  projects: [
    { name: 'setup', testMatch: /auth\.setup\.ts$/ },
    { name: 'chromium', dependencies: ['setup'], use: { storageState: ADMIN_STATE } },
  ],
  webServer: {
    command: 'node --enable-source-maps dist/server.mjs',
    url: `${BASE}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      ...(ON_POSTGRES ? { DATABASE_URL: LOCATION } : { DATABASE_PATH: LOCATION, DATABASE_URL: '' }),
      REGISTRAR_ENABLED: '0',
      NEXT_TELEMETRY_DISABLED: '1',
      ADMIN_EMAIL: TEST_ADMIN.email,
      ADMIN_PASSWORD: TEST_ADMIN.password,
      // The specs share one portal and one client address: their deliberate failed sign-ins must
      // not slow down or lock the others (tests/api/auth.test.ts tests the throttling itself).
      LOGIN_SLOW_AFTER: '50',
      LOGIN_LOCK_AFTER: '100',
    },
  },
});
