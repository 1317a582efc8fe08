// Roles in the browser: a viewer sees every page's status and data but no control that changes
// anything (and gets the 403 page for the create/edit pages); an editor gets the edit controls but
// not the operators management; only the admin sees "Operators".
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';
import { registrationGlossary as g } from '../../lib/glossary';
import {
  SIGNED_OUT,
  apiCreateOperator,
  apiCreateProvider,
  apiCreateRegistration,
  expectNoEditControls,
  randomDdi,
  signInWithForm,
  uniq,
  type OperatorCredentials,
  type ProviderJson,
  type RegistrationJson,
} from './helpers';

const TAG = uniq();
let viewer: OperatorCredentials;
let editor: OperatorCredentials;
let provider: ProviderJson;
let registration: RegistrationJson;

test.describe.configure({ mode: 'serial' });

/** A registration's status as shown: a state badge, or the "no status yet" dash (the shared portal runs no registrar). */
const statusIn = (scope: Locator) => scope.locator('.badge, [aria-label="No status yet"]');

// `request` is the test admin's (the project's stored state).
test.beforeAll(async ({ request }) => {
  viewer = await apiCreateOperator(request, 'viewer', `Viewer ${TAG}`);
  editor = await apiCreateOperator(request, 'editor', `Editor ${TAG}`);
  provider = await apiCreateProvider(request, { name: `Roles carrier ${TAG}`, description: `Contract roles ${TAG}`, ddis: [randomDdi()] });
  registration = await apiCreateRegistration(request, {
    ddiProviderId: provider.id,
    username: `roles${TAG}`,
    domain: 'sip.roles.example',
    ddi: randomDdi(),
    password: `Pw-${TAG}`,
  });
});

/** A page of a fresh browser context signed in as `who` through the login form. */
async function signedInPage(browser: Browser, baseURL: string | undefined, who: OperatorCredentials): Promise<Page> {
  const context = await browser.newContext({ baseURL, storageState: SIGNED_OUT });
  const page = await context.newPage();
  await page.goto('/login');
  await signInWithForm(page, who.email, who.password);
  await expect(page).toHaveURL(`${baseURL}/`);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toContainText(who.email);
  await expect(nav).toContainText(who.role);
  return page;
}

test('a viewer sees status and data on every page but no edit control', async ({ browser, baseURL }) => {
  const page = await signedInPage(browser, baseURL, viewer);
  try {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Operators' })).toHaveCount(0);

    // dashboard: the registration's row with its status badge
    await page.getByRole('searchbox', { name: 'Search' }).fill(registration.username);
    const dashRow = page.locator('.live-table tbody tr', { hasText: registration.username });
    await expect(dashRow).toContainText(provider.name);
    await expect(statusIn(dashRow)).toBeVisible();
    await expectNoEditControls(page);

    // providers list
    await page.goto('/providers');
    const providerRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: provider.name, exact: true }) });
    await expect(providerRow).toContainText(`Contract roles ${TAG}`);
    await expectNoEditControls(page);

    // a provider's page, with its registrations
    await page.goto(`/providers/${provider.id}`);
    await expect(page.getByRole('heading', { level: 1, name: provider.name })).toBeVisible();
    await expect(page.getByText(`Contract roles ${TAG}`)).toBeVisible();
    await expect(page.getByRole('link', { name: `#${registration.id}`, exact: true })).toBeVisible();
    await expectNoEditControls(page);

    // registrations list
    await page.goto(`/registrations?q=${registration.username}`);
    const regRow = page.getByRole('row').filter({ has: page.getByRole('link', { name: `#${registration.id}`, exact: true }) });
    await expect(regRow).toContainText(registration.ddi);
    await expect(statusIn(regRow)).toBeVisible();
    await expectNoEditControls(page);

    // the registration's page: status and settings read-only, no form, password never shown
    await page.goto(`/registrations/${registration.id}`);
    await expect(page.getByRole('heading', { level: 1, name: new RegExp(`Registration #${registration.id}\\b`) })).toBeVisible();
    await expect(statusIn(page.locator('[data-fact="state"]'))).toBeVisible();
    await expect(page.getByRole('region', { name: 'Availability' })).toBeVisible();
    const settings = page.getByRole('region', { name: 'Settings' });
    await expect(settings).toContainText(registration.username);
    await expect(settings).toContainText('sip.roles.example');
    await expect(settings).toContainText(registration.ddi);
    await expect(settings.getByRole('textbox')).toHaveCount(0);
    await expect(page.locator('form')).toHaveCount(0);
    expect(await page.locator('body').innerText()).not.toContain(`Pw-${TAG}`);
    await expectNoEditControls(page);

    // the create and edit pages answer with the 403 page
    for (const path of ['/registrations/new', `/registrations/new?ddiProviderId=${provider.id}`, '/providers/new', `/providers/${provider.id}/edit`, '/operators']) {
      const res = await page.goto(path);
      expect(res?.status(), path).toBe(403);
      await expect(page.getByRole('heading', { level: 1, name: 'Not allowed' })).toBeVisible();
    }
  } finally {
    await page.context().close();
  }
});

test('an editor gets the edit controls but not the operators management', async ({ browser, baseURL }) => {
  const page = await signedInPage(browser, baseURL, editor);
  try {
    await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operators' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'New registration' })).toBeVisible();

    await page.goto('/providers');
    await expect(page.getByRole('link', { name: 'New provider' })).toBeVisible();
    await expect(page.getByRole('link', { name: `Edit provider ${provider.name}` })).toBeVisible();
    await expect(page.getByRole('button', { name: `Delete provider ${provider.name}` })).toBeVisible();

    await page.goto(`/registrations/${registration.id}`);
    await expect(page.getByRole('button', { name: 'Register now' })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Delete', exact: true })).toBeVisible();
    await expect(page.getByRole('textbox', { name: g.domain.label, exact: true })).toHaveValue('sip.roles.example');
    await expect(page.getByRole('button', { name: 'Save changes' })).toBeVisible();

    const res = await page.goto('/operators');
    expect(res?.status()).toBe(403);
    await expect(page.getByRole('heading', { level: 1, name: 'Not allowed' })).toBeVisible();
  } finally {
    await page.context().close();
  }
});

test('the admin sees "Operators" in the navigation', async ({ page }) => {
  await page.goto('/');
  const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Operators' });
  await expect(link).toBeVisible();
  await link.click();
  await expect(page).toHaveURL(/\/operators$/);
  await expect(page.getByRole('rowheader', { name: viewer.email, exact: true })).toBeVisible();
});
