// Rough edges a new user hits (issue 15 item 3): each test shows one of them fixed.
import { expect, test, type Page } from '@playwright/test';
import { outcomeHint } from '../../lib/client/outcome-hints';
import { registrationGlossary as g } from '../../lib/glossary';
import { startPortal, type Portal } from '../portal-process';
import { withE2eDb, writeStatusRow } from './database';
import { apiCreateProvider, apiCreateRegistration, randomDdi, uniq } from './helpers';

/** Writes a status as the engine would (the registrar is off in this portal). */
async function writeStatus(registrationId: number, state: string, code: number | null, reason: string) {
  await withE2eDb((db) => writeStatusRow(db, registrationId, { state, code, reason, at: Date.now(), attempts: 1 }));
}

/** Responses of `page` with status 404, collected while `run` runs. */
async function notFoundDuring(page: Page, run: () => Promise<void>): Promise<string[]> {
  const missing: string[] = [];
  const onResponse = (r: { status(): number; url(): string }) => {
    if (r.status() === 404) missing.push(r.url());
  };
  page.on('response', onResponse);
  try {
    await run();
  } finally {
    page.off('response', onResponse);
  }
  return missing;
}

test('every page has an icon: no 404 for the favicon', async ({ page }) => {
  const missing = await notFoundDuring(page, async () => {
    await page.goto('/providers');
    await page.waitForLoadState('networkidle');
  });
  expect(missing).toEqual([]);
  const href = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect(href).toMatch(/^\/icon\.svg/);
  const icon = await page.request.get(href!);
  expect(icon.status()).toBe(200);
  expect(icon.headers()['content-type']).toContain('image/svg+xml');
});

test('a refused registration says what to check next to its SIP code or local cause', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const reg = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `hint${uniq()}`, domain: 'sip.hint.example', ddi: randomDdi() });
  const response = page.locator('[data-fact="response"] dd');

  await writeStatus(reg.id, 'rejected', 401, 'Unauthorized');
  await page.goto(`/registrations/${reg.id}`);
  await expect(response).toContainText('401 Unauthorized');
  await expect(response.locator('.outcome-hint')).toHaveText(outcomeHint(401, 'Unauthorized')!);
  await expect(response.locator('.outcome-hint')).toContainText('Check the user');

  await writeStatus(reg.id, 'retrying', null, 'timeout');
  await page.reload();
  await expect(response).toContainText('timeout');
  await expect(response.locator('.outcome-hint')).toContainText('check the domain (or register server URI), its port');

  await writeStatus(reg.id, 'registering', null, 'binding-lost');
  await page.reload();
  await expect(response.locator('.outcome-hint')).toContainText('dropped our registration');
});

test.describe('an empty portal', () => {
  // a portal of its own (an empty database), with its own admin session and Origin
  test.use({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: {} });
  let portal: Portal | null = null;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    portal = await startPortal({ REGISTRAR_ENABLED: '0' });
  });
  test.afterAll(async () => {
    await portal?.stop();
  });

  test('the dashboard without registrations says what to do first, not "No registrations match."', async ({ page }) => {
    await page.context().addCookies([{ name: 'ddr_session', value: portal!.adminSession!, domain: '127.0.0.1', path: '/' }]);
    await page.goto(`${portal!.base}/`);
    const firstRun = page.getByRole('region', { name: 'No registrations yet' });
    await expect(firstRun).toBeVisible();
    await expect(page.getByText('No registrations match.')).toBeHidden();
    await expect(page.getByRole('heading', { name: 'All registrations' })).toBeHidden();
    await expect(firstRun.getByRole('link', { name: 'import registrations from a CSV file' })).toHaveAttribute('href', '/registrations/import');
    await firstRun.getByRole('link', { name: 'Add a DDI provider' }).click();
    await expect(page).toHaveURL(/\/providers\/new$/);

    // with a provider, the first step says so and the next one leads on
    const res = await page.request.post(`${portal!.base}/api/ddi-providers`, { data: { name: `First ${uniq()}` }, headers: portal!.adminHeaders() });
    expect(res.status()).toBe(201);
    await page.goto(`${portal!.base}/`);
    await expect(firstRun.getByRole('link', { name: '1 DDI provider' })).toBeVisible();
    await firstRun.getByRole('link', { name: 'Add a registration' }).click();
    await expect(page).toHaveURL(/\/registrations\/new$/);
  });
});

test('passing over the untouched provider select does not scold; the submit and a change do', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  await page.goto('/registrations/new');
  const select = page.getByRole('combobox', { name: g.ddiProviderId.label, exact: true });
  await expect(select.locator('option', { hasText: provider.name })).toHaveCount(1);
  const message = page.getByText('Choose a DDI provider.', { exact: true });
  await select.focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: `Help: ${g.username.label}` })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('textbox', { name: g.username.label, exact: true })).toBeFocused();
  await page.keyboard.type('passing');
  await page.keyboard.press('Tab');
  // the username's own blur is checked (it passed): the form did validate on blur, the select was left alone
  await expect(message).toHaveCount(0);
  await expect(select).toHaveAttribute('aria-invalid', 'false');

  await page.getByRole('button', { name: 'Create registration' }).click();
  await expect(message).toBeVisible();
  await expect(select).toHaveAttribute('aria-invalid', 'true');
  await select.selectOption(String(provider.id));
  await expect(message).toHaveCount(0);
  // changed back to nothing: said at once
  await select.selectOption('');
  await expect(message).toBeVisible();
});

