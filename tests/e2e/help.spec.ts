import { expect, test } from '@playwright/test';
import { LOCAL_CAUSE_EXPLANATIONS, LOCAL_CAUSES, REGISTRATION_STATES } from '../../registrar/domain/vocabulary';
import { SIP_CODE_HINTS } from '../../lib/client/outcome-hints';
import { ddiProviderGlossary, registrationGlossary, registrationNotes, stateGlossary } from '../../lib/glossary';

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

test('the help page explains every state and every cause from the vocabulary', async ({ page }) => {
  await page.goto('/help');
  // no "each registration below" with nothing below
  await expect(page.locator('.lead')).not.toContainText('registration below');
  const states = page.getByRole('region', { name: 'States' });
  for (const state of REGISTRATION_STATES) {
    await expect(states.locator(`#state-${state} dt`)).toHaveText(state);
    await expect(states.locator(`#state-${state} dd`)).toHaveText(stateGlossary[state]);
  }
  const causes = page.getByRole('region', { name: 'Causes' });
  for (const cause of LOCAL_CAUSES) {
    await expect(causes.locator(`[id="cause-${cause}"] dt`)).toHaveText(cause);
    await expect(causes.locator(`[id="cause-${cause}"] dd`)).toContainText(LOCAL_CAUSE_EXPLANATIONS[cause].slice(1));
  }
  for (const [code, hint] of Object.entries(SIP_CODE_HINTS)) await expect(causes.locator(`#sip-${code} dd`)).toHaveText(hint);
});
