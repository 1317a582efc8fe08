// Sign-in and sign-out in the browser, starting signed out: the redirect to /login with `next`,
// the one refusal message for any wrong credential, `next` kept to this site, and a sign-out that
// revokes the session on the server (the old cookie is useless afterwards).
import { expect, test } from '@playwright/test';
import { TEST_ADMIN } from '../test-admin';
import { SIGNED_OUT, signInWithForm, uniq } from './helpers';

/** The server's answer to any wrong e-mail or password (lib/auth/login.ts WRONG_CREDENTIALS). */
const WRONG_CREDENTIALS = 'E-mail or password is incorrect.';

test.use({ storageState: SIGNED_OUT });

test('a signed-out visit goes to /login; wrong credentials get one generic message; signing in returns to the page', async ({ page }) => {
  await page.goto('/registrations');
  await expect(page).toHaveURL(/\/login\?next=%2Fregistrations$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  // no navigation for a signed-out visitor
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

  const email = page.getByRole('textbox', { name: 'E-mail', exact: true });
  const password = page.getByLabel('Password', { exact: true });
  const submit = page.getByRole('button', { name: 'Sign in', exact: true });
  // the form's own alert region (Next's route announcer is an alert too)
  const alert = page.locator('form').getByRole('alert');
  const attempt = async () => {
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/auth/login')), submit.click()]);
    expect(res.status()).toBe(401);
    return ((await res.json()) as { error: { code: string; message: string; fields?: unknown } }).error;
  };

  // a known e-mail with a wrong password…
  await email.fill(TEST_ADMIN.email);
  await password.fill(`${TEST_ADMIN.password}-wrong`);
  const wrongPassword = await attempt();
  expect(wrongPassword).toMatchObject({ code: 'invalid_credentials', message: WRONG_CREDENTIALS });
  expect(wrongPassword.fields).toBeUndefined();
  await expect(alert).toHaveText(WRONG_CREDENTIALS);

  // …and an unknown e-mail get the very same answer, naming neither field
  await email.fill(`nobody-${uniq()}@portal.test`);
  await password.fill(TEST_ADMIN.password);
  expect(await attempt()).toEqual(wrongPassword);
  await expect(alert).toHaveText(WRONG_CREDENTIALS);
  await expect(email).not.toHaveAttribute('aria-invalid', 'true');
  await expect(password).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/login\?next=%2Fregistrations$/);

  await email.fill(TEST_ADMIN.email);
  await password.fill(TEST_ADMIN.password);
  await submit.click();
  await expect(page).toHaveURL(/\/registrations$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Registrations' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText(TEST_ADMIN.email);
});

test('a `next` pointing to another site is ignored: signing in lands on the dashboard', async ({ page, baseURL }) => {
  await page.goto('/login?next=//evil.example/steal');
  await signInWithForm(page, TEST_ADMIN.email, TEST_ADMIN.password);
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'DDI Provider Registrations' })).toBeVisible();
});

test('Sign out returns to /login and revokes the session on the server', async ({ page, context, request }) => {
  await page.goto('/login');
  await signInWithForm(page, TEST_ADMIN.email, TEST_ADMIN.password);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav).toContainText(TEST_ADMIN.email);
  const session = (await context.cookies()).find((c) => c.name === 'ddr_session');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Lax');
  const oldCookie = { cookie: `ddr_session=${session!.value}` };
  expect((await request.get('/api/auth/me', { headers: oldCookie })).status()).toBe(200);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();

  // the browser is signed out…
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  // …and the old cookie, replayed, no longer opens anything
  expect((await request.get('/api/auth/me', { headers: oldCookie })).status()).toBe(401);
  expect((await request.get('/api/registrations', { headers: oldCookie })).status()).toBe(401);
  await context.addCookies([{ ...session!, expires: -1 }]);
  await page.goto('/registrations');
  await expect(page).toHaveURL(/\/login\?next=%2Fregistrations$/);
});
