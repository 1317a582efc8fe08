import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';

/** Unique suffix so tests never collide in the shared run database. */
export function uniq(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** A random all-digit DDI that is very unlikely to exist yet. */
export function randomDdi(): string {
  return `+349${String(Date.now()).slice(-7)}${Math.floor(Math.random() * 1000)
    .toString()
    .padStart(3, '0')}`;
}

export type ProviderJson = { id: number; name: string; ddis: string[]; registrationCount: number };
export type RegistrationJson = {
  id: number;
  ddiProviderId: number;
  username: string;
  domain: string;
  ddi: string;
  hasPassword: boolean;
  revision: number;
  transport: string;
};

export async function apiCreateProvider(request: APIRequestContext, body: { name?: string; description?: string; ddis?: string[] } = {}) {
  const res = await request.post('/api/ddi-providers', { data: { name: `Carrier ${uniq()}`, ...body } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as ProviderJson;
}

export async function apiCreateRegistration(request: APIRequestContext, body: Record<string, unknown>) {
  const res = await request.post('/api/registrations', { data: body });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as RegistrationJson;
}

export async function apiGetRegistration(request: APIRequestContext, id: number) {
  const res = await request.get(`/api/registrations/${id}`);
  return { status: res.status(), body: res.ok() ? ((await res.json()) as RegistrationJson) : null };
}

/** Presses Tab until `target` has focus (keyboard only); fails if it is not reachable. */
export async function tabTo(page: Page, target: Locator, max = 60): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('The element could not be reached with the Tab key');
}

/** A signed-out browser state, for a context that signs in through the login form itself. */
export const SIGNED_OUT = { cookies: [], origins: [] };

/** Accessible names of the controls that change something; a viewer must see none of them. */
export const EDIT_CONTROL =
  /^(New (provider|registration)|Import$|Edit\b|Delete\b|Add registration|Register now|Reset backoff|Unregister$|Enable$|Disable$|Test registration|Save changes|Create (provider|registration)|Generate a unique value)/;

/**
 * Asserts that `page` offers no edit control: no such link or button, and no link to a create or
 * edit page. Call it once the page's data is on screen, so a late render cannot slip past.
 */
export async function expectNoEditControls(page: Page): Promise<void> {
  await expect(page.getByRole('button', { name: EDIT_CONTROL })).toHaveCount(0);
  await expect(page.getByRole('link', { name: EDIT_CONTROL })).toHaveCount(0);
  await expect(page.locator('a[href$="/new"], a[href*="/new?"], a[href$="/edit"]')).toHaveCount(0);
}

export type OperatorCredentials = { id: number; email: string; password: string; role: 'admin' | 'editor' | 'viewer' };

/** Creates an operator through the API (`request` must be an admin's) with a fresh e-mail and password. */
export async function apiCreateOperator(request: APIRequestContext, role: OperatorCredentials['role'], name = ''): Promise<OperatorCredentials> {
  const email = `${role}-${uniq()}@portal.test`;
  const password = `Pw-${role}-${uniq()}`;
  const res = await request.post('/api/operators', { data: { email, name, role, password } });
  expect(res.status(), await res.text()).toBe(201);
  const { id } = (await res.json()) as { id: number };
  return { id, email, password, role };
}

/** Signs in through the login form on `page` (already on /login) and waits to leave the page. */
export async function signInWithForm(page: Page, email: string, password: string): Promise<void> {
  await page.getByRole('textbox', { name: 'E-mail', exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
}
