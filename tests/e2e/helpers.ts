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
