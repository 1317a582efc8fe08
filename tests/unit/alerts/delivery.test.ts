// Deliveries against real receivers on 127.0.0.1: a webhook receiver that checks the signature
// and answers 500 before 200 (retries with backoff on the injected clock, same body each time),
// a permanent 4xx, a refused connection; an SMTP server (smtp-server) with STARTTLS on a
// self-signed certificate made by openssl, AUTH, and `required` refusing a server without STARTTLS.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase, type Db } from '../../../lib/db/client';
import { createKeyring } from '../../../lib/secrets/key';
import { systemActor } from '../../../lib/auth/principal';
import { createChannel } from '../../../lib/alerts/channel-service';
import { channelInputSchema } from '../../../lib/alerts/channel-schema';
import { deliverDue } from '../../../lib/alerts/deliverer';
import { enqueueTestDelivery } from '../../../lib/alerts/delivery-queries';
import { sendEmail } from '../../../lib/alerts/email';
import { retryDelayMs } from '../../../lib/alerts/backoff';
import { verifySignature } from '../../../lib/alerts/signature';
import { startHttpReceiver, startSmtpSink, type HttpReceiver } from '../../alerts/receivers';

const keyring = createKeyring(randomBytes(32));
let dir: string;
let db: Db;
let receiver: HttpReceiver;
let clock = 1_800_000_000_000;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alerts-delivery-'));
  db = openDatabase(join(dir, 'portal.db'));
  receiver = await startHttpReceiver();
});
after(async () => {
  await receiver.close();
  db.$client.close();
  rmSync(dir, { recursive: true, force: true });
});

function channel(input: Record<string, unknown>): number {
  const result = createChannel(db, channelInputSchema.parse(input), systemActor, keyring);
  assert.ok('data' in result, JSON.stringify(result));
  return result.data.id;
}

const delivery = (id: number) => db.$client.prepare('SELECT status, attempts, last_code AS lastCode, last_error AS lastError, next_attempt_at AS nextAttemptAt FROM notification_deliveries WHERE id = ?').get(id) as { status: string; attempts: number; lastCode: number | null; lastError: string | null; nextAttemptAt: number };
const deps = { get db() { return db; }, keyring, now: () => clock, random: () => 0.5 };

describe('webhook deliveries', () => {
  test('signed (t=…,v1=HMAC-SHA256 over "<t>.<body>"), retried after 500s with growing delays, the same body each time, then sent', async () => {
    const secret = 'whsec-test-secret';
    const id = channel({ name: 'hook', kind: 'webhook', url: receiver.url, secret });
    const stored = db.$client.prepare('SELECT secret FROM notification_channels WHERE id = ?').get(id) as { secret: string };
    assert.match(stored.secret, /^enc:v1:/, 'the secret is sealed at rest');
    receiver.script = [500, 503];
    const d = enqueueTestDelivery(db, id, 'ops@test', clock)!;
    assert.equal(await deliverDue(deps), 1);
    assert.deepEqual([delivery(d.id).status, delivery(d.id).attempts, delivery(d.id).lastCode], ['pending', 1, 500]);
    const firstWait = delivery(d.id).nextAttemptAt - clock;
    assert.equal(firstWait, retryDelayMs(1, () => 0.5));
    assert.equal(await deliverDue(deps), 0, 'not due before its next attempt');
    clock += firstWait;
    assert.equal(await deliverDue(deps), 1);
    const secondWait = delivery(d.id).nextAttemptAt - clock;
    assert.ok(secondWait > firstWait, `backoff grows: ${firstWait} → ${secondWait}`);
    clock += secondWait;
    await deliverDue(deps);
    assert.deepEqual([delivery(d.id).status, delivery(d.id).attempts, delivery(d.id).lastCode, delivery(d.id).lastError], ['sent', 3, 200, null]);
    const requests = receiver.requests.splice(0);
    assert.equal(requests.length, 3);
    for (const r of requests) {
      assert.equal(r.body, requests[0]!.body);
      assert.equal(r.headers['x-delivery-id'], String(d.id));
      const check = verifySignature(secret, r.body, r.headers['x-signature'] as string, clock);
      assert.ok(check.ok, JSON.stringify(check));
      assert.equal(verifySignature('another secret', r.body, r.headers['x-signature'] as string, clock).ok, false);
      assert.deepEqual(verifySignature(secret, `${r.body} `, r.headers['x-signature'] as string, clock), { ok: false, reason: 'mismatch' });
    }
    // replay: the same request presented 10 minutes later is refused
    assert.deepEqual(verifySignature(secret, requests[0]!.body, requests[0]!.headers['x-signature'] as string, clock + 600_000), { ok: false, reason: 'too-old' });
    assert.equal(JSON.parse(requests[0]!.body).event, 'test');
  });

  test('bounded: 6 attempts against a server answering 500, then failed; a 404 is final at once; nothing listening is retried', async () => {
    const id = channel({ name: 'down', kind: 'webhook', url: receiver.url });
    receiver.script = Array(10).fill(500);
    const d = enqueueTestDelivery(db, id, 'ops@test', clock)!;
    for (let i = 0; i < 6; i++) {
      await deliverDue(deps);
      clock += 10 * 60_000;
    }
    assert.deepEqual([delivery(d.id).status, delivery(d.id).attempts], ['failed', 6]);
    assert.equal(receiver.requests.splice(0).length, 6);
    assert.equal(receiver.requests[0]?.headers['x-signature'], undefined);

    receiver.script = [404];
    const d404 = enqueueTestDelivery(db, id, 'ops@test', clock)!;
    await deliverDue(deps);
    assert.deepEqual([delivery(d404.id).status, delivery(d404.id).lastCode, delivery(d404.id).lastError], ['failed', 404, 'HTTP 404']);
    receiver.requests.splice(0);

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = channel({ name: 'refused', kind: 'webhook', url: `http://127.0.0.1:${port}/` });
    const dr = enqueueTestDelivery(db, refused, 'ops@test', clock)!;
    await deliverDue(deps);
    assert.equal(delivery(dr.id).status, 'pending');
    assert.match(delivery(dr.id).lastError!, /connection failed \(ECONNREFUSED\)/);
  });
});

