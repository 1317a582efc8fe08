import { expect, test } from '@playwright/test';
import { ddiProviderGlossary, registrationGlossary, registrationNotes } from '../../lib/glossary';

test('the help page renders the whole glossary and the notes', async ({ page }) => {
  await page.goto('/help');
  await expect(page.getByRole('heading', { level: 1, name: 'Help' })).toBeVisible();
  for (const [key, entry] of Object.entries(registrationGlossary)) {
    const item = page.locator(`#registration-${key}`);
    await expect(item.locator('dt')).toHaveText(entry.label);
    await expect(item.locator('dd')).toContainText(entry.help);
  }
  for (const [key, entry] of Object.entries(ddiProviderGlossary)) {
    const item = page.locator(`#provider-${key}`);
    await expect(item.locator('dt')).toHaveText(entry.label);
    await expect(item.locator('dd')).toContainText(entry.help);
  }
  await expect(page.getByText(registrationNotes.peering)).toBeVisible();
  await expect(page.getByText(registrationNotes.advancedTip)).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Help' })).toHaveAttribute('aria-current', 'page');
});
