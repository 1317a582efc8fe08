// The portal shows the cluster: the Nodes page, the Node column of the registrations list and the
// registration's page, and the engine banner per node. A portal of its own (tests/portal-process.ts)
// whose database gets engine-node and lease rows as engine nodes write them (the heartbeat of the
// live node kept fresh by this test); tests/api/cluster.test.ts runs real engine nodes.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { rawDb, type RawDb } from '../db';
import { startPortal, type Portal } from '../portal-process';
import { randomDdi, uniq } from './helpers';

test.use({ storageState: { cookies: [], origins: [] }, extraHTTPHeaders: {} });
test.describe.configure({ mode: 'serial' });

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const A = 'edge-a/127.0.0.1:5070';
const B = 'edge-b/127.0.0.1:5080';
const C = 'edge-c/127.0.0.1:5090';

const escape = (s: string) => s.replace(/[./]/g, '\\$&');

let portal: Portal | null = null;
let raw: RawDb | null = null;
let beat: NodeJS.Timeout | null = null;
const regs: { id: number; username: string }[] = [];

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${portal!.base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...portal!.adminHeaders(), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function signIn(page: Page): Promise<void> {
  await page.context().addCookies([{ name: 'ddr_session', value: portal!.adminSession!, domain: '127.0.0.1', path: '/' }]);
}

test.beforeAll(async () => {
  test.setTimeout(120_000);
  portal = await startPortal({ REGISTRAR_ENABLED: '0' });
  raw = await rawDb(portal.dbPath);
  const now = Date.now();
  const node = raw.prepare(
    'insert into engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms, reason, version) values (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  await node.run(A, 'running', '127.0.0.1:5070', 4101, now - 600_000, now, 1_000, null, VERSION);
  // B: killed a minute ago (its row still says running; its heartbeat stopped)
  await node.run(B, 'running', '127.0.0.1:5080', 4102, now - 900_000, now - 60_000, 1_000, null, VERSION);
  // C: shut down cleanly (retired): listed, but no banner
  await node.run(C, 'stopped', '127.0.0.1:5090', 4103, now - 7_200_000, now - 3_600_000, 1_000, 'shut down', '0.0.9');
  // A beats, as its heartbeat would
  beat = setInterval(() => void raw?.prepare('update engine_nodes set heartbeat_at = ? where node_id = ?').run(Date.now(), A), 300);

  const provider = await api<{ id: number }>('/api/ddi-providers', { name: `Cluster ${uniq()}` });
  for (const name of ['held', 'expired', 'never']) {
    const username = `node-${name}-${uniq()}`;
    const r = await api<{ id: number }>('/api/registrations', { ddiProviderId: provider.id, username, domain: 'sip.cluster.example', ddi: randomDdi() });
    regs.push({ id: r.id, username });
  }
  const lease = raw.prepare('insert into registration_leases (registration_id, node_id, token, expires_at, updated_at) values (?, ?, ?, ?, ?)');
  await lease.run(regs[0]!.id, A, 1, now + 3_600_000, now);
  await lease.run(regs[1]!.id, B, 4, now - 45_000, now - 60_000);
});

test.afterAll(async () => {
  if (beat) clearInterval(beat);
  await raw?.close();
  await portal?.stop();
});

test('the Nodes page lists every node with its state, heartbeat, registrations held, version and pid', async ({ page }) => {
  await signIn(page);
  await page.goto(`${portal!.base}/`);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nodes' }).click();
  await expect(page).toHaveURL(/\/nodes$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Nodes' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Engine nodes' });
  const row = (id: string) => table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: id, exact: true }) });
  await expect(row(A).getByRole('cell')).toHaveText(['127.0.0.1:5070', 'Running', /^\d+ s ago \(live\)$/, '1', VERSION, '4101', /.+/]);
  await expect(row(B).getByRole('cell')).toHaveText(['127.0.0.1:5080', /^Stale heartbeat silent/, /^1 min ago \(stale\)$/, '0', VERSION, '4102', /.+/]);
  await expect(row(C).getByRole('cell')).toHaveText(['127.0.0.1:5090', 'Stopped: shut down', /^1 h ago \(last\)$/, '0', '0.0.9', '4103', /.+/]);
  // running first, then stale, then stopped
  await expect(table.getByRole('rowheader')).toHaveText([A, B, C]);
  await expect(page.getByTestId('nodes-summary')).toHaveText('1 node running of 3; 3 enabled registrations, 2 held by no node.');
});

