// HTML stored in free-text fields is shown as text everywhere: the markup is visible literally,
// no element is made from it and no script runs. The CSP would block inline handlers anyway, so
// the proof is in the DOM (no element carries the injected src or handler) as well as in
// `window.__xss`, dialogs and CSP reports (none: nothing even tried to run).
import { expect, test, type Page } from '@playwright/test';
import { ddiProviderGlossary as pg, registrationGlossary as g } from '../../lib/glossary';
import { withE2eDb, writeEventRow, writeStatusRow } from './database';
import { apiCreateOperator, apiCreateProvider, apiCreateRegistration, randomDdi, uniq, type ProviderJson, type RegistrationJson } from './helpers';

const TAG = uniq();
const NAME = `<img src=x onerror="window.__xss=1"> ${TAG}`;
const DESCRIPTION = '<script>window.__xss=1</script>';
/** Realm takes no quotes, so this one has none. */
const REALM = '<img src=x onerror=alert(1)>';
const OPERATOR_NAME = '<svg onload=alert(1)>';

let provider: ProviderJson;
let registration: RegistrationJson;

test.beforeAll(async ({ request }) => {
  provider = await apiCreateProvider(request, { name: NAME, description: DESCRIPTION });
  registration = await apiCreateRegistration(request, { ddiProviderId: provider.id, username: `html${TAG}`, domain: 'sip.html.example', ddi: randomDdi(), realm: REALM });
  await apiCreateOperator(request, 'viewer', OPERATOR_NAME);
});

/** Fails the test on any dialog or CSP violation the page produces, from now on. */
function watch(page: Page): { dialogs: string[]; cspViolations: string[] } {
  const seen = { dialogs: [] as string[], cspViolations: [] as string[] };
  page.on('dialog', (d) => {
    seen.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.cspViolations.push(m.text());
  });
  return seen;
}

/** Nothing on the page was built from the stored markup, and nothing of it ran. */
async function expectInert(page: Page): Promise<void> {
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator('[onerror], [onload]')).toHaveCount(0);
  // (the page's own data scripts carry the text inside JSON strings, so only a whole-script match counts)
  await expect(page.locator('script').filter({ hasText: /^window\.__xss=1$/ })).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
}

test('stored HTML is shown as text on every page and never runs', async ({ page }) => {
  const seen = watch(page);

  await page.goto('/providers');
  const providerRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: NAME, exact: true }) });
  await expect(providerRow).toContainText(DESCRIPTION);
  await expectInert(page);

  await page.goto(`/providers/${provider.id}`);
  await expect(page.getByRole('heading', { level: 1, name: NAME })).toBeVisible();
  await expect(page.getByText(DESCRIPTION, { exact: true })).toBeVisible();
  await expectInert(page);

  await page.goto(`/registrations?q=${registration.username}`);
  const regRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${registration.id}`, exact: true }) });
  await expect(regRow.getByRole('link', { name: NAME, exact: true })).toBeVisible();
  await expectInert(page);

  await page.goto(`/registrations/${registration.id}`);
  await expect(page.getByRole('combobox', { name: g.ddiProviderId.label, exact: true }).locator('option:checked')).toHaveText(NAME);
  await expect(page.getByRole('textbox', { name: g.realm.label, exact: true })).toHaveValue(REALM);
  await expect(page.getByRole('region', { name: 'History' })).toContainText(`${g.realm.label}: — → ${REALM}`);
  await expectInert(page);

  await page.goto('/');
  await page.getByRole('searchbox', { name: 'Search' }).fill(registration.username);
  await expect(page.locator('.live-table tbody tr', { hasText: registration.username })).toContainText(NAME);
  await expectInert(page);

  // the audit log: the provider's name as the entity, its description and the realm among the changes
  await page.goto('/audit');
  const entries = page.getByRole('table', { name: 'Audit log, newest first' });
  await expect(entries.getByRole('link', { name: NAME, exact: true }).first()).toBeVisible();
  await expect(entries).toContainText(`${pg.description.label}: — → ${DESCRIPTION}`);
  await expect(entries).toContainText(`${g.realm.label}: — → ${REALM}`);
  await expect(entries).toContainText(OPERATOR_NAME);
  await expectInert(page);

  await page.goto('/operators');
  await expect(page.getByText(OPERATOR_NAME, { exact: true })).toBeVisible();
  await expectInert(page);

  expect(seen.dialogs).toEqual([]);
  expect(seen.cspViolations).toEqual([]);
});

test('a reason phrase with U+202E, ESC and BEL is shown with them escaped, on the dashboard and the registration page', async ({ page }) => {
  // The registrar is off in this portal: the status and its timeline entry are written as the engine would.
  const reason = 'Forbidden \u202Egnp.exe\u001b[31m\u0007';
  const now = Date.now();
  await withE2eDb(async (db) => {
    await writeStatusRow(db, registration.id, { state: 'rejected', code: 403, reason, at: now, attempts: 1 });
    await writeEventRow(db, registration.id, { state: 'rejected', code: 403, reason, at: now });
  });
  const shown = '403 Forbidden \\u{202E}gnp.exe\\u{001B}[31m\\u{0007}';
  for (const path of ['/', `/registrations/${registration.id}`]) {
    await page.goto(path);
    await expect(page.getByText(shown).first()).toBeVisible();
    const text = await page.locator('main').innerText();
    expect(text, path).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
  }
  // the API keeps the raw bytes
  const res = await page.request.get(`/api/registrations/${registration.id}`);
  expect(((await res.json()) as { status: { reason: string } }).status.reason).toBe(reason);
});
