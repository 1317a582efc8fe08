// The pictures (issue 15 item 4): a registration's state bands with the cause under the pointer
// and a table alternative, and the dashboard's 24-hour chart from the engine's samples.
import { expect, test } from '@playwright/test';
import { closeDatabase, openDatabase } from '../../lib/db/client';
import { StateSampler } from '../../registrar/store/state-samples';
import { e2eDatabaseLocation, withE2eDb, writeEventRow, writeStatusRow } from './database';
import { apiCreateProvider, apiCreateRegistration, randomDdi, uniq } from './helpers';

const HOUR = 3600_000;


test('registration page: 24 h state bands, the cause on hover, the same periods as a table, and 7 d', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const reg = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `c${uniq()}`, domain: 'sip.chart.example', ddi: randomDdi() });
  const now = Date.now();
  // Transitions as the engine writes them (the registrar is off in this portal).
  const timeline: [number, string, number | null, string | null][] = [
    [now - 3 * 24 * HOUR, 'registered', 200, 'OK'],
    [now - 6 * HOUR, 'retrying', null, 'timeout'],
    [now - 5 * HOUR, 'rejected', 403, 'Forbidden'],
    [now - 3 * HOUR, 'registered', 200, 'OK'],
    [now - 1 * HOUR, 'disabled', null, null],
  ];
  await withE2eDb(async (db) => {
    for (const [at, state, code, reason] of timeline) await writeEventRow(db, reg.id, { state, code, reason, at });
  });

  await page.goto(`/registrations/${reg.id}`);
  const card = page.getByRole('region', { name: 'Availability' });
  const chart = card.getByTestId('availability-chart');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', /registered 83\.3 %, retrying 4\.2 %, rejected 8\.3 %, disabled 4\.2 %/);

  // The bands are drawn in their colours: rejected (--danger) 5 h to 3 h ago, registered (--ok) before.
  const pixel = (fraction: number) =>
    chart.evaluate((el, fx) => {
      const canvas = el.querySelector('canvas')!;
      const over = el.querySelector('.u-over')!.getBoundingClientRect();
      const box = canvas.getBoundingClientRect();
      const ratio = canvas.width / box.width;
      const x = (over.left - box.left + over.width * fx) * ratio;
      const y = (over.top - box.top + over.height / 2) * ratio;
      return [...canvas.getContext('2d')!.getImageData(Math.round(x), Math.round(y), 1, 1).data].slice(0, 3);
    }, fraction);
  const near = (rgb: number[], hex: string) => rgb.every((v, i) => Math.abs(v - parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16)) < 24);
  await expect.poll(async () => near(await pixel(20 / 24), '#b42318'), { message: 'rejected band in --danger' }).toBe(true);
  expect(near(await pixel(10 / 24), '#1a7f37'), `registered band in --ok: ${await pixel(10 / 24)}`).toBe(true);

  // Point at the rejected band (5 h to 3 h ago: 19/24 to 21/24 of the plot's width).
  const over = chart.locator('.u-over');
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * (20 / 24), box.y + box.height / 2);
  await expect(card.locator('.chart-hover')).toContainText('rejected · 403 Forbidden');
  await page.mouse.move(box.x + box.width * (18.5 / 24), box.y + box.height / 2);
  await expect(card.locator('.chart-hover')).toContainText('retrying · timeout');

  await card.getByText(/Show as a table \(5 periods\)/).click();
  const rows = card.getByRole('table', { name: /States over the last 24 h/ }).locator('tbody tr');
  await expect(rows).toHaveCount(5);
  await expect(rows.nth(2)).toContainText('rejected');
  await expect(rows.nth(2)).toContainText('403 Forbidden');
  await expect(rows.nth(2)).toContainText('2 h');

  await card.getByText('7 d', { exact: true }).click();
  await expect(chart).toHaveAttribute('aria-label', /States over the last 7 d: registered 94\.4 %/);
  await expect(card.getByText(/Show as a table \(5 periods\)/)).toBeVisible();
});

test('dashboard: registered vs failing over 24 h from the engine samples, and the hourly table', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const reg = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `h${uniq()}`, domain: 'sip.chart.example', ddi: randomDdi() });
  const now = Date.now();
  // The engine's own sampler, on the e2e database, at past minutes (its clock injected).
  await withE2eDb((db) => writeStatusRow(db, reg.id, { state: 'rejected', code: 403, reason: 'Forbidden', at: now, attempts: 1 }));
  const lib = openDatabase(e2eDatabaseLocation(), () => undefined);
  const samples = [];
  try {
    for (let minutes = 180; minutes >= 0; minutes -= 15) {
      const sampler = new StateSampler(lib, { now: () => now - minutes * 60_000 });
      samples.push(await sampler.sample());
    }
  } finally {
    await closeDatabase(lib);
  }
  const latest = samples[samples.length - 1]!;
  expect(latest.rejected).toBeGreaterThanOrEqual(1);

  await page.goto('/');
  const card = page.getByRole('region', { name: 'Last 24 hours' });
  const chart = card.getByTestId('history-chart');
  await expect(chart.locator('canvas')).toBeVisible();
  await expect(chart).toHaveAttribute('aria-label', new RegExp(`now ${latest.registered.toLocaleString('en')} registered, ${(latest.retrying + latest.rejected).toLocaleString('en')} failing`));
  await expect(card.locator('.u-legend')).toContainText('Registered');
  await expect(card.locator('.u-legend')).toContainText('Failing');
  await card.getByText('Show as a table (hourly)').click();
  const first = card.getByRole('table', { name: /last sample of each hour/ }).locator('tbody tr').first();
  await expect(first.getByRole('cell').nth(2)).toHaveText((latest.retrying + latest.rejected).toLocaleString('en'));
  await expect(card.getByRole('table', { name: /last sample of each hour/ }).locator('tbody tr')).toHaveCount(new Set(samples.map((s) => Math.floor(s.at / HOUR))).size);
});