test('the banner names the dead node, says the others run and its registrations move within the lease time', async ({ page }) => {
  await signIn(page);
  await page.goto(`${portal!.base}/registrations`);
  const banner = page.getByRole('alert').filter({ hasText: 'engine node is down' });
  await expect(banner).toContainText(`An engine node is down: ${B} since`);
  await expect(banner).toContainText('its heartbeat stopped (process killed or hung)');
  await expect(banner).toContainText('Other nodes are running: its registrations move to them within the lease time (REGISTRAR_LEASE_S)');
  await expect(banner).not.toContainText(C);
  // not the "whole engine is down" banner, and the indicator says live
  await expect(page.getByRole('alert').filter({ hasText: 'not running' })).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: /^Live$/ })).toBeVisible();
});

test('the Node column and the registration page say which node holds each registration', async ({ page }) => {
  await signIn(page);
  await page.goto(`${portal!.base}/registrations?q=node-`);
  const table = page.getByRole('table', { name: 'Registrations' });
  await expect(table.getByRole('columnheader', { name: 'Node' })).toBeVisible();
  const nodeCell = (username: string) =>
    table
      .getByRole('row')
      .filter({ hasText: username })
      .locator('td')
      .nth(7 /* select, id, username, domain, ddi, provider, status, node */);
  await expect(nodeCell(regs[0]!.username)).toHaveText(A);
  await expect(nodeCell(regs[0]!.username).locator('[data-lease="live"]')).toHaveAttribute('title', new RegExp(`^${escape(A)}: lease until `));
  await expect(nodeCell(regs[1]!.username)).toHaveText('—');
  await expect(nodeCell(regs[1]!.username).locator('[data-lease="expired"]')).toHaveAttribute('title', new RegExp(`^No node holds it: the lease of ${escape(B)} expired at `));
  await expect(nodeCell(regs[2]!.username)).toHaveText('—');
  await expect(nodeCell(regs[2]!.username).locator('span')).toHaveAttribute('title', 'No engine node has held this registration yet');

  await page.goto(`${portal!.base}/registrations/${regs[0]!.id}`);
  await expect(page.locator('[data-fact="node"] dd')).toContainText(`${A} (lease until`);
  await page.goto(`${portal!.base}/registrations/${regs[1]!.id}`);
  await expect(page.locator('[data-fact="node"] dd')).toContainText(`— (the lease of ${B} expired at`);
});

test('when the last live node dies too, the red banner says the engine is not running and names both nodes', async ({ page }) => {
  await signIn(page);
  await page.goto(`${portal!.base}/nodes`);
  clearInterval(beat!);
  beat = null;
  await raw!.prepare('update engine_nodes set heartbeat_at = ? where node_id = ?').run(Date.now() - 10_000, A);
  const banner = page.getByRole('alert').filter({ hasText: 'The registrar engine is not running' });
  // the live stream pushes the engine's health at least every 5 s
  await expect(banner).toBeVisible({ timeout: 10_000 });
  await expect(banner).toContainText(`No engine node runs: ${A} since`);
  await expect(banner).toContainText(`; ${B} since`);
  await expect(page.getByRole('status').filter({ hasText: /^Engine not running$/ })).toBeVisible();
  const row = page.getByRole('table', { name: 'Engine nodes' }).getByRole('row').filter({ has: page.getByRole('rowheader', { name: A, exact: true }) });
  await expect(row.getByRole('cell').nth(1)).toHaveText(/^Stale/, { timeout: 10_000 });
});