describe('e-mail deliveries', () => {
  test('STARTTLS required with AUTH: the SMTP server receives the mail over TLS, authenticated', async () => {
    const sink = await startSmtpSink({ user: 'alerts', password: 'smtp-pass-1' });
    try {
      const result = await sendEmail({
        config: { host: '127.0.0.1', port: sink.port, starttls: 'required', user: 'alerts', from: 'portal@test.example', to: ['ops@test.example'] },
        password: 'smtp-pass-1',
        message: { subject: '[DDI registrations] ALERT: test', text: 'body' },
        ca: sink.cert,
      });
      assert.deepEqual(result, { ok: true, code: 250 });
      const [mail] = await sink.waitFor(1, 5_000);
      assert.deepEqual([mail!.secure, mail!.user, mail!.from, mail!.to], [true, 'alerts', 'portal@test.example', ['ops@test.example']]);
      assert.match(mail!.data, /Subject: \[DDI registrations\] ALERT: test/);
      const wrong = await sendEmail({
        config: { host: '127.0.0.1', port: sink.port, starttls: 'required', user: 'alerts', from: 'portal@test.example', to: ['ops@test.example'] },
        password: 'wrong',
        message: { subject: 's', text: 't' },
        ca: sink.cert,
      });
      assert.equal(wrong.ok, false);
      assert.ok(!wrong.ok && wrong.code === 535 && !wrong.retry, JSON.stringify(wrong));
      const untrusted = await sendEmail({ config: { host: '127.0.0.1', port: sink.port, starttls: 'required', user: null, from: 'p@test.example', to: ['o@test.example'] }, password: null, message: { subject: 's', text: 't' } });
      assert.equal(untrusted.ok, false, 'a self-signed certificate not trusted is refused');
    } finally {
      await sink.close();
    }
  });

  test('a server without STARTTLS: `required` refuses to send, `opportunistic` and `none` send in clear', async () => {
    const sink = await startSmtpSink({ starttls: false });
    try {
      const config = { host: '127.0.0.1', port: sink.port, user: null, from: 'portal@test.example', to: ['ops@test.example'] };
      const required = await sendEmail({ config: { ...config, starttls: 'required' }, password: null, message: { subject: 's', text: 't' } });
      assert.equal(required.ok, false);
      assert.equal(sink.mails.length, 0);
      assert.equal((await sendEmail({ config: { ...config, starttls: 'opportunistic' }, password: null, message: { subject: 's', text: 't' } })).ok, true);
      assert.equal((await sendEmail({ config: { ...config, starttls: 'none' }, password: null, message: { subject: 's', text: 't' } })).ok, true);
      assert.deepEqual(sink.mails.map((m) => m.secure), [false, false]);
    } finally {
      await sink.close();
    }
  });

  test('through the deliverer: the channel password is sealed at rest and opened to send', async () => {
    const sink = await startSmtpSink({ user: 'alerts', password: 'smtp-pass-2' });
    try {
      const id = channel({ name: 'mail', kind: 'email', smtpHost: '127.0.0.1', smtpPort: sink.port, smtpStarttls: 'opportunistic', smtpUser: 'alerts', smtpPassword: 'smtp-pass-2', mailFrom: 'portal@test.example', mailTo: ['ops@test.example'] });
      const stored = db.$client.prepare('SELECT secret, config FROM notification_channels WHERE id = ?').get(id) as { secret: string; config: string };
      assert.match(stored.secret, /^enc:v1:/);
      assert.doesNotMatch(stored.config, /smtp-pass-2/);
      const d = enqueueTestDelivery(db, id, 'ops@test', clock)!;
      // the certificate is self-signed: the deliverer's sender gets the test CA, as NODE_EXTRA_CA_CERTS would give it
      await deliverDue({ ...deps, email: (req) => sendEmail({ ...req, ca: sink.cert }) });
      assert.equal(delivery(d.id).status, 'sent');
      const [mail] = await sink.waitFor(1, 5_000);
      assert.equal(mail!.user, 'alerts');
      assert.match(mail!.data, /Test notification for channel "mail"/);
    } finally {
      await sink.close();
    }
  });
});
