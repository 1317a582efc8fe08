import { expect, test } from '@playwright/test';
import { registrationGlossary as g, registrationNotes, transportHints } from '../../lib/glossary';
import { apiCreateProvider, apiCreateRegistration, apiGetRegistration, randomDdi, tabTo, uniq } from './helpers';

test.describe('registration form', () => {
  test('creates a registration using only the keyboard', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const username = `kb${uniq()}`;
    const ddi = randomDdi();
    await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);

    // where an operator adds a registration, the peering note is shown
    await expect(page.getByText(registrationNotes.peering)).toBeVisible();
    const providerSelect = page.getByRole('combobox', { name: g.ddiProviderId.label, exact: true });
    await expect(providerSelect).toHaveValue(String(provider.id));

    // advanced fields are collapsed for a new registration, with the tip inside
    const advanced = page.locator('details.advanced');
    await expect(advanced).not.toHaveAttribute('open', /.*/);
    await expect(page.getByRole('textbox', { name: g.realm.label, exact: true })).toBeHidden();

    const usernameInput = page.getByRole('textbox', { name: g.username.label, exact: true });
    const domainInput = page.getByRole('textbox', { name: g.domain.label, exact: true });
    const passwordInput = page.getByLabel(g.password.label, { exact: true });
    const ddiInput = page.getByLabel(g.ddi.label, { exact: true });

    await tabTo(page, usernameInput);
    await page.keyboard.type(username);
    // the next stop is the help control of the next field, then its input
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: `Help: ${g.domain.label}` })).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(domainInput).toBeFocused();
    await page.keyboard.type('sip.keyboard.example');
    await tabTo(page, passwordInput);
    await page.keyboard.type('s3cret-pass');
    await tabTo(page, ddiInput);
    await page.keyboard.type(ddi);

    await expect(page.getByText('DDI is free', { exact: true })).toBeVisible();
    await expect(page.getByText('Username and domain are free', { exact: true })).toBeVisible();
    await expect(page.getByRole('switch', { name: g.enabled.label, exact: true })).toBeChecked();

    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/\/registrations$/);
    await expect(page.getByRole('status').getByText(/Registration #\d+ .* created\./)).toBeVisible();

    const list = await (await request.get(`/api/registrations?q=${username}`)).json();
    expect(list.total).toBe(1);
    expect(list.items[0]).toMatchObject({
      username,
      domain: 'sip.keyboard.example',
      ddi,
      ddiProviderId: provider.id,
      hasPassword: true,
      enabled: true,
      transport: 'auto',
      expires: 3600,
    });
  });

  test('shows a field help from the glossary when its help control gets focus', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);
    const ddiInput = page.getByLabel(g.ddi.label, { exact: true });
    const helpButton = page.getByRole('button', { name: `Help: ${g.ddi.label}`, exact: true });

    const describedBy = (await ddiInput.getAttribute('aria-describedby')) ?? '';
    const helpId = describedBy.split(/\s+/)[0]!;
    expect(helpId).toMatch(/-help$/);
    const help = page.locator(`[id="${helpId}"]`);
    await expect(help).toBeHidden();

    await tabTo(page, helpButton);
    await expect(help).toBeVisible();
    await expect(help).toHaveText(g.ddi.help);
    await expect(helpButton).toHaveAttribute('aria-expanded', 'true');
    await expect(ddiInput).toHaveAccessibleDescription(new RegExp(`^${g.ddi.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    await page.keyboard.press('Escape');
    await expect(help).toBeHidden();
    await expect(helpButton).toHaveAttribute('aria-expanded', 'false');
    await page.keyboard.press('Enter');
    await expect(help).toBeVisible();
    await page.keyboard.press(' ');
    await expect(help).toBeHidden();

    // every field's help text comes from the glossary
    for (const key of ['username', 'domain', 'password'] as const) {
      const input = page.getByLabel(g[key].label, { exact: true });
      const id = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/)[0]!;
      await expect(page.locator(`[id="${id}"]`)).toHaveText(g[key].help);
    }
    // hover opens it too
    await page.getByRole('button', { name: `Help: ${g.username.label}` }).hover();
    await expect(page.getByRole('tooltip').filter({ hasText: g.username.help })).toBeVisible();
  });

  test('warns live about a used DDI and maps the server 409 onto the field', async ({ page, request }) => {
    const ddiA = randomDdi();
    const ddiB = `${ddiA}7`;
    const provider = await apiCreateProvider(request, { ddis: [ddiA, ddiB] });
    const holder = await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `hold${uniq()}`,
      domain: 'sip.holder.example',
      ddi: ddiA,
      password: 'pw',
    });

    await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);
    const usernameInput = page.getByRole('textbox', { name: g.username.label, exact: true });
    const domainInput = page.getByRole('textbox', { name: g.domain.label, exact: true });
    const ddiInput = page.getByLabel(g.ddi.label, { exact: true });

    // the provider's DDIs are offered
    await expect(page.getByRole('button', { name: `Use DDI ${ddiB}` })).toBeVisible();

    await usernameInput.fill(holder.username);
    await domainInput.fill('SIP.holder.example');
    await expect(
      page.getByText(`Username and domain are already used by registration #${holder.id} of provider ${provider.name}`),
    ).toBeVisible();

    await usernameInput.fill(`new${uniq()}`);
    await expect(page.getByText('Username and domain are free', { exact: true })).toBeVisible();
    await ddiInput.fill(ddiA);
    const ddiMessage = page.getByText(`DDI is already used by registration #${holder.id} of provider ${provider.name}`);
    await expect(ddiMessage).toBeVisible();
    await expect(ddiMessage.getByRole('link', { name: `registration #${holder.id}` })).toHaveAttribute('href', `/registrations/${holder.id}`);

    // the live conflict stops Create: no request, the DDI marked invalid, the alert says why
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/registrations')) posts.push(r.url());
    });
    await page.getByRole('button', { name: 'Create registration' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'already used by another registration' });
    await expect(alert).toContainText('The DDI is already used by another registration');
    await expect(ddiInput).toHaveAttribute('aria-invalid', 'true');
    await expect(ddiInput).toBeFocused();
    expect(posts).toEqual([]);

    // a DDI taken after the live check said free: the server refuses it; its message lands on the DDI field, alone
    const ddiC = randomDdi();
    await ddiInput.fill(ddiC);
    await expect(alert).toHaveCount(0);
    await expect(page.getByText('DDI is free', { exact: true })).toBeVisible();
    await expect(ddiInput).toHaveAttribute('aria-invalid', 'false');
    const racer = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `race${uniq()}`, domain: 'sip.race.example', ddi: ddiC });
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/registrations') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Create registration' }).click(),
    ]);
    expect(response.status()).toBe(409);
    await expect(ddiInput).toHaveAttribute('aria-invalid', 'true');
    const errorId = ((await ddiInput.getAttribute('aria-describedby')) ?? '').split(/\s+/).find((id) => id.endsWith('-error'));
    expect(errorId).toBeTruthy();
    await expect(page.locator(`[id="${errorId}"]`)).toContainText(`registration #${racer.id}`);
    const serverAlert = page.getByRole('alert').filter({ hasText: `DDI ${ddiC} is already used` });
    await expect(serverAlert).toBeVisible();
    // the live check, refreshed, agrees; one message on the field, not two
    await expect(page.locator('.field', { has: ddiInput }).getByText(/already used by registration/)).toHaveCount(1);
    await expect(page).toHaveURL(/\/registrations\/new/);

    // "Generate a unique value" picks the provider's free DDI; the alert about the old one goes
    await page.getByRole('button', { name: 'Generate a unique value' }).click();
    await expect(ddiInput).toHaveValue(ddiB);
    await expect(page.getByText('DDI is free', { exact: true })).toBeVisible();
    await expect(serverAlert).toHaveCount(0);
    await expect(ddiInput).toHaveAttribute('aria-invalid', 'false');
    await page.getByRole('button', { name: 'Create registration' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    const list = await (await request.get(`/api/registrations?ddiProviderId=${provider.id}`)).json();
    expect(list.total).toBe(3);
  });

  test('a username and domain already used mark both inputs invalid and stop Create', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const holder = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `acc${uniq()}`, domain: 'sip.acc.example', ddi: randomDdi() });
    await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);
    const usernameInput = page.getByRole('textbox', { name: g.username.label, exact: true });
    const domainInput = page.getByRole('textbox', { name: g.domain.label, exact: true });
    await usernameInput.fill(holder.username);
    await domainInput.fill('sip.acc.example');
    await page.getByLabel(g.password.label, { exact: true }).fill('pw');
    await page.getByLabel(g.ddi.label, { exact: true }).fill(randomDdi());
    const note = `Username and domain are already used by registration #${holder.id} of provider ${provider.name}`;
    await expect(page.getByText(note)).toBeVisible();
    for (const input of [usernameInput, domainInput]) {
      await expect(input).toHaveAttribute('aria-invalid', 'true');
      await expect(input).toHaveAccessibleDescription(new RegExp(note));
    }
    let posted = false;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/registrations')) posted = true;
    });
    await page.getByRole('button', { name: 'Create registration' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Username and domain are already used by another registration' });
    await expect(alert).toBeVisible();
    await expect(usernameInput).toBeFocused();
    expect(posted).toBe(false);
    await domainInput.fill('sip.acc2.example');
    await expect(alert).toHaveCount(0);
    await expect(page.getByText('Username and domain are free', { exact: true })).toBeVisible();
    await expect(usernameInput).toHaveAttribute('aria-invalid', 'false');
    await expect(domainInput).toHaveAttribute('aria-invalid', 'false');
  });

  test('edits a registration keeping its password, then removes the password', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const reg = await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `ed${uniq()}`,
      domain: 'sip.edit.example',
      ddi: randomDdi(),
      password: 'keep-me',
    });

    await page.goto(`/registrations/${reg.id}`);
    await expect(page.getByText('A password is saved; leave empty to keep it')).toBeVisible();
    const passwordInput = page.getByLabel(g.password.label, { exact: true });
    await expect(passwordInput).toHaveValue('');
    await expect(page.locator('details.advanced')).not.toHaveAttribute('open', /.*/);
    // the live check excludes the registration itself
    await expect(page.getByText('DDI is free', { exact: true })).toBeVisible();

    const newName = `ed2${uniq()}`;
    await page.getByRole('textbox', { name: g.username.label, exact: true }).fill(newName);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    await expect(page.getByRole('status').getByText(`Registration #${reg.id} (${newName}@sip.edit.example) saved.`)).toBeVisible();

    let now = await apiGetRegistration(request, reg.id);
    expect(now.body).toMatchObject({ username: newName, hasPassword: true, revision: reg.revision + 1 });

    await page.goto(`/registrations/${reg.id}`);
    await page.getByRole('checkbox', { name: 'Remove saved password' }).check();
    await expect(passwordInput).toBeDisabled();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    now = await apiGetRegistration(request, reg.id);
    expect(now.body?.hasPassword).toBe(false);
  });

  test('pointing a saved password at another domain asks to type it again (hint, then the server refuses)', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const reg = await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `sc${uniq()}`,
      domain: 'sip.scope.example',
      ddi: randomDdi(),
      password: 'keep-me-here',
    });
    await page.goto(`/registrations/${reg.id}`);
    await expect(page.getByText('A password is saved; leave empty to keep it')).toBeVisible();
    await page.getByRole('textbox', { name: g.domain.label, exact: true }).fill('sip.elsewhere.example');
    await expect(page.getByText(/Type the password again: you changed the domain/)).toBeVisible();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText(/a saved password is only sent to this registration's own domain/).first()).toBeVisible();
    expect((await apiGetRegistration(request, reg.id)).body).toMatchObject({ domain: 'sip.scope.example', hasPassword: true });
    await page.getByLabel(g.password.label, { exact: true }).fill('typed-again');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    expect((await apiGetRegistration(request, reg.id)).body).toMatchObject({ domain: 'sip.elsewhere.example', hasPassword: true });
  });

  test('a new registration has transport Auto (DNS decides), listed first, with a hint saying what it does', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);
    // auto is the default: the advanced section stays closed
    await expect(page.locator('details.advanced')).not.toHaveAttribute('open', /.*/);
    await page.locator('details.advanced summary').click();
    const select = page.getByRole('combobox', { name: g.transport.label, exact: true });
    await expect(select).toHaveValue('auto');
    await expect(select.locator('option')).toHaveText(['Auto (DNS decides)', 'UDP', 'TCP', 'TLS']);
    const hint = page.getByText(transportHints.auto, { exact: true });
    await expect(hint).toBeVisible();
    expect((await select.getAttribute('aria-describedby')) ?? '').toContain((await hint.getAttribute('id')) ?? 'missing');
    await select.selectOption('tcp');
    await expect(page.getByText(transportHints.tcp, { exact: true })).toBeVisible();
  });

  test('an existing UDP registration keeps UDP in the form', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const reg = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `udp${uniq()}`, domain: 'sip.udp.example', ddi: randomDdi(), transport: 'udp' });
    await page.goto(`/registrations/${reg.id}`);
    // not the default any more: the advanced section opens on it
    await expect(page.locator('details.advanced')).toHaveAttribute('open', '');
    await expect(page.getByRole('combobox', { name: g.transport.label, exact: true })).toHaveValue('udp');
    await expect(page.locator('[data-fact="transport"] dd')).toHaveText('UDP');
  });

  test('opens the advanced section when an advanced field is not default', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const reg = await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `adv${uniq()}`,
      domain: 'sip.adv.example',
      ddi: randomDdi(),
      transport: 'tcp',
    });
    await page.goto(`/registrations/${reg.id}`);
    await expect(page.locator('details.advanced')).toHaveAttribute('open', '');
    await expect(page.getByText(registrationNotes.advancedTip)).toBeVisible();
    await expect(page.getByRole('combobox', { name: g.transport.label, exact: true })).toHaveValue('tcp');
    await expect(page.getByText('A password is saved; leave empty to keep it')).toHaveCount(0);

    // a client-side error in a collapsed field is still shown: the section stays open
    await page.getByRole('spinbutton', { name: g.expires.label, exact: true }).fill('5');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByText('Enter whole seconds from 60 to 86400.')).toBeVisible();
  });

  test('deletes a registration after confirmation', async ({ page, request }) => {
    const provider = await apiCreateProvider(request);
    const reg = await apiCreateRegistration(request, {
      ddiProviderId: provider.id,
      username: `del${uniq()}`,
      domain: 'sip.del.example',
      ddi: randomDdi(),
    });
    await page.goto(`/registrations/${reg.id}`);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Delete registration #${reg.id}?` });
    await expect(dialog).toBeVisible();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
    expect((await apiGetRegistration(request, reg.id)).status).toBe(200);

    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete registration' }).click();
    await expect(page).toHaveURL(/\/registrations$/);
    await expect(page.getByRole('status').getByText(`Registration #${reg.id}`)).toBeVisible();
    expect((await apiGetRegistration(request, reg.id)).status).toBe(404);
  });
});
