// "The status on screen is the truth": a registrar engine that cannot start, and a portal that
// goes away under an open dashboard, are said so on screen (role="alert" banners, badges marked
// last known), and the page comes back to live states when the portal is back. Each test runs a
// portal of its own (tests/portal-process.ts).
import { expect, test, type Page } from '@playwright/test';
import { createSocket, type Socket } from 'node:dgram';
import { rawDb } from '../db';
import { startPortal, type Portal } from '../portal-process';
import { startKamailio, type KamailioHandle } from '../sip/harness';
import { randomDdi, uniq } from './helpers';

// These tests talk to portals of their own: their admin sessions, not the shared one.
test.use({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: {} });
test.describe.configure({ mode: 'serial' });

const CLOCK = /\d{1,2}:\d{2}:\d{2}/;

async function signInBrowser(page: Page, portal: Portal): Promise<void> {
  await page.context().addCookies([{ name: 'ddr_session', value: portal.adminSession!, domain: '127.0.0.1', path: '/' }]);
}

test.describe('the engine cannot start: SIP_BIND is in use', () => {
  let holder: Socket;
  let port = 0;
  let portal: Portal | null = null;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    holder = createSocket('udp4');
    await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
    port = holder.address().port;
    portal = await startPortal({ REGISTRAR_ENABLED: '1', SIP_BIND: `127.0.0.1:${port}` });
  });
  test.afterAll(async () => {
    await portal?.stop();
    holder?.close();
  });

  test('every page shows the banner with since when and why; health says stopped', async ({ page, request }) => {
    const health = await request.get(`${portal!.base}/api/health`);
    expect(health.status()).toBe(200);
    const { status, engine } = (await health.json()) as { status: string; engine: { state: string; reason: string; since: number } };
    expect(status).toBe('ok');
    expect(engine.state).toBe('stopped');
    expect(engine.reason).toBe(`SIP_BIND 127.0.0.1:${port} is in use`);
    expect(portal!.log()).toContain(`registrar NOT started: SIP_BIND 127.0.0.1:${port} is in use. Set SIP_BIND to a free address:port`);

    await signInBrowser(page, portal!);
    // the first HTML already carries it (no wait for the live stream)
    const html = await (await page.request.get(`${portal!.base}/providers`)).text();
    expect(html).toContain('The registrar engine is not running');

    for (const path of ['/', '/providers', '/providers/new', '/registrations', '/registrations/new', '/audit', '/operators', '/account', '/help']) {
      await page.goto(`${portal!.base}${path}`);
      const banner = page.getByRole('alert').filter({ hasText: 'not running' });
      await expect(banner, path).toBeVisible();
      await expect(banner, path).toContainText(`since`);
      await expect(banner, path).toContainText(CLOCK);
      await expect(banner, path).toContainText(`SIP_BIND 127.0.0.1:${port} is in use`);
      // the indicator is not a green "Live"
      await expect(page.getByRole('status').filter({ hasText: /^Engine not running$/ }), path).toBeVisible();
    }
    // the dashboard does not claim "No problems" for states nobody keeps up to date
    await page.goto(`${portal!.base}/`);
    await expect(page.locator('#problems-title')).toContainText('as of');
    await expect(page.getByText('No problems', { exact: false })).toHaveCount(0);
  });
});

/** The running engine's pid from its heartbeat row (the portal's child process), or null. */
async function enginePid(location: string): Promise<number | null> {
  const db = await rawDb(location);
  try {
    return (await db.prepare("SELECT pid FROM engine_nodes WHERE state = 'running'").get<{ pid: number }>())?.pid ?? null;
  } finally {
    await db.close();
  }
}

test.describe('the engine process dies under an open dashboard', () => {
  let portal: Portal | null = null;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    portal = await startPortal({ REGISTRAR_ENABLED: '1', SIP_BIND: '127.0.0.1:0', REGISTRAR_HEARTBEAT_MS: '500' });
  });
  test.afterAll(async () => {
    await portal?.stop();
  });

  test('the banner says it died and when it restarts, then goes when the new engine beats', async ({ page }) => {
    test.setTimeout(90_000);
    await signInBrowser(page, portal!);
    await page.goto(`${portal!.base}/`);
    await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible();
    const banner = page.getByRole('alert').filter({ hasText: 'not running' });
    const pidAfter = async (old: number | null) => {
      let pid: number | null = null;
      await expect.poll(async () => (pid = await enginePid(portal!.dbPath)) !== null && pid !== old, { timeout: 15_000 }).toBe(true);
      return pid!;
    };
    // Killed twice within a minute: the second restart waits 2 s (the backoff doubles), time for the banner.
    const first = await pidAfter(null);
    process.kill(first, 'SIGKILL');
    const second = await pidAfter(first);
    process.kill(second, 'SIGKILL');
    await expect(banner).toBeVisible({ timeout: 5_000 });
    await expect(banner).toContainText('the engine process died (killed by SIGKILL); restarting in 2 s');
    await expect(page.getByRole('status').filter({ hasText: /^Engine not running$/ })).toBeVisible();
    await pidAfter(second);
    await expect(banner).toHaveCount(0, { timeout: 10_000 });
    await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible();
    expect(portal!.log()).toContain('registrar: the engine process died (killed by SIGKILL); restarting in 2 s (restart 2)');
  });
});

