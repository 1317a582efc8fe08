// Opt-in (PERF=1): the dashboard with 10,000 registrations and ~500 status events per second.
// Events are written straight into registration_events (what the engine does), so the portal's
// EventTail pushes them over SSE exactly as in production; no registrar needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, test } from '@playwright/test';
import { getFreePort } from '../sip/harness';

const N = 10_000;
const RATE = 500; // events per second
let portal: ChildProcess | null = null;
let base = '';
let dbPath = '';
let log = '';

test.skip(!process.env.PERF, 'performance check only with PERF=1');
test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const port = await getFreePort();
  base = `http://127.0.0.1:${port}`;
  dbPath = join(tmpdir(), `ddi-portal-perf-${Date.now()}-${process.pid}.db`);
  portal = spawn('npx', ['tsx', 'server.ts', ...(process.env.PERF_DEV ? ['--dev'] : [])], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATABASE_PATH: dbPath, REGISTRAR_ENABLED: '0', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  portal.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  portal.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  for (let i = 0; ; i++) {
    if (i > 360) throw new Error(`portal did not start:\n${log}`);
    try {
      if ((await fetch(`${base}/api/health`)).ok) break;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  const now = Date.now();
  db.transaction(() => {
    const providers = [];
    for (let p = 0; p < 10; p++) {
      providers.push(Number(db.prepare("INSERT INTO ddi_providers (name, description, ddis) VALUES (?, '', '[]')").run(`Perf carrier ${p}`).lastInsertRowid));
    }
    const reg = db.prepare('INSERT INTO registrations (ddi_provider_id, username, domain, ddi) VALUES (?, ?, ?, ?)');
    const st = db.prepare('INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at, target) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < N; i++) {
      const id = Number(reg.run(providers[i % 10], `perf${i}`, 'sip.perf.example', `+3490${String(i).padStart(7, '0')}`).lastInsertRowid);
      const bad = i % 50 === 0;
      st.run(id, bad ? 'rejected' : 'registered', bad ? 403 : 200, bad ? 'Forbidden' : 'OK', now - i * 1000, bad ? null : now + 3_600_000, '127.0.0.1:5060/udp');
    }
  })();
  db.close();
});

test.afterAll(async () => {
  if (portal?.pid) {
    const p = portal;
    const exited = new Promise<void>((r) => (p.exitCode !== null ? r() : p.once('exit', () => r())));
    try {
      process.kill(-p.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
    await exited;
  }
  for (const s of ['', '-wal', '-shm']) if (dbPath) rmSync(`${dbPath}${s}`, { force: true });
});

test('dashboard: 10,000 registrations, 500 events/s, smooth and fast', async ({ page }) => {
  test.setTimeout(180_000);
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message, e.stack?.slice(0, 3000)));
  page.on('console', (m) => m.type() === 'error' && console.log('CONSOLE', m.text().slice(0, 800)));
  const t0 = Date.now();
  await page.goto(`${base}/`);
  await expect(page.getByText(`${N.toLocaleString('en-US')} registrations`)).toBeVisible({ timeout: 60_000 });
  const loadMs = Date.now() - t0;
  await expect(page.locator('[data-group="rejected"] .stat-value')).toHaveText('200');

  // frame timing while events stream in
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[] };
    w.__frames = [];
    let last = performance.now();
    const tick = (t: number) => {
      w.__frames.push(t - last);
      last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const db = new Database(dbPath);
  db.pragma('busy_timeout = 5000');
  const ins = db.prepare(
    'INSERT INTO registration_events (registration_id, state, code, reason, at, expires_at, next_attempt_at, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const states = ['registered', 'retrying', 'registering'] as const;
  const seconds = 6;
  for (let s = 0; s < seconds * 10; s++) {
    const at = Date.now();
    db.transaction(() => {
      for (let k = 0; k < RATE / 10; k++) {
        const id = 2 + Math.floor(Math.random() * (N - 1));
        const state = states[Math.floor(Math.random() * states.length)]!;
        ins.run(id, state, state === 'registered' ? 200 : null, state === 'retrying' ? 'timeout' : null, at, null, at + 30_000, '127.0.0.1:5060/udp');
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
  }
  // latency: one event for registration #1 (first row), time until its badge shows it
  const sent = Date.now();
  ins.run(1, 'rejected', 401, 'Unauthorized', sent, null, sent + 60_000, '127.0.0.1:5060/udp');
  await expect(page.locator('.live-table tbody tr[data-registration-id="1"] .badge')).toHaveText('rejected', { timeout: 5_000 });
  const latency = Date.now() - sent;
  db.close();

  const frames = await page.evaluate(() => (window as unknown as { __frames: number[] }).__frames.slice(5));
  frames.sort((a, b) => a - b);
  const p = (q: number) => Math.round(frames[Math.min(frames.length - 1, Math.floor(frames.length * q))]!);
  const summary = `load ${N}: ${loadMs} ms; frames ${frames.length}, p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${p(1)} ms; event→screen ${latency} ms`;
  console.log(summary);
  test.info().annotations.push({ type: 'perf', description: summary });
  // scrolling the virtualised table keeps the DOM small
  await page.locator('.virtual-wrap').evaluate((el) => el.scrollTo(0, 4990 * 41));
  await expect(page.locator('.live-table tbody tr[data-registration-id="5000"]')).toBeVisible();
  expect(await page.locator('.live-table tbody tr').count()).toBeLessThan(80);
  expect(latency).toBeLessThan(1000);
  expect(p(0.95)).toBeLessThan(100);
});
