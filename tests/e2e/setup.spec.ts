// First run in the browser: a portal of its own started without any operator (no ADMIN_EMAIL)
// sends every page to /setup; the form there creates the first admin and signs them in; after
// that, setup is closed and the new admin signs in like anyone else.
import { expect, test } from '@playwright/test';
import { startPortal, type Portal } from '../portal-process';
import { SIGNED_OUT, signInWithForm, uniq } from './helpers';

const ADMIN = { email: `first-${uniq()}@portal.test`, name: 'First Admin', password: `First-admin-${uniq()}` };

let portal: Portal | null = null;
const url = (path: string) => `${portal!.base}${path}`;

test.describe.configure({ mode: 'serial' });
// This file talks to a portal of its own, signed out, with its own Origin.
test.use({ storageState: SIGNED_OUT, extraHTTPHeaders: {} });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  portal = await startPortal({ ADMIN_EMAIL: '', REGISTRAR_ENABLED: '0' });
});

test.afterAll(async () => {
  await portal?.stop();
});

test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus) await info.attach('portal.log', { body: portal?.log() ?? '', contentType: 'text/plain' });
});

test('with no operator every page leads to /setup, which needs the setup token from the server log', async ({ page }) => {
  for (const path of ['/', '/registrations', '/login']) {
    await page.goto(url(path));
    await expect(page).toHaveURL(url('/setup'));
  }
  await expect(page.getByRole('heading', { level: 1, name: 'Set up the portal' })).toBeVisible();
  // without the token (the bare /setup) the server refuses, and says where the token is
  await page.getByRole('textbox', { name: 'E-mail', exact: true }).fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByText('Enter the setup token printed in the server log.')).toBeVisible();
  await page.getByRole('textbox', { name: 'Setup token', exact: true }).fill('not-the-token');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'A valid setup token is required' })).toBeVisible();
  await expect(page).toHaveURL(url('/setup'));
});

test('the setup URL printed in the log fills the token in; the form creates the first admin and signs them in', async ({ page }) => {
  const printed = /http:\/\/[^\s]+\/setup\?token=[A-Za-z0-9_-]+/.exec(portal!.log())?.[0];
  expect(printed, 'the log prints the setup URL').toBeTruthy();
  const token = portal!.setupToken()!;
  await page.goto(url(`/setup?token=${token}`));
  await expect(page.getByRole('textbox', { name: 'Setup token', exact: true })).toHaveValue(token);

  // the repeated password is checked before anything is sent
  await page.getByRole('textbox', { name: 'E-mail', exact: true }).fill(ADMIN.email);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill(ADMIN.name);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password', { exact: true }).fill(`${ADMIN.password}x`);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page.getByText('The two passwords differ.')).toBeVisible();
  await expect(page).toHaveURL(url(`/setup?token=${token}`));

  await page.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await expect(page).toHaveURL(url('/'));
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toContainText(ADMIN.email);
  await expect(nav).toContainText('admin');
  await expect(page.getByRole('heading', { level: 1, name: 'DDI Provider Registrations' })).toBeVisible();
});

test('once set up, /setup redirects to /login and the API refuses a second setup', async ({ page, request }) => {
  const res = await request.get(url('/setup'), { maxRedirects: 0 });
  expect(res.status()).toBe(303);
  expect(res.headers().location).toBe('/login');

  await page.goto(url('/setup'));
  await expect(page).toHaveURL(url('/login'));
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  const again = await request.post(url('/api/auth/setup'), {
    headers: { origin: portal!.base },
    data: { email: `second-${uniq()}@portal.test`, password: 'Second-admin-pass' },
  });
  expect(again.status()).toBe(409);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe('setup_done');
});

test('a second browser context signs in with the credentials chosen at setup', async ({ browser }) => {
  const context = await browser.newContext({ storageState: SIGNED_OUT });
  try {
    const page = await context.newPage();
    await page.goto(url('/'));
    await expect(page).toHaveURL(url('/login?next=%2F'));
    await signInWithForm(page, ADMIN.email, ADMIN.password);
    await expect(page).toHaveURL(url('/'));
    await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(ADMIN.email);
  } finally {
    await context.close();
  }
});