test('a field help opened from the keyboard does not cover the input being filled', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  await page.goto(`/registrations/new?ddiProviderId=${provider.id}`);
  for (const key of ['username', 'domain', 'password', 'ddi'] as const) {
    const button = page.getByRole('button', { name: `Help: ${g[key].label}`, exact: true });
    const input = page.getByLabel(g[key].label, { exact: true });
    await button.focus();
    const popover = page.getByRole('tooltip').filter({ hasText: g[key].help });
    await expect(popover).toBeVisible();
    const [tip, field] = [(await popover.boundingBox())!, (await input.boundingBox())!];
    // the whole tip is inside the window and above the input
    expect(tip.y, key).toBeGreaterThanOrEqual(0);
    expect(tip.y + tip.height, key).toBeLessThanOrEqual(field.y);
    // the input still takes a click where the tip would have been
    await input.click({ position: { x: 10, y: field.height / 2 } });
    await expect(input).toBeFocused();
    await expect(popover).toBeHidden();
  }
});

test('providers can be searched and sorted by name or registrations; the action cell stays a table cell', async ({ page, request }) => {
  const tag = uniq();
  const zeta = await apiCreateProvider(request, { name: `Zeta ${tag}` });
  const alpha = await apiCreateProvider(request, { name: `alpha ${tag}`, description: `contract ${tag}` });
  const mid = await apiCreateProvider(request, { name: `Mid ${tag}` });
  for (const [provider, n] of [
    [alpha, 2],
    [mid, 1],
  ] as const) {
    for (let i = 0; i < n; i++) {
      await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `ps${i}${uniq()}`, domain: 'sip.sort.example', ddi: `${randomDdi()}${i}` });
    }
  }
  await page.goto('/providers');
  const search = page.getByRole('searchbox', { name: 'Search' });
  await search.fill(tag);
  const names = page.locator('tbody th[scope="row"]');
  await expect(names).toHaveText([`alpha ${tag}`, `Mid ${tag}`, `Zeta ${tag}`]);
  await expect(page.getByText('3 providers of', { exact: false })).toBeVisible();
  const nameHeader = page.getByRole('columnheader', { name: 'Name' });
  await expect(nameHeader).toHaveAttribute('aria-sort', 'ascending');
  await nameHeader.getByRole('button').click();
  await expect(names).toHaveText([`Zeta ${tag}`, `Mid ${tag}`, `alpha ${tag}`]);
  await expect(nameHeader).toHaveAttribute('aria-sort', 'descending');

  const regsHeader = page.getByRole('columnheader', { name: 'Registrations' });
  await regsHeader.getByRole('button').click();
  await expect(regsHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(names).toHaveText([`alpha ${tag}`, `Mid ${tag}`, `Zeta ${tag}`]);
  await regsHeader.getByRole('button').click();
  await expect(names).toHaveText([`Zeta ${tag}`, `Mid ${tag}`, `alpha ${tag}`]);
  await expect(nameHeader).not.toHaveAttribute('aria-sort', /.*/);

  // the description and the DDIs are searched too
  await search.fill(`contract ${tag}`);
  await expect(names).toHaveText([`alpha ${tag}`]);
  await search.fill(`nothing-${tag}`);
  await expect(page.getByText('No providers match.')).toBeVisible();
  await search.fill(tag);

  // the actions cell is a table cell (its row's borders are not broken)
  const actions = page.getByRole('row').filter({ hasText: `Zeta ${tag}` }).getByRole('cell').last();
  await expect(actions.getByRole('link', { name: `Edit provider Zeta ${tag}` })).toBeVisible();
  expect(await actions.evaluate((td) => getComputedStyle(td).display)).toBe('table-cell');
  expect(zeta.id).toBeGreaterThan(0);

  // the other tables with actions in their rows too
  await page.goto('/operators');
  const operatorActions = page.locator('td.row-actions').first();
  await expect(operatorActions.getByRole('button').first()).toBeVisible();
  expect(await operatorActions.evaluate((td) => getComputedStyle(td).display)).toBe('table-cell');
});

test('the registration page: History has inner padding, the settings form is as wide as the status card', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const reg = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `lay${uniq()}`, domain: 'sip.layout.example', ddi: randomDdi() });
  await page.goto(`/registrations/${reg.id}`);
  const history = page.locator('section[aria-labelledby="history-title"]');
  await expect(history).toBeVisible();
  const padding = await history.evaluate((el) => parseFloat(getComputedStyle(el).paddingLeft));
  expect(padding).toBeGreaterThanOrEqual(12);
  const status = (await page.locator('.status-card').boundingBox())!;
  const form = (await page.locator('section[aria-labelledby="settings-title"] form').boundingBox())!;
  expect(Math.abs(form.width - status.width)).toBeLessThanOrEqual(2);
});
