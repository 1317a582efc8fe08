// Alerts in the browser (issue 15 item 1): an admin creates a webhook channel under Settings,
// sends a test and sees its delivery status; a registration held failing past its provider's
// hold time shows up as an open alert on the Alerts page and on the dashboard.
import { expect, test } from '@playwright/test';
import { verifySignature } from '../../lib/alerts/signature';
import { startHttpReceiver, type HttpReceiver } from '../alerts/receivers';
import { withE2eDb, writeEventRow, writeStatusRow } from './database';
import { apiCreateRegistration, randomDdi, uniq } from './helpers';

let receiver: HttpReceiver;

test.beforeAll(async () => {
  receiver = await startHttpReceiver();
});
test.afterAll(async () => {
  await receiver.close();
});

/** Writes a failure as the engine would (the registrar is off in this portal): status row and timeline event. */
async function holdFailing(registrationId: number, since: number) {
  await withE2eDb(async (db) => {
    await writeStatusRow(db, registrationId, { state: 'retrying', code: 503, reason: 'Service Unavailable', at: since, attempts: 3 });
    await writeEventRow(db, registrationId, { state: 'retrying', code: 503, reason: 'Service Unavailable', at: since });
  });
}

test('an admin creates a webhook channel, sends a test and sees it delivered (signed)', async ({ page }) => {
  const name = `Ops hook ${uniq()}`;
  const secret = `whsec-${uniq()}`;
  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /notification channels/ })).toBeVisible();
  const form = page.getByRole('form', { name: 'Add a notification channel' });
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('URL').fill('ftp://nope');
  await form.getByRole('button', { name: 'Create channel' }).click();
  await expect(form.getByText('Use an http:// or https:// URL.')).toBeVisible();
  await form.getByLabel('URL').fill(receiver.url);
  await form.getByLabel('Signing secret').fill(secret);
  await form.getByRole('button', { name: 'Create channel' }).click();
  await expect(page.getByTestId('channel-message')).toHaveText(`Channel "${name}" created.`);

  const card = page.getByRole('region', { name: `Channel ${name}` });
  await expect(card.getByText('Signed (X-Signature)')).toBeVisible();
  await expect(card.getByTestId('last-delivery')).toHaveText('Last delivery: none');
  await card.getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByTestId('channel-message')).toHaveText(`Test to "${name}": sent.`, { timeout: 20_000 });
  await expect(card.getByTestId('last-delivery')).toContainText('Sent (200)');
  const [request] = await receiver.waitFor(1, 5_000);
  expect(verifySignature(secret, request!.body, request!.headers['x-signature'] as string, Date.now())).toMatchObject({ ok: true });
  expect(JSON.parse(request!.body)).toMatchObject({ event: 'test' });

  await card.getByRole('button', { name: 'Delivery log' }).click();
  await expect(card.getByRole('list', { name: 'Delivery log' }).getByRole('listitem')).toHaveCount(1);
  await expect(card.getByRole('list', { name: 'Delivery log' })).toContainText('test: Sent (200)');
});

test('a registration held failing past its provider hold time is an open alert on the Alerts page and the dashboard', async ({ page, request }) => {
  const res = await request.post('/api/ddi-providers', { data: { name: `Flaky ${uniq()}`, alertHoldS: 1 } });
  expect(res.status(), await res.text()).toBe(201);
  const provider = (await res.json()) as { id: number; name: string };
  // 10 registrations, one failing: 10 % is under the grouping threshold, so the alert names the registration.
  const regs = [];
  for (let i = 0; i < 10; i++) regs.push(await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `alert-${uniq()}`, domain: 'sip.alerts.test', ddi: randomDdi() }));
  await holdFailing(regs[0]!.id, Date.now() - 5_000);

  await page.goto('/alerts');
  const row = page.locator(`tr[data-alert-key="registration:${regs[0]!.id}"]`);
  await expect(row).toBeVisible({ timeout: 20_000 });
  await expect(row).toContainText(`${regs[0]!.username}@sip.alerts.test`);
  await expect(row).toContainText(`of ${provider.name}: retrying (503 Service Unavailable)`);
  await expect(row.locator('.badge')).toHaveText('open');

  await page.goto('/');
  await expect(page.getByTestId('open-alerts').getByRole('link', { name: /\d+ open alerts?/ })).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('open-alerts').getByRole('link').click();
  await expect(page).toHaveURL(/\/alerts$/);
});
