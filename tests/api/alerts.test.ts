/**
 * Alerts end to end against the running portal (`node dist/server.mjs`), the engine off and the
 * registrations' status written as the engine writes it: notification channels through the API
 * (admin only, secrets write-only), a test to a real webhook receiver that answers 500 before
 * 200, an alert and its resolve signed and delivered once, a provider outage as one alert, no
 * duplicate after a restart on the same database, and e-mail to a real SMTP server with STARTTLS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as contracts from '../../lib/api/contracts';
import { verifySignature } from '../../lib/alerts/signature';
import { startHttpReceiver, startSmtpSink, type HttpReceiver, type SmtpSink } from '../alerts/receivers';
import { openSqlite, startServer, type StartedServer } from './server';
import { waitUntil } from '../deadline';

const SECRET = 'whsec-api-test-secret';
const SMTP_PASSWORD = 'smtp-api-pass-1';

let server: StartedServer;
let receiver: HttpReceiver;
let sink: SmtpSink;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy (tests/deadline.ts waitUntil), failing after `timeoutMs`. */
const until = <T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> =>
  waitUntil(what, fn, Boolean, timeoutMs, 100) as Promise<T>;

const ENV = { ALERTS_EVAL_INTERVAL_MS: '250', ALERTS_HOLD_S: '3600' };

before(async () => {
  receiver = await startHttpReceiver();
  sink = await startSmtpSink({ user: 'alerts', password: SMTP_PASSWORD });
  server = await startServer({ ...ENV, NODE_EXTRA_CA_CERTS: sink.certFile });
  server.ledger.secret(SECRET, 'the webhook secret');
  server.ledger.secret(SMTP_PASSWORD, 'the SMTP password');
});
after(async () => {
  try {
    server.ledger.assertNoLeaks(server.output());
  } finally {
    await server.stop();
    await receiver.close();
    await sink.close();
  }
});

/** Writes what the engine writes on a transition (status row and timeline event). */
async function setStatus(ids: number[], state: 'registered' | 'retrying', at = Date.now()) {
  const db = await openSqlite(server.dbPath);
  try {
    const upsert = db.prepare(
      `INSERT INTO registration_status (registration_id, state, code, reason, at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code, reason = excluded.reason, at = excluded.at, expires_at = excluded.expires_at`,
    );
    const event = db.prepare('INSERT INTO registration_events (registration_id, state, code, reason, at) VALUES (?, ?, ?, ?, ?)');
    await db.transaction(async () => {
      for (const id of ids) {
        const code = state === 'registered' ? 200 : 503;
        await upsert.run(id, state, code, state === 'registered' ? 'OK' : 'Service Unavailable', at, state === 'registered' ? at + 3_600_000 : null);
        await event.run(id, state, code, state === 'registered' ? 'OK' : 'Service Unavailable', at);
      }
    });
  } finally {
    await db.close();
  }
}

async function seedProvider(name: string, n: number, alertHoldS: number | null): Promise<{ providerId: number; ids: number[] }> {
  const p = await server.api('/api/ddi-providers', { method: 'POST', json: { name, alertHoldS } });
  assert.equal(p.status, 201, p.text);
  const provider = contracts.ddiProviderJsonSchema.parse(p.body);
  assert.equal(provider.alertHoldS, alertHoldS);
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: provider.id, username: `${name}-${i}`, domain: 'sip.test', ddi: `${provider.id}00${100 + i}` } });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.id);
  }
  await setStatus(ids, 'registered');
  return { providerId: provider.id, ids };
}

type Hook = { event: string; alert: { key: string; summary: string; count: number; state: string } | null };
const hooks = (): Hook[] => receiver.requests.map((r) => JSON.parse(r.body) as Hook);
const alertHooks = () => hooks().filter((h) => h.event !== 'test');

