// API tokens in the browser: creating one on /account asks for the current password (a wrong one
// is refused on the field); an admin sees an operator's tokens on /operators, revokes one, and
// unlocks an operator's sign-in.
import { expect, test } from '@playwright/test';
import { TEST_ADMIN } from '../test-admin';
import { uniq } from './helpers';

test('a token needs the current password; an admin lists and revokes it on /operators and unlocks sign-in', async ({ page }) => {
  const name = `e2e script ${uniq()}`;
  await page.goto('/account');
  const tokens = page.getByRole('region', { name: 'API tokens' });
  await tokens.getByLabel('Token name').fill(name);
  await tokens.getByLabel('Current password').fill('Not-the-password-1');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  await expect(tokens.getByText('This is not your current password.').first()).toBeVisible();
  await expect(tokens.getByRole('rowheader', { name })).toHaveCount(0);

  await tokens.getByLabel('Current password').fill(TEST_ADMIN.password);
  await tokens.getByRole('button', { name: 'Create token' }).click();
  await expect(tokens.getByRole('heading', { name: `Token “${name}” created` })).toBeVisible();
  await expect(tokens.getByRole('rowheader', { name })).toBeVisible();

  await page.goto('/operators');
  await page.getByRole('button', { name: `API tokens of ${TEST_ADMIN.email}` }).click();
  const list = page.getByRole('table', { name: `API tokens of ${TEST_ADMIN.email}` });
  const row = list.getByRole('row', { name: new RegExp(name) });
  await expect(row).toContainText('Active');
  await row.getByRole('button', { name: `Revoke token ${name}` }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Revoke token' }).click();
  await expect(row).toContainText('Revoked');
  await expect(page.getByText(`Token "${name}" revoked.`)).toBeVisible();

  await page.getByRole('button', { name: `Unlock sign-in of ${TEST_ADMIN.email}` }).click();
  await expect(page.getByText(new RegExp(`Sign-in unlocked for ${TEST_ADMIN.email.replace('.', '\\.')}`))).toBeVisible();
});
