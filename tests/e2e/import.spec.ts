import { expect, test } from '@playwright/test';
import { apiCreateProvider, uniq } from './helpers';

const csvFile = (text: string) => ({ name: 'registrations.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });

test('import: a file with two bad rows is listed, the fixed file imports, the list shows them; export downloads a CSV', async ({ page }) => {
  const provider = await apiCreateProvider(page.request);
  const tag = uniq();
  const base = `+3470${String(Date.now()).slice(-6)}`;
  const row = (i: number, username = `imp${tag}${i}`, ddi = `${base}${i}`) => `"${provider.name}",${username},sip.import.example,${ddi}\r\n`;
  const header = 'ddiProviderName,username,domain,ddi\r\n';
  const bad = header + row(1) + row(2, `<b>${tag}</b>`) + row(3) + row(4, undefined, 'not-a-ddi') + row(5);

  await page.goto('/registrations');
  await page.getByRole('link', { name: 'Import', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Import registrations' })).toBeVisible();

  const fileInput = page.getByLabel('CSV or JSON file');
  const importButton = page.getByRole('button', { name: 'Import', exact: true });
  await fileInput.setInputFiles(csvFile(bad));
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '2 of 5 rows are not valid: nothing was imported.' })).toBeVisible();
  const errors = page.getByRole('table').getByRole('row');
  await expect(errors).toHaveCount(3);
  await expect(errors.nth(1)).toContainText('2');
  await expect(errors.nth(1)).toContainText('username');
  await expect(errors.nth(2)).toContainText('4');
  await expect(errors.nth(2)).toContainText('ddi');
  await expect(errors.nth(2)).toContainText('digits');
  await expect(importButton).toBeDisabled();

  const fixed = header + row(1) + row(2) + row(3) + row(4) + row(5);
  await fileInput.setInputFiles(csvFile(fixed));
  await page.getByRole('button', { name: 'Check file' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'All 5 rows are valid' })).toBeVisible();
  await expect(page.getByRole('table')).toHaveCount(0);
  await importButton.click();

  await expect(page).toHaveURL(/\/registrations$/);
  await expect(page.getByText('5 registrations imported.')).toBeVisible();
  await page.getByRole('combobox', { name: 'Provider' }).selectOption(String(provider.id));
  await expect(page.getByText('Showing 1–5 of 5 registrations')).toBeVisible();
  await expect(page.locator('table tbody tr')).toHaveCount(5);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export CSV' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^registrations-\d{4}-\d{2}-\d{2}\.csv$/);
});
