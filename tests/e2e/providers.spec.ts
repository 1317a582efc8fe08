import { expect, test } from '@playwright/test';
import { ddiProviderGlossary as pg } from '../../lib/glossary';
import { apiCreateProvider, apiCreateRegistration, randomDdi, uniq } from './helpers';

test.describe('DDI providers', () => {
  test('creates and edits a provider', async ({ page, request }) => {
    const name = `Carrier UI ${uniq()}`;
    const ddis = [randomDdi(), `${randomDdi()}1`];
    await page.goto('/providers');
    await page.getByRole('link', { name: 'New provider' }).click();
    await expect(page).toHaveURL(/\/providers\/new$/);

    const ddisInput = page.getByRole('textbox', { name: pg.ddis.label, exact: true });
    await page.getByRole('textbox', { name: pg.name.label, exact: true }).fill(name);
    await page.getByRole('textbox', { name: pg.description.label, exact: true }).fill('Contract 42');
    // the shared schema rejects a bad DDI before anything is sent
    await ddisInput.fill(`${ddis[0]}\nnot-a-number`);
    await page.getByRole('button', { name: 'Create provider' }).click();
    await expect(page.getByText(/"not-a-number": Use 1–32 characters/)).toBeVisible();
    await expect(ddisInput).toHaveAttribute('aria-invalid', 'true');

    await ddisInput.fill(ddis.join('\n'));
    await page.getByRole('button', { name: 'Create provider' }).click();
    await expect(page).toHaveURL(/\/providers$/);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name, exact: true }) });
    await expect(row).toBeVisible();
    await expect(row.getByRole('cell').nth(1)).toHaveText('2');

    const list = await (await request.get('/api/ddi-providers')).json();
    const created = (list.items as { id: number; name: string; ddis: string[] }[]).find((p) => p.name === name);
    expect(created?.ddis).toEqual(ddis);

    // a duplicate name is refused by the server (409) and shown on the Name field
    await page.goto('/providers/new');
    await page.getByRole('textbox', { name: pg.name.label, exact: true }).fill(name);
    await page.getByRole('button', { name: 'Create provider' }).click();
    await expect(page.locator('.field-error')).toContainText('already exists');

    // edit
    await page.goto('/providers');
    await page.getByRole('link', { name: `Edit provider ${name}` }).click();
    await page.getByRole('textbox', { name: pg.description.label, exact: true }).fill('Contract 43');
    // Forward to: the shared rule refuses a URI with a user part (the DDI goes there) before sending
    const forwardTo = page.getByRole('textbox', { name: pg.forwardTo.label, exact: true });
    await forwardTo.fill('sip:pbx@192.0.2.20');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText(/Enter the SIP URI of your PBX or SBC without a user part/)).toBeVisible();
    await expect(forwardTo).toHaveAttribute('aria-invalid', 'true');
    await forwardTo.fill('sip:192.0.2.20:5070;transport=tcp');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(new RegExp(`/providers/${created!.id}$`));
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.getByText('Contract 43')).toBeVisible();
    await expect(page.getByText('sip:192.0.2.20:5070;transport=tcp')).toBeVisible();
    const saved = await (await request.get(`/api/ddi-providers/${created!.id}`)).json();
    expect(saved.forwardTo).toBe('sip:192.0.2.20:5070;transport=tcp');
  });

  test('deleting a provider with registrations asks for confirmation and says how many', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const regs = [];
    for (let i = 0; i < 3; i++) {
      regs.push(
        await apiCreateRegistration(request, {
          ddiProviderId: provider.id,
          username: `pd${i}${uniq()}`,
          domain: 'sip.pdel.example',
          ddi: `${randomDdi()}${i}`,
        }),
      );
    }
    await page.goto('/providers');
    await page.getByRole('button', { name: `Delete provider ${provider.name}` }).click();
    const dialog = page.getByRole('dialog', { name: `Delete provider "${provider.name}"?` });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('still has 3 registrations');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    // Escape cancels
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
    expect((await request.get(`/api/ddi-providers/${provider.id}`)).status()).toBe(200);

    await page.getByRole('button', { name: `Delete provider ${provider.name}` }).click();
    await dialog.getByRole('button', { name: 'Delete provider and 3 registrations' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('link', { name: provider.name, exact: true })).toHaveCount(0);
    await expect(page.getByText(`Provider "${provider.name}" deleted with 3 registrations.`)).toBeVisible();
    expect((await request.get(`/api/ddi-providers/${provider.id}`)).status()).toBe(404);
    for (const r of regs) expect((await request.get(`/api/registrations/${r.id}`)).status()).toBe(404);
  });

  test('deleting an empty provider from its page', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    await page.goto(`/providers/${provider.id}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog).toContainText('This provider has no registrations.');
    await dialog.getByRole('button', { name: 'Delete provider' }).click();
    await expect(page).toHaveURL(/\/providers$/);
    expect((await request.get(`/api/ddi-providers/${provider.id}`)).status()).toBe(404);
  });

  test('the providers list is searched and sorted on the shared table toolbar', async ({ page, request }) => {
    const tag = uniq();
    const a = await apiCreateProvider(request, { name: `Sortcarrier A ${tag}`, description: `alpha ${tag}` });
    const b = await apiCreateProvider(request, { name: `Sortcarrier B ${tag}`, description: `beta ${tag}` });
    for (let i = 0; i < 2; i++) {
      await apiCreateRegistration(request, { ddiProviderId: b.id, username: `ps${i}${tag}`, domain: 'sip.psort.example', ddi: `${randomDdi()}${i}` });
    }
    await page.goto('/providers');
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill(tag);
    // the count is the search box's description (aria-describedby), as on the registrations list
    await expect(search).toHaveAccessibleDescription(/^2 providers of \d+/);
    const names = page.getByRole('rowheader');
    await expect(names).toHaveText([a.name, b.name]);
    const nameHeader = page.getByRole('columnheader', { name: /Name/ });
    await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
    await nameHeader.getByRole('button').click();
    await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');
    await expect(names).toHaveText([b.name, a.name]);
    // by registrations: most first
    const regsHeader = page.getByRole('columnheader', { name: /Registrations/ });
    await regsHeader.getByRole('button').click();
    await expect(regsHeader).toHaveAttribute('aria-sort', 'descending');
    await expect(nameHeader).not.toHaveAttribute('aria-sort', /.*/);
    await expect(names).toHaveText([b.name, a.name]);
    await regsHeader.getByRole('button').click();
    await expect(names).toHaveText([a.name, b.name]);
    // a DDI or description finds its provider
    await search.fill(`beta ${tag}`);
    await expect(names).toHaveText([b.name]);
    await expect(search).toHaveAccessibleDescription(/^1 provider of \d+/);
    await search.fill(`nothing-${tag}`);
    await expect(page.getByText('No providers match.')).toBeVisible();
  });
});
