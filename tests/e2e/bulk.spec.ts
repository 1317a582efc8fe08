import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { apiCreateProvider, apiCreateRegistration, apiGetRegistration, uniq, type RegistrationJson } from './helpers';

/** `n` registrations of provider `providerId`, usernames `<tag>00`…, in id order. */
async function seed(request: APIRequestContext, providerId: number, tag: string, n: number): Promise<RegistrationJson[]> {
  const base = `+3470${String(Date.now()).slice(-6)}`;
  const out: RegistrationJson[] = [];
  for (let i = 0; i < n; i++) {
    out.push(await apiCreateRegistration(request, { ddiProviderId: providerId, username: `${tag}${String(i).padStart(2, '0')}`, domain: 'sip.bulk.example', ddi: `${base}${String(i).padStart(2, '0')}` }));
  }
  return out;
}

async function openFiltered(page: Page, tag: string, pageSize = '25') {
  await page.goto('/registrations');
  await page.getByRole('combobox', { name: 'Per page' }).selectOption(pageSize);
  await page.getByRole('searchbox', { name: 'Search' }).fill(tag);
  // The search applies after its debounce (the address bar then carries it), and clears the
  // selection: wait for it, or a box ticked before it is unticked (in a database holding only these
  // rows, "Showing 1–5 of 5" already reads true before the search applies).
  await expect(page).toHaveURL(new RegExp(`[?&]q=${tag}(&|$)`));
}

test('select 3 rows → disable: the confirmation names 3, the rows read disabled, one audit entry each', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const tag = `b${uniq()}`;
  const regs = await seed(request, provider.id, tag, 5);
  await openFiltered(page, tag);
  await expect(page.getByText('Showing 1–5 of 5 registrations')).toBeVisible();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  for (const [i, r] of regs.slice(0, 3).entries()) {
    await page.getByRole('checkbox', { name: `Select registration #${r.id}` }).check();
    await expect(bar).toContainText(`${i + 1} registration${i ? 's' : ''} selected`);
  }
  await bar.getByRole('button', { name: 'Disable', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Disable 3 registrations?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Disable 3 registrations' }).click();
  await expect(page.getByRole('status').getByText('3 registrations disabled.')).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(bar).toBeHidden();
  for (const [i, r] of regs.entries()) {
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${r.id}`, exact: true }) });
    await expect(row.getByRole('cell').nth(8) /* after the Node column */).toHaveText(i < 3 ? 'No' : 'Yes');
    expect((await apiGetRegistration(request, r.id)).body).toMatchObject({ enabled: i >= 3 });
  }
  const audit = await request.get(`/api/registrations/${regs[0]!.id}/audit`);
  const entries = ((await audit.json()) as { items: { action: string }[] }).items;
  expect(entries.map((e) => e.action)).toEqual(['disable', 'create']);
});

test('select all matching the filter (more than one page) → disable all of them, with progress', async ({ page, request }) => {
  const provider = await apiCreateProvider(request);
  const tag = `a${uniq()}`;
  const regs = await seed(request, provider.id, tag, 30);
  const outsider = (await seed(request, provider.id, `z${uniq()}`, 1))[0]!;
  await openFiltered(page, tag);
  await expect(page.getByText('Showing 1–25 of 30 registrations')).toBeVisible();
  await page.getByRole('checkbox', { name: 'Select all registrations on this page' }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar).toContainText('25 registrations selected');
  await bar.getByRole('button', { name: 'Select all 30 registrations matching the filter' }).click();
  await expect(bar).toContainText('All 30 registrations matching the filter selected');
  await bar.getByRole('button', { name: 'Disable', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Disable 30 registrations?' });
  // Hold the first request until the progress bar has been seen.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/registrations/bulk', async (route) => {
    await held;
    await route.continue();
  });
  await dialog.getByRole('button', { name: 'Disable 30 registrations' }).click();
  await expect(dialog.getByRole('progressbar')).toBeVisible();
  await expect(dialog).toContainText('0 of 30');
  await expect(dialog.getByRole('button', { name: 'Disabling…' })).toBeDisabled();
  release();
  await expect(page.getByRole('status').getByText('30 registrations disabled.')).toBeVisible();
  for (const r of [regs[0]!, regs[24]!, regs[29]!]) expect((await apiGetRegistration(request, r.id)).body).toMatchObject({ enabled: false });
  expect((await apiGetRegistration(request, outsider.id)).body).toMatchObject({ enabled: true });

  // changing the filter clears the selection
  await page.getByRole('checkbox', { name: `Select registration #${regs[0]!.id}` }).check();
  await expect(bar).toContainText('1 registration selected');
  await page.getByRole('searchbox', { name: 'Search' }).fill(`${tag}0`);
  await expect(bar).toBeHidden();
});

test('move selected registrations to another provider', async ({ page, request }) => {
  const from = await apiCreateProvider(request);
  const to = await apiCreateProvider(request, { name: `Target ${uniq()}` });
  const tag = `m${uniq()}`;
  const regs = await seed(request, from.id, tag, 3);
  await openFiltered(page, tag);
  await expect(page.getByText('Showing 1–3 of 3 registrations')).toBeVisible();
  for (const r of regs.slice(1)) await page.getByRole('checkbox', { name: `Select registration #${r.id}` }).check();
  const bar = page.getByRole('region', { name: 'Bulk actions' });
  await expect(bar.getByRole('button', { name: 'Move', exact: true })).toBeDisabled();
  await bar.getByRole('combobox', { name: 'Move to' }).selectOption({ label: to.name });
  await bar.getByRole('button', { name: 'Move', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Move 2 registrations to ${to.name}?` });
  await dialog.getByRole('button', { name: 'Move 2 registrations' }).click();
  await expect(page.getByRole('status').getByText(`2 registrations moved to ${to.name}.`)).toBeVisible();
  expect((await apiGetRegistration(request, regs[0]!.id)).body?.ddiProviderId).toBe(from.id);
  for (const r of regs.slice(1)) expect((await apiGetRegistration(request, r.id)).body?.ddiProviderId).toBe(to.id);
  await expect(page.getByRole('row').filter({ hasText: `${tag}02` }).getByRole('link', { name: to.name })).toBeVisible();
});
