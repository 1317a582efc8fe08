// `npm run screenshots`: the README's pictures, made from the real portal so they never go stale.
// Starts the built portal on a fresh database (engine off), seeds providers and registrations
// through the API and what the engine would have written (statuses, a timeline, the per-minute
// samples, a heartbeat from the engine's own Heartbeat class), then takes the pictures with
// Debian's Chromium (tests/chromium.ts) into docs/screenshots/.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { registrationGlossary as g } from '../lib/glossary';
import { closeDatabase, openSqlite } from '../lib/db/client';
import { Heartbeat } from '../registrar/store/heartbeat';
import { chromiumLaunchOptions } from '../tests/chromium';
import { startPortal } from '../tests/portal-process';

const OUT = join(process.cwd(), 'docs', 'screenshots');
const MIN = 60_000;
const HOUR = 60 * MIN;

type Seeded = { id: number; username: string };

async function main() {
  const portal = await startPortal({ REGISTRAR_ENABLED: '0', LOG_LEVEL: 'warn' });
  const heartbeat: { beat: Heartbeat | null } = { beat: null };
  try {
    const post = async <T>(path: string, body: unknown): Promise<T> => {
      const res = await fetch(`${portal.base}${path}`, { method: 'POST', headers: { ...portal.adminHeaders(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    };
    const providers = [];
    for (const [name, description] of [
      ['Carrier One', 'Main DDI range, Madrid'],
      ['Iberia Voice', 'Geographic numbers, Barcelona'],
      ['Backup SIP', 'Failover trunk'],
    ]) providers.push(await post<{ id: number }>('/api/ddi-providers', { name, description }));
    const regs: Seeded[] = [];
    for (let i = 0; i < 24; i++) {
      const provider = providers[i % 3]!;
      const username = `${883200100 + i}`;
      regs.push(
        await post<Seeded>('/api/registrations', {
          ddiProviderId: provider.id,
          username,
          domain: ['sip.carrierone.example', 'voice.iberia.example', 'trunk.backup.example'][i % 3],
          ddi: `+3491${String(7000000 + i * 37)}`,
          password: `screenshot-secret-${i}`,
          expires: 600,
          enabled: i !== 23,
        }),
      );
    }

    const db = new Database(portal.dbPath);
    db.pragma('busy_timeout = 5000');
    const now = Date.now();
    const status = db.prepare(
      'INSERT OR REPLACE INTO registration_status (registration_id, state, code, reason, at, attempts, requested_expires, granted_expires, expires_at, next_attempt_at, target, last_success_at) VALUES (?, ?, ?, ?, ?, 1, 600, ?, ?, ?, ?, ?)',
    );
    const event = db.prepare('INSERT INTO registration_events (registration_id, state, code, reason, at, target) VALUES (?, ?, ?, ?, ?, ?)');
    regs.forEach((r, i) => {
      const target = `192.0.2.${10 + (i % 3)}:5060/udp`;
      const since = now - (i + 1) * 7 * MIN;
      if (i === 23) status.run(r.id, 'disabled', null, null, since, null, null, null, null, null);
      else if (i === 4) status.run(r.id, 'rejected', 403, 'Forbidden', now - 42 * MIN, null, null, now + 9 * MIN, target, now - 3 * HOUR);
      else if (i === 10 || i === 17) status.run(r.id, 'retrying', null, 'timeout', now - (i === 10 ? 3 : 11) * MIN, null, null, now + 40_000, target, now - HOUR);
      else status.run(r.id, 'registered', 200, 'OK', since, 600, now + 600_000 - i * 20_000, now + 480_000 - i * 20_000, target, now - i * 20_000);
      event.run(r.id, 'registered', 200, 'OK', now - 9 * 24 * HOUR, target);
    });
    // The first registration's day: a carrier outage and a wrong password, then back.
    const first = regs[0]!;
    for (const [at, state, code, reason] of [
      [now - 15 * HOUR, 'retrying', null, 'timeout'],
      [now - 14 * HOUR, 'registered', 200, 'OK'],
      [now - 6 * HOUR, 'rejected', 401, 'Unauthorized'],
      [now - 5 * HOUR, 'registered', 200, 'OK'],
    ] as const) event.run(first.id, state, code, reason, at, '192.0.2.10:5060/udp');
    // 24 hours of per-minute samples with the same outage.
    const sample = db.prepare('INSERT OR REPLACE INTO state_samples (at, total, registered, retrying, rejected, disabled) VALUES (?, 24, ?, ?, ?, 1)');
    for (let m = 24 * 60; m >= 0; m--) {
      const at = now - m * MIN - ((now - m * MIN) % MIN);
      const outage = m <= 15 * 60 && m > 14 * 60 ? 8 : 0;
      const rejected = m <= 6 * 60 && m > 5 * 60 ? 2 : m <= 42 ? 1 : 0;
      const retrying = outage + (m <= 11 ? 2 : m % 97 === 0 ? 1 : 0);
      sample.run(at, 23 - retrying - rejected, retrying, rejected);
    }
    // The engine's Heartbeat writes through lib/db (a second connection to the same file).
    const lib = openSqlite(portal.dbPath);
    heartbeat.beat = new Heartbeat(lib, { bind: '0.0.0.0:5060', intervalMs: 2000 });
    await heartbeat.beat.start();

    mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch(chromiumLaunchOptions);
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'Europe/Madrid' });
      await context.addCookies([{ name: 'ddr_session', value: portal.adminSession!, domain: '127.0.0.1', path: '/' }]);
      const page = await context.newPage();

      await page.goto(`${portal.base}/`);
      await page.getByTestId('history-chart').locator('canvas').waitFor();
      await page.getByRole('table').filter({ hasText: regs[1]!.username }).first().waitFor();
      await page.screenshot({ path: join(OUT, 'dashboard.png') });

      await page.goto(`${portal.base}/registrations/new`);
      await page.getByRole('combobox', { name: g.ddiProviderId.label, exact: true }).selectOption({ label: 'Carrier One' });
      await page.getByRole('textbox', { name: g.username.label, exact: true }).fill('883200999');
      await page.getByRole('textbox', { name: g.domain.label, exact: true }).fill('sip.carrierone.example');
      await page.getByLabel(g.password.label, { exact: true }).fill('a-secret');
      await page.getByLabel(g.ddi.label, { exact: true }).fill('+34917999999');
      await page.getByText('DDI is free').waitFor();
      await page.screenshot({ path: join(OUT, 'registration-form.png') });

      await page.goto(`${portal.base}/registrations/${first.id}`);
      const chart = page.getByTestId('availability-chart');
      await chart.locator('canvas').waitFor();
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.locator('.u-over').boundingBox())!;
      await page.mouse.move(box.x + box.width * (18.5 / 24), box.y + box.height / 2);
      await page.getByRole('region', { name: 'Availability' }).screenshot({ path: join(OUT, 'availability.png') });
    } finally {
      await browser.close();
    }
    await heartbeat.beat.stopped('screenshots taken');
    heartbeat.beat = null;
    await closeDatabase(lib);
    db.close();
    console.log(`screenshots written to ${OUT}: dashboard.png, registration-form.png, availability.png`);
  } finally {
    await portal.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
