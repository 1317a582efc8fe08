// Live status end to end: the REAL registrar engine (inside a portal server of its own) against a
// REAL Kamailio (tests/sip/harness.ts). Every assertion is on screen, without reloading the page.
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { startPortal, type Portal } from '../portal-process';
import { startKamailio, type KamailioHandle } from '../sip/harness';
import { registrationGlossary as g } from '../../lib/glossary';
import { randomDdi, uniq } from './helpers';

const TAG = uniq();
/** A distinctive password, so its absence from the page proves the redaction. */
const PASSWORD = `Pw-${TAG}-Zx9`;
const USERS = {
  fresh: `fresh${TAG}`,
  wrong: `wrong${TAG}`,
  actions: `act${TAG}`,
  down: `down${TAG}`,
  test: `test${TAG}`,
  dash: `dash${TAG}`,
  steady: `steady${TAG}`,
};

let kamailio: KamailioHandle;
let portal: Portal | null = null;
let providerId = 0;

const url = (path: string) => `${portal!.base}${path}`;

test.describe.configure({ mode: 'serial' });
// This file talks to a portal of its own: its admin session, not the shared one, and its own Origin.
test.use({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: {} });

test.beforeEach(async ({ context }) => {
  await context.addCookies([{ name: 'ddr_session', value: portal!.adminSession!, domain: '127.0.0.1', path: '/' }]);
});

