import { expect, test } from '@playwright/test';
import { registrationGlossary as g } from '../../lib/glossary';
import { apiCreateProvider, apiCreateRegistration, randomDdi, uniq } from './helpers';

test('registration history and the global audit log: who, action, field changes, filters', async ({ page, request }) => {
  const provider = await apiCreateProvider(request, { name: `Audit UI ${uniq()}` });
  const r = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `aud${uniq()}`, domain: 'sip.audit-ui.example', ddi: randomDdi(), password: 'Audit-ui-pass-1' });
  expect((await request.patch(`/api/registrations/${r.id}`, { data: { expires: 120, password: 'Audit-ui-pass-2' } })).status()).toBe(200);
  expect((await request.patch(`/api/registrations/${r.id}`, { data: { enabled: false } })).status()).toBe(200);

  await page.goto(`/registrations/${r.id}`);
  const history = page.getByRole('region', { name: 'History' });
  const rows = history.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('Disabled');
  await expect(rows.nth(0)).toContainText(`${g.enabled.label}: yes → no`);
  await expect(rows.nth(1)).toContainText(`${g.expires.label}: 3600 → 120`);
  await expect(rows.nth(1)).toContainText(`${g.password.label}: set → changed`);
  await expect(rows.nth(2)).toContainText('Created');
  await expect(rows.nth(2)).toContainText(`${g.ddiProviderId.label}: — → ${provider.name} (#${provider.id})`);
  await expect(rows.nth(0)).toContainText('via session');
  await expect(history).not.toContainText('Audit-ui-pass');

  await page.goto('/audit');
  await page.getByRole('combobox', { name: 'What' }).selectOption('ddi_provider');
  const log = page.getByRole('table', { name: 'Audit log, newest first' });
  await expect(log.locator('tbody tr').first()).toContainText('DDI provider');
  await expect(log.getByRole('link', { name: provider.name, exact: true })).toHaveAttribute('href', `/providers/${provider.id}`);
  await page.getByRole('combobox', { name: 'What' }).selectOption('');
  await page.getByRole('searchbox', { name: 'Who' }).fill('nobody-here');
  await expect(page.getByText('No entries match.')).toBeVisible();
});
