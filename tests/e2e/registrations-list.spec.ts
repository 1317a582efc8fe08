import { expect, test } from '@playwright/test';
import { apiCreateProvider, apiCreateRegistration, uniq } from './helpers';

test('registrations list: filter, search, sort, paginate, per provider', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const tag = uniq();
  const base = `+3480${String(Date.now()).slice(-6)}`;
  for (let i = 0; i < 30; i++) {
    await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `l${tag}${String(i).padStart(2, '0')}`,
      domain: 'sip.list.example',
      ddi: `${base}${String(i).padStart(2, '0')}`,
    });
  }

  await page.goto('/registrations');
  await page.getByRole('combobox', { name: 'Provider' }).selectOption(String(provider.id));
  await page.getByRole('combobox', { name: 'Per page' }).selectOption('25');
  await expect(page.getByText('Showing 1–25 of 30 registrations')).toBeVisible();
  const rows = page.locator('table tbody tr');
  await expect(rows).toHaveCount(25);
  // no engine status yet: an em dash
  await expect(rows.first().getByRole('cell').nth(6)).toHaveText('—'); // after the selection box

  await page.getByRole('button', { name: 'Next ›' }).click();
  await expect(page.getByText('Showing 26–30 of 30 registrations')).toBeVisible();
  await expect(rows).toHaveCount(5);
  await expect(page).toHaveURL(/page=2/);

  await page.getByRole('button', { name: /^Username/ }).click();
  await expect(page.getByRole('columnheader', { name: /Username/ })).toHaveAttribute('aria-sort', 'ascending');
  await page.getByRole('button', { name: /^Username/ }).click();
  await expect(page.getByRole('columnheader', { name: /Username/ })).toHaveAttribute('aria-sort', 'descending');
  await expect(rows.first()).toContainText(`l${tag}29`);

  await page.getByRole('searchbox', { name: 'Search' }).fill(`l${tag}07`);
  await expect(page.getByText('Showing 1–1 of 1 registration')).toBeVisible();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`${base}07`);

  // the state survives a reload through the address bar
  await page.reload();
  await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue(`l${tag}07`);
  await expect(rows).toHaveCount(1);

  // per provider
  await page.goto(`/providers/${provider.id}`);
  await expect(page.getByText('Showing 1–30 of 30 registrations')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Add registration' })).toHaveAttribute(
    'href',
    `/registrations/new?ddiProviderId=${provider.id}&from=provider`,
  );
});
