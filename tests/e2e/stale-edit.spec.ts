// Optimistic concurrency in the browser: an edit form opened on one revision, a change made
// meanwhile through the API, then a save from the form → the "someone else changed this" panel
// lists what they changed (glossary label: before → after) and offers both ways out.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { ddiProviderGlossary as pg, registrationGlossary as g } from '../../lib/glossary';
import { apiCreateProvider, apiCreateRegistration, apiGetRegistration, randomDdi, uniq, type RegistrationJson } from './helpers';

const BEFORE = 'sip.before.example';
const AFTER = 'sip.after.example';

const stalePanel = (page: Page, what: 'registration' | 'provider') =>
  page.getByRole('alert').filter({ hasText: `Someone else changed this ${what} since you opened it.` });

/**
 * Opens a new registration's form, changes its Username there to `mine`, lets "someone else" PATCH
 * its domain through the API, then saves: the stale panel must list exactly the domain change.
 * The form is edited before the PATCH so it cannot quietly follow the newer version.
 */
async function saveOverSomeoneElse(page: Page, request: APIRequestContext) {
  const provider = await apiCreateProvider(request);
  const created = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `st${uniq()}`, domain: BEFORE, ddi: randomDdi() });
  await page.goto(`/registrations/${created.id}`);
  const domain = page.getByRole('textbox', { name: g.domain.label, exact: true });
  const username = page.getByRole('textbox', { name: g.username.label, exact: true });
  await expect(domain).toHaveValue(BEFORE);
  const mine = `mine${uniq()}`;
  await username.fill(mine);

  const res = await request.patch(`/api/registrations/${created.id}`, { data: { domain: AFTER } });
  expect(res.status(), await res.text()).toBe(200);
  const theirs = (await res.json()) as RegistrationJson;
  expect(theirs.revision).toBe(created.revision + 1);

  await page.getByRole('button', { name: 'Save changes' }).click();
  const panel = stalePanel(page, 'registration');
  await expect(panel).toBeVisible();
  await expect(panel).toBeFocused();
  await expect(panel.getByRole('list', { name: 'What they changed' }).getByRole('listitem')).toHaveText([`${g.domain.label}: ${BEFORE} → ${AFTER}`]);
  // nothing was saved by the refused attempt
  expect((await apiGetRegistration(request, created.id)).body).toMatchObject({ username: created.username, domain: AFTER, revision: theirs.revision });
  return { created, theirs, mine, panel, domain, username };
}

test.describe('stale edit of a registration', () => {
  test('"Load their version" puts their values in the form; saving then applies on top of them', async ({ page, request }) => {
    const { created, theirs, mine, panel, domain, username } = await saveOverSomeoneElse(page, request);
    await panel.getByRole('button', { name: 'Load their version' }).click();
    await expect(panel).toBeHidden();
    await expect(domain).toHaveValue(AFTER);
    await expect(username).toHaveValue(created.username);

    // redo the change on their version: it saves without a conflict
    await username.fill(mine);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    expect((await apiGetRegistration(request, created.id)).body).toMatchObject({ username: mine, domain: AFTER, revision: theirs.revision + 1 });
  });

  test('"Save mine anyway" applies my change on top of theirs', async ({ page, request }) => {
    const { created, theirs, mine, panel } = await saveOverSomeoneElse(page, request);
    await panel.getByRole('button', { name: 'Save mine anyway' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    await expect(page.getByRole('status').getByText(new RegExp(`Registration #${created.id} \\(${mine}@${AFTER.replace(/\./g, '\\.')}\\) saved\\.`))).toBeVisible();
    // only the field the operator changed is written: their domain stays
    expect((await apiGetRegistration(request, created.id)).body).toMatchObject({ username: mine, domain: AFTER, revision: theirs.revision + 1 });
  });
});

test.describe('stale edit of a provider', () => {
  test('the provider form lists their change, loads their version, or saves mine anyway', async ({ page, request }) => {
    const name = `Stale carrier ${uniq()}`;
    const provider = await apiCreateProvider(request, { name, description: 'Contract A' });
    const theirName = `${name} renamed`;
    const currentName = async () => ((await (await request.get(`/api/ddi-providers/${provider.id}`)).json()) as { name: string }).name;
    /** Opens the edit form and changes the description there (so the form will not follow their save). */
    const open = async () => {
      await page.goto(`/providers/${provider.id}/edit`);
      await expect(page.getByRole('textbox', { name: pg.name.label, exact: true })).toHaveValue(await currentName());
      await page.getByRole('textbox', { name: pg.description.label, exact: true }).fill('Contract mine');
    };
    const rename = async (to: string) => {
      const res = await request.patch(`/api/ddi-providers/${provider.id}`, { data: { name: to } });
      expect(res.status(), await res.text()).toBe(200);
      return (await res.json()) as { revision: number };
    };

    // 1: Load their version
    await open();
    await rename(theirName);
    await page.getByRole('button', { name: 'Save changes' }).click();
    const panel = stalePanel(page, 'provider');
    await expect(panel.getByRole('listitem')).toHaveText([`${pg.name.label}: ${name} → ${theirName}`]);
    await panel.getByRole('button', { name: 'Load their version' }).click();
    await expect(panel).toBeHidden();
    await expect(page.getByRole('textbox', { name: pg.name.label, exact: true })).toHaveValue(theirName);
    await expect(page.getByRole('textbox', { name: pg.description.label, exact: true })).toHaveValue('Contract A');

    // 2: Save mine anyway
    await open();
    const theirs = await rename(name);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(panel.getByRole('listitem')).toHaveText([`${pg.name.label}: ${theirName} → ${name}`]);
    await panel.getByRole('button', { name: 'Save mine anyway' }).click();
    await expect(page).toHaveURL(new RegExp(`/providers/${provider.id}$`));
    const saved = (await (await request.get(`/api/ddi-providers/${provider.id}`)).json()) as { name: string; description: string; revision: number };
    // only the description was changed in the form: their name stays
    expect(saved).toMatchObject({ name, description: 'Contract mine', revision: theirs.revision + 1 });
  });
});