describe('alerts through the running portal', () => {
  let webhookId: number;

  test('channels: admin CRUD with zod-checked fields, secrets sealed and never returned, admin only', async () => {
    const bad = await server.api('/api/notification-channels', { method: 'POST', json: { name: 'x', kind: 'webhook', url: 'ftp://example.com/' } });
    assert.equal(bad.status, 422);
    assert.match(bad.body.error.fields.url, /http/);
    const noUrl = await server.api('/api/notification-channels', { method: 'POST', json: { name: 'x', kind: 'webhook' } });
    assert.equal(noUrl.status, 422);
    assert.ok(noUrl.body.error.fields.url);
    const created = await server.api('/api/notification-channels', { method: 'POST', json: { name: 'ops hook', kind: 'webhook', url: receiver.url, secret: SECRET } });
    assert.equal(created.status, 201, created.text);
    const channel = contracts.notificationChannelJsonSchema.parse(created.body);
    assert.deepEqual([channel.hasSecret, channel.url, channel.lastDelivery], [true, receiver.url, null]);
    assert.doesNotMatch(created.text, new RegExp(SECRET));
    webhookId = channel.id;
    const dup = await server.api('/api/notification-channels', { method: 'POST', json: { name: 'ops hook', kind: 'webhook', url: receiver.url } });
    assert.equal(dup.status, 409);
    const renamed = await server.api(`/api/notification-channels/${webhookId}`, { method: 'PATCH', json: { name: 'Ops hook', revision: channel.revision } });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(renamed.body.hasSecret, true, 'a PATCH without the secret keeps it');
    const stale = await server.api(`/api/notification-channels/${webhookId}`, { method: 'PATCH', json: { name: 'Old', revision: channel.revision } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'stale');

    const db = await openSqlite(server.dbPath);
    try {
      const row = (await db.prepare('SELECT secret FROM notification_channels WHERE id = ?').get(webhookId)) as { secret: string };
      assert.match(row.secret, /^enc:v1:/);
      const audit = (await db.prepare("SELECT action, changes FROM audit_log WHERE entity_type = 'notification_channel' ORDER BY id").all()) as { action: string; changes: unknown }[];
      assert.deepEqual(audit.map((a) => a.action), ['create', 'update']);
      // the stored JSON text (PostgreSQL's json column answers it parsed)
      const changes = typeof audit[0]!.changes === 'string' ? audit[0]!.changes : JSON.stringify(audit[0]!.changes);
      assert.match(changes, /"secret":\{"before":null,"after":"changed"\}/);
    } finally {
      await db.close();
    }

    const viewer = await server.api('/api/operators', { method: 'POST', json: { email: 'alerts.viewer@portal.test', role: 'editor', password: 'Alerts-editor-pass-1' } });
    assert.equal(viewer.status, 201);
    const login = await server.api('/api/auth/login', { method: 'POST', auth: 'none', json: { email: 'alerts.viewer@portal.test', password: 'Alerts-editor-pass-1' } });
    const session = /ddr_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')![1]!;
    assert.equal((await server.api('/api/notification-channels', { auth: { session } })).status, 403);
    assert.equal((await server.api('/api/alerts', { auth: { session } })).status, 200, 'alerts are readable by every role');
  });

  test('Send test: the first attempt meets a 500, the answer says so, the retry (backoff) is signed and sent', async () => {
    receiver.script = [500];
    const res = await server.api(`/api/notification-channels/${webhookId}/test`, { method: 'POST' });
    assert.equal(res.status, 200, res.text);
    const { delivery } = contracts.channelTestJsonSchema.parse(res.body);
    assert.deepEqual([delivery.status, delivery.attempts, delivery.lastCode, delivery.event], ['pending', 1, 500, 'test']);
    await receiver.waitFor(2, 15_000);
    const sent = await until('the test delivery sent', async () => {
      const list = contracts.deliveryListJsonSchema.parse((await server.api(`/api/notification-channels/${webhookId}/deliveries`)).body);
      return list.items.find((d) => d.id === delivery.id && d.status === 'sent');
    });
    assert.equal(sent.attempts, 2);
    for (const r of receiver.requests) assert.ok(verifySignature(SECRET, r.body, r.headers['x-signature'] as string, Date.now()).ok);
    const listed = contracts.notificationChannelListJsonSchema.parse((await server.api('/api/notification-channels')).body);
    assert.equal(listed.items.find((c) => c.id === webhookId)!.lastDelivery!.status, 'sent');
    receiver.requests.splice(0);
  });

  test('a registration failing past its provider hold raises one signed alert and its recovery one resolve; flapping sends nothing', async () => {
    const { ids } = await seedProvider('Hold2', 10, 2);
    // flapping: failing for 1 s at a time, registered in between, for 6 s (3 hold times)
    for (let i = 0; i < 6; i++) {
      await setStatus([ids[1]!], 'retrying');
      await sleep(500);
      await setStatus([ids[1]!], 'registered');
      await sleep(500);
    }
    await setStatus([ids[0]!], 'retrying');
    const [opened] = await until('the alert webhook', async () => alertHooks().length > 0 && alertHooks());
    assert.equal(opened!.event, 'alert.opened');
    assert.equal(opened!.alert!.key, `registration:${ids[0]}`);
    assert.match(opened!.alert!.summary, /Hold2-0@sip\.test.*Hold2: retrying \(503 Service Unavailable\)/);
    const list = contracts.alertListJsonSchema.parse((await server.api('/api/alerts?state=open')).body);
    assert.deepEqual(list.items.map((a) => a.key), [`registration:${ids[0]}`], 'the flapping registration has no alert');
    assert.equal(list.open, 1);
    await setStatus([ids[0]!], 'registered');
    await until('the resolve webhook', async () => alertHooks().length === 2);
    assert.deepEqual(alertHooks().map((h) => [h.event, h.alert!.key]), [['alert.opened', `registration:${ids[0]}`], ['alert.resolved', `registration:${ids[0]}`]]);
    for (const r of receiver.requests) assert.ok(verifySignature(SECRET, r.body, r.headers['x-signature'] as string, Date.now()).ok);
    const resolved = contracts.alertListJsonSchema.parse((await server.api('/api/alerts?state=resolved')).body);
    const alert = resolved.items.find((a) => a.key === `registration:${ids[0]}`)!;
    assert.deepEqual(alert.deliveries.map((d) => [d.event, d.status, d.channelName]), [['opened', 'sent', 'Ops hook'], ['resolved', 'sent', 'Ops hook']]);
    const audit = await server.api(`/api/audit?entityType=alert&entityId=${alert.id}`);
    assert.deepEqual(audit.body.items.map((e: { action: string }) => e.action).sort(), ['notified', 'notified', 'open', 'resolve']);
    receiver.requests.splice(0);
  });

  test('a provider outage (6 of 10 failing) is one alert naming the count; a restart on the same database sends it again to nobody', async () => {
    const { ids } = await seedProvider('Outage', 10, 1);
    await setStatus(ids.slice(0, 6), 'retrying');
    await until('the provider alert', async () => alertHooks().length > 0);
    assert.equal(alertHooks().length, 1);
    assert.match(alertHooks()[0]!.alert!.summary, /^Provider Outage: 6 of 10 enabled registrations failing$/);
    assert.equal(alertHooks()[0]!.alert!.count, 6);

    const { dbPath } = server;
    const ledger = server.ledger;
    const output = server.output();
    await server.stop({ keepDatabase: true });
    ledger.assertNoLeaks(output);
    server = await startServer({ ...ENV, NODE_EXTRA_CA_CERTS: sink.certFile }, { dbPath });
    server.ledger.secret(SECRET, 'the webhook secret');
    server.ledger.secret(SMTP_PASSWORD, 'the SMTP password');
    // The proof that the restarted evaluator ran: an alert it raises after the restart arrives alone.
    const { ids: other } = await seedProvider('AfterRestart', 10, 1);
    await setStatus([other[0]!], 'retrying');
    await until('the post-restart alert', async () => alertHooks().length === 2);
    assert.deepEqual(alertHooks().map((h) => h.alert!.key), [alertHooks()[0]!.alert!.key, `registration:${other[0]}`]);
    const open = contracts.alertListJsonSchema.parse((await server.api('/api/alerts?state=open')).body);
    assert.equal(open.items.filter((a) => a.scope === 'provider').length, 1);
    receiver.requests.splice(0);
  });

  test('e-mail over SMTP with STARTTLS required and AUTH: Send test reaches the SMTP server', async () => {
    const created = await server.api('/api/notification-channels', {
      method: 'POST',
      json: { name: 'ops mail', kind: 'email', smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStarttls: 'required', smtpUser: 'alerts', smtpPassword: SMTP_PASSWORD, mailFrom: 'portal@test.example', mailTo: ['ops@test.example', 'noc@test.example'] },
    });
    assert.equal(created.status, 201, created.text);
    const channel = contracts.notificationChannelJsonSchema.parse(created.body);
    assert.equal(channel.hasSmtpPassword, true);
    const res = await server.api(`/api/notification-channels/${channel.id}/test`, { method: 'POST' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.delivery.status, 'sent', res.text);
    const [mail] = await sink.waitFor(1, 10_000);
    assert.deepEqual([mail!.secure, mail!.user, mail!.to], [true, 'alerts', ['ops@test.example', 'noc@test.example']]);
    assert.match(mail!.data, /^Subject: /m);
    assert.match(mail!.data, /Test notification for channel "ops mail", sent by admin@portal\.test\./);
    const gone = await server.api(`/api/notification-channels/${channel.id}`, { method: 'DELETE' });
    assert.equal(gone.status, 200);
    assert.equal((await server.api(`/api/notification-channels/${channel.id}`)).status, 404);
  });
});