test.describe('the portal goes away under an open dashboard', () => {
  const TAG = uniq();
  const USER = `stale${TAG}`;
  const PASSWORD = `Pw-${TAG}-Zx9`;
  const ENV = { REGISTRAR_ENABLED: '1', SIP_BIND: '127.0.0.1:0', SIP_PUBLIC_HOST: '127.0.0.1', REGISTRAR_STARTUP_SPREAD_MS: '0', REGISTRAR_HEARTBEAT_MS: '1000' };
  let kamailio: KamailioHandle;
  let portal: Portal | null = null;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    kamailio = await startKamailio({ password: PASSWORD, users: { [USER]: PASSWORD } });
    portal = await startPortal(ENV);
  });
  test.afterAll(async () => {
    await portal?.stop();
    await kamailio?.stop();
  });
  test.afterEach(async ({}, info) => {
    if (info.status !== info.expectedStatus) await info.attach('portal.log', { body: portal?.log() ?? '', contentType: 'text/plain' });
  });

  test('the stale banner comes within seconds, badges are marked last known, and all goes back after a restart', async ({ page }) => {
    test.setTimeout(120_000);
    const base = portal!.base;
    const headers = { 'content-type': 'application/json', ...portal!.adminHeaders() };
    const provider = await fetch(`${base}/api/ddi-providers`, { method: 'POST', headers, body: JSON.stringify({ name: `Stale carrier ${TAG}` }) });
    expect(provider.status).toBe(201);
    const { id: ddiProviderId } = (await provider.json()) as { id: number };
    const created = await fetch(`${base}/api/registrations`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ddiProviderId, username: USER, domain: `127.0.0.1:${kamailio.udpPort}`, ddi: randomDdi(), password: PASSWORD }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const { id } = (await created.json()) as { id: number };

    await signInBrowser(page, portal!);
    await page.goto(`${base}/`);
    const badge = page.locator('.live-table tbody tr', { hasText: USER }).locator('.badge');
    await expect(badge).toHaveText('registered', { timeout: 15_000 });
    await expect(badge).not.toHaveAttribute('data-stale');
    await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible();
    const streamBanner = page.getByRole('alert').filter({ hasText: 'Connection to the portal lost' });
    await expect(streamBanner).toHaveCount(0);
    // the registration's own page, open alongside
    const detail = await page.context().newPage();
    await detail.goto(`${base}/registrations/${id}`);
    const detailBadge = detail.locator('[data-fact="state"] .badge');
    const detailBanner = detail.getByRole('alert').filter({ hasText: 'Connection to the portal lost' });
    await expect(detailBadge).toHaveText('registered');

    // the portal stops (SIGTERM): its engine removes the binding, the page is left alone
    const stopping = portal!.stop({ keepDatabase: true });
    await expect(streamBanner).toBeVisible({ timeout: 8_000 });
    await expect(streamBanner).toContainText(/lost at \d{1,2}:\d{2}:\d{2}.*; states shown are from then/);
    await expect(badge).toHaveAttribute('data-stale', 'true');
    await expect(badge).toContainText('last known');
    await expect(page.getByRole('status').filter({ hasText: /^Connection lost$/ })).toBeVisible();
    await expect(page.locator('.count')).toContainText('as of');
    await expect(detailBanner).toBeVisible();
    await expect(detailBadge).toHaveAttribute('data-stale', 'true');
    await expect(detail.locator('#status-title')).toContainText('as of');
    await stopping;

    // back on the same port and database: the stream resumes, the page resyncs, the banner goes
    portal = await startPortal(ENV, 90_000, { port: portal!.port, dbPath: portal!.dbPath });
    await expect(streamBanner).toHaveCount(0, { timeout: 20_000 });
    await expect(badge).not.toHaveAttribute('data-stale', { timeout: 5_000 });
    await expect(badge).toHaveText('registered', { timeout: 15_000 });
    await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible();
    await expect(detailBanner).toHaveCount(0, { timeout: 20_000 });
    await expect(detailBadge).not.toHaveAttribute('data-stale');
    await expect(detailBadge).toHaveText('registered', { timeout: 15_000 });
  });
});

test.describe('the portal hangs with the stream open', () => {
  let portal: Portal | null = null;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    portal = await startPortal({ REGISTRAR_ENABLED: '0' });
  });
  test.afterAll(async () => {
    portal?.signal('SIGCONT');
    await portal?.stop();
  });

  test('a silent stream is taken for lost (stale banner), and recovers when the portal answers again', async ({ page }) => {
    test.setTimeout(90_000);
    await signInBrowser(page, portal!);
    await page.goto(`${portal!.base}/`);
    // REGISTRAR_ENABLED=0 and no engine apart: the stream is up, the indicator says no engine reported
    await expect(page.getByRole('status').filter({ hasText: /^No engine$/ })).toBeVisible();
    await expect(page.locator('[data-banner="engine-unknown"]')).toContainText('No registrar engine has reported yet');
    const streamBanner = page.getByRole('alert').filter({ hasText: 'Connection to the portal lost' });

    // frozen, not closed: the connection stays open and only the silence tells (12 s, then 5 s)
    portal!.signal('SIGSTOP');
    try {
      await expect(streamBanner).toBeVisible({ timeout: 25_000 });
      await expect(page.getByRole('status').filter({ hasText: /^Connection lost$/ })).toBeVisible();
    } finally {
      portal!.signal('SIGCONT');
    }
    await expect(streamBanner).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByRole('status').filter({ hasText: /^No engine$/ })).toBeVisible();
  });
});