test.beforeAll(async () => {
  test.setTimeout(120_000);
  kamailio = await startKamailio({ password: 'secret', users: Object.fromEntries(Object.values(USERS).map((u) => [u, PASSWORD])) });
  portal = await startPortal({
    REGISTRAR_ENABLED: '1',
    SIP_BIND: '127.0.0.1:0',
    SIP_PUBLIC_HOST: '127.0.0.1',
    REGISTRAR_STARTUP_SPREAD_MS: '0',
  });
  const res = await fetch(url('/api/ddi-providers'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...portal!.adminHeaders() },
    body: JSON.stringify({ name: `Live carrier ${TAG}` }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  providerId = ((await res.json()) as { id: number }).id;
});

test.afterAll(async () => {
  await portal?.stop();
  await kamailio?.stop();
});

test.afterEach(async ({}, info) => {
  if (info.status !== info.expectedStatus) await info.attach('portal.log', { body: portal?.log() ?? '', contentType: 'text/plain' });
});

async function createViaApi(request: APIRequestContext, username: string, extra: Record<string, unknown> = {}) {
  const res = await request.post(url('/api/registrations'), {
    headers: portal!.adminHeaders(),
    data: {
      ddiProviderId: providerId,
      username,
      domain: `127.0.0.1:${kamailio.udpPort}`,
      ddi: randomDdi(),
      password: PASSWORD,
      ...extra,
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as { id: number; username: string; domain: string; ddi: string };
}

const stateFact = (page: Page) => page.locator('[data-fact="state"]');
const responseFact = (page: Page) => page.locator('[data-fact="response"] dd');

test('a newly saved registration turns registered on screen without reload', async ({ page }) => {
  const started = Date.now();
  await page.goto(url(`/registrations/new?ddiProviderId=${providerId}`));
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await page.getByRole('textbox', { name: g.username.label, exact: true }).fill(USERS.fresh);
  await page.getByRole('textbox', { name: g.domain.label, exact: true }).fill(`127.0.0.1:${kamailio.udpPort}`);
  await page.getByLabel(g.password.label, { exact: true }).fill(PASSWORD);
  await page.getByLabel(g.ddi.label, { exact: true }).fill(randomDdi());
  await page.getByRole('button', { name: 'Create registration' }).click();
  await expect(page).toHaveURL(/\/registrations$/);

  // the list (loaded once after saving) flips to registered by the pushed events
  await page.getByRole('searchbox', { name: 'Search' }).fill(USERS.fresh);
  const row = page.locator('table tbody tr', { hasText: USERS.fresh });
  await expect(row.locator('.badge')).toHaveText('registered', { timeout: 15_000 });
  test.info().annotations.push({ type: 'timing', description: `save → registered on screen: ${Date.now() - started} ms` });

  // the dashboard shows it registered, with the counts
  await page.getByRole('link', { name: 'Dashboard' }).click();
  // on the dashboard before typing: a search typed while the list is still shown would go to the list
  await expect(page).toHaveURL(/\/$/);
  const dashRow = page.locator('.live-table tbody tr', { hasText: USERS.fresh });
  await page.getByRole('searchbox', { name: 'Search' }).fill(USERS.fresh);
  await expect(dashRow.locator('.badge')).toHaveText('registered');
  await expect(page.locator('[data-group="registered"] .stat-value')).not.toHaveText('0');

  // the detail page: the ladder with the 401 challenge and the 200, and no secret in it
  await dashRow.getByRole('link').first().click();
  await expect(stateFact(page).locator('.badge')).toHaveText('registered');
  await expect(responseFact(page)).toContainText('200 OK');
  await expect(page.locator('[data-fact="target"]')).toContainText(`127.0.0.1:${kamailio.udpPort}`);
  const ladder = page.locator('.ladder');
  await expect(ladder).toContainText('SIP/2.0 401');
  await expect(ladder).toContainText('SIP/2.0 200');
  await expect(ladder.locator('[data-direction="out"]').first()).toContainText('REGISTER sip:');
  // expand every message
  for (const summary of await ladder.locator('summary').all()) await summary.click();
  const text = await ladder.innerText();
  expect(text).toContain('WWW-Authenticate');
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toMatch(/response="(?!<redacted>)/);
  expect(await page.locator('body').innerText()).not.toContain(PASSWORD);
  // the timeline has the transitions
  await expect(page.locator('table.timeline')).toContainText('registered');
});

test('a refresh in place is not pushed, yet the countdowns and the SIP messages keep up', async ({ page, request }) => {
  test.setTimeout(120_000);
  const reg = await createViaApi(request, USERS.steady, { expires: 60 });
  const status = async () => (await (await request.get(url(`/api/registrations/${reg.id}`), { headers: portal!.adminHeaders() })).json()).status;
  await page.goto(url('/'));
  await page.getByRole('searchbox', { name: 'Search' }).fill(USERS.steady);
  const row = page.locator('.live-table tbody tr', { hasText: USERS.steady });
  await expect(row.locator('.badge')).toHaveText('registered', { timeout: 15_000 });
  await expect.poll(async () => (await status())?.state, { timeout: 15_000 }).toBe('registered');
  const first = await status();
  // the first refresh comes before the first expiry (at most 60 s after registering) …
  await expect.poll(async () => (await status()).lastSuccessAt, { timeout: 70_000, intervals: [2_000] }).toBeGreaterThan(first.lastSuccessAt);
  // … and nothing was pushed for it: past the first expiry, the open dashboard still counts down
  await page.waitForTimeout(Math.max(0, new Date(first.expiresAt).getTime() + 1_000 - Date.now()));
  await expect(row.locator('.badge')).toHaveText('registered');
  await expect(row.locator('td').last()).toHaveText(/^in \d+ s$/);
  const events = (await (await request.get(url(`/api/registrations/${reg.id}/events`), { headers: portal!.adminHeaders() })).json()).items;
  expect(events.map((e: { state: string }) => e.state)).toEqual(['registered', 'registering', 'pending']); // no registered → registered

  // the detail page: countdowns ahead, and the refresh's messages (kept in the engine's memory) in its ladder
  await row.getByRole('link').first().click();
  await expect(stateFact(page).locator('.badge')).toHaveText('registered');
  await expect(page.locator('[data-fact="expires-at"] dd')).toContainText(/\(in \d+ s\)/);
  await expect(page.locator('[data-fact="next-attempt"] dd')).toContainText(/\(in \d+ s\)/);
  await expect.poll(() => page.locator('.ladder > li').count(), { timeout: 10_000 }).toBeGreaterThan(4);
});

test('a wrong password shows rejected with 401/403 and its reason', async ({ page, request }) => {
  const reg = await createViaApi(request, USERS.wrong, { password: 'not-the-password' });
  await page.goto(url(`/registrations/${reg.id}`));
  await expect(stateFact(page).locator('.badge')).toHaveText('rejected', { timeout: 15_000 });
  await expect(responseFact(page)).toHaveText(/^40[13] \S+/);
  // and it is listed first among the problems on the dashboard
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const problem = page.locator('.problems-table tbody tr', { hasText: USERS.wrong });
  await expect(problem.locator('.badge')).toHaveText('rejected');
  await expect(problem).toContainText(/40[13] /);
  await expect(problem).toContainText(/for \d+ s/);
  await expect(page.locator('body')).not.toContainText('not-the-password');
});

test('"Register now" and "Disable" take effect on screen', async ({ page, request }) => {
  const reg = await createViaApi(request, USERS.actions);
  await page.goto(url(`/registrations/${reg.id}`));
  await expect(stateFact(page).locator('.badge')).toHaveText('registered', { timeout: 15_000 });
  const ladder = page.locator('.ladder > li');
  await expect(ladder).not.toHaveCount(0);
  const before = await ladder.count();
  const bindingsBefore = await kamailio.lookupBindings(`${USERS.actions}@127.0.0.1`);
  expect(bindingsBefore.length).toBe(1);

  await page.getByRole('button', { name: 'Register now' }).click();
  await expect(page.getByText('REGISTER queued.')).toBeVisible();
  // a new REGISTER/200 exchange shows up in the ladder, and the state is registered again
  await expect.poll(() => ladder.count(), { timeout: 10_000 }).toBeGreaterThan(before);
  await expect(stateFact(page).locator('.badge')).toHaveText('registered');

  await page.getByRole('button', { name: 'Disable', exact: true }).click();
  await expect(stateFact(page).locator('.badge')).toHaveText('disabled', { timeout: 10_000 });
  await expect(page.getByRole('button', { name: 'Enable', exact: true })).toBeVisible();
  await expect.poll(async () => (await kamailio.lookupBindings(`${USERS.actions}@127.0.0.1`)).length, { timeout: 10_000 }).toBe(0);

  await page.getByRole('button', { name: 'Enable', exact: true }).click();
  await expect(stateFact(page).locator('.badge')).toHaveText('registered', { timeout: 15_000 });
});

test('Test registration shows the outcome and the ladder without saving', async ({ page, request }) => {
  await page.goto(url(`/registrations/new?ddiProviderId=${providerId}`));
  await page.getByRole('textbox', { name: g.username.label, exact: true }).fill(USERS.test);
  await page.getByRole('textbox', { name: g.domain.label, exact: true }).fill(`127.0.0.1:${kamailio.udpPort}`);
  await page.getByLabel(g.password.label, { exact: true }).fill(PASSWORD);
  await page.getByLabel(g.ddi.label, { exact: true }).fill(randomDdi());
  await page.getByRole('button', { name: 'Test registration' }).click();
  const result = page.locator('.test-result');
  await expect(result.locator('.badge')).toHaveText('registered', { timeout: 20_000 });
  await expect(result).toContainText('200 OK');
  await expect(result).toContainText(`127.0.0.1:${kamailio.udpPort}`);
  await expect(result.locator('.ladder')).toContainText('SIP/2.0 401');
  await expect(result.locator('.ladder')).toContainText('SIP/2.0 200');
  for (const summary of await result.locator('.ladder summary').all()) await summary.click();
  const text = await result.innerText();
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toMatch(/response="(?!<redacted>)/);
  // nothing was saved
  const list = (await (await request.get(url(`/api/registrations?q=${USERS.test}`), { headers: portal!.adminHeaders() })).json()) as { total: number };
  expect(list.total).toBe(0);

  // a wrong password: rejected
  await page.getByLabel(g.password.label, { exact: true }).fill('wrong-one');
  await page.getByRole('button', { name: 'Test registration' }).click();
  await expect(result.locator('.badge')).toHaveText('rejected', { timeout: 20_000 });
  await expect(result).toContainText(/40[13] /);
  // …with what to check
  await expect(result.locator('.outcome-hint')).toContainText('Check the user (or authentication user), the password and the realm');
});

test('stopping the registrar turns the registration retrying with timeout', async ({ page, request }) => {
  test.setTimeout(120_000);
  const own = await startKamailio({ password: PASSWORD });
  try {
    const reg = await createViaApi(request, USERS.down, { domain: `127.0.0.1:${own.udpPort}` });
    await page.goto(url(`/registrations/${reg.id}`));
    await expect(stateFact(page).locator('.badge')).toHaveText('registered', { timeout: 15_000 });
    await own.stop();
    const stoppedAt = Date.now();
    await page.getByRole('button', { name: 'Register now' }).click();
    // Timer F: 32 s without an answer
    await expect(stateFact(page).locator('.badge')).toHaveText('retrying', { timeout: 45_000 });
    test.info().annotations.push({ type: 'timing', description: `registrar stopped → retrying on screen: ${Date.now() - stoppedAt} ms` });
    await expect(responseFact(page)).toContainText('timeout');
    await expect(page.locator('[data-fact="next-attempt"]')).toContainText(/in \d+/);
    await expect(page.getByRole('button', { name: 'Reset backoff' })).toBeVisible();
    // The SIP messages: the unanswered REGISTER once, with its 10 retransmissions (Timer E: T1
    // doubling to T2) on it. The ladder diagram: two lifelines, a doubled arrow, the times under it…
    const times = /×10 retransmitted at 0\.5\d?, 1\.5\d?, 3\.5\d? … 31\.5\d? s/;
    const diagram = page.getByTestId('sip-ladder-diagram');
    await expect(diagram).toContainText('Engine');
    await expect(diagram).toContainText('Registrar');
    const lastOut = diagram.locator('[data-direction="out"]').last();
    await expect(lastOut).toHaveAttribute('data-retransmits', '10', { timeout: 10_000 });
    await expect(lastOut).toContainText('REGISTER');
    await expect(lastOut).toContainText(times);
    // …and the list, its text alternative: the same, every time for screen readers, then Timer F's outcome
    const ladder = page.getByRole('list', { name: 'SIP messages, oldest first' });
    const item = ladder.getByRole('listitem').filter({ hasText: 'REGISTER sip:' }).last();
    await expect(item).toContainText(times);
    await expect(item.locator('.sr-only')).toHaveText(/^×10 retransmitted at 0\.5\d?, 1\.5\d?, 3\.5\d?, 7\.5\d?, 11\.5\d?, .* 31\.5\d? s after the first send$/);
    // one row for the request, not one per retransmission
    const trace = (await (await request.get(url(`/api/registrations/${reg.id}/trace`), { headers: portal!.adminHeaders() })).json()) as {
      items: Array<{ direction: string; at: number; text: string; retransmits?: number[] | null }>;
    };
    const registers = trace.items.filter((m) => m.direction === 'out');
    const timedOut = registers.at(-1)!;
    expect(timedOut.retransmits).toHaveLength(10);
    expect(trace.items.filter((m) => m.direction === 'out' && m.at >= timedOut.at)).toHaveLength(1);
  } finally {
    await own.stop();
  }
});
