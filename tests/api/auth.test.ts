/**
 * Signing in and out, the session cookie, first-run setup, sign-in throttling and API tokens,
 * against the real server.
 */
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, describe, test } from 'node:test';
import { tokenHash } from '../../lib/auth/secret-token';
import { signIn, startPortal, TEST_ADMIN } from '../portal-process';
import { createOperator } from './extra-operators';
import { rawRequest } from './raw-request';
import { openSqlite, useServer, type ApiResponse, type TestServer } from './server';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Failed sign-ins in this file must not slow down the others: throttling is tested apart. */
const server = useServer({ LOGIN_SLOW_AFTER: '1000', LOGIN_LOCK_AFTER: '1000' });

const login = (s: TestServer, email: string, password: string, headers: Record<string, string> = {}) =>
  s.api('/api/auth/login', { method: 'POST', auth: 'none', headers: { origin: s.baseUrl, ...headers }, json: { email, password } });

const sessionOf = (res: ApiResponse<unknown>) => /ddr_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

const me = (s: TestServer, session: string) => s.api('/api/auth/me', { auth: { session } });

async function withDb<T>(s: TestServer, fn: (db: Awaited<ReturnType<typeof openSqlite>>) => T | Promise<T>): Promise<T> {
  const db = await openSqlite(s.dbPath);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

describe('sign-in', () => {
  test('wrong password and unknown e-mail give the same answer', async () => {
    const wrongPassword = await login(server, TEST_ADMIN.email, 'Not-the-password-1');
    const unknownEmail = await login(server, 'nobody@portal.test', TEST_ADMIN.password);
    const unknownBoth = await login(server, 'nobody@portal.test', 'Not-the-password-1');
    const differentCase = await login(server, TEST_ADMIN.email.toUpperCase(), 'Not-the-password-1');
    for (const res of [wrongPassword, unknownEmail, unknownBoth, differentCase]) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, wrongPassword.body);
      assert.equal(res.headers.get('set-cookie'), null);
    }
    assert.equal(wrongPassword.body.error.code, 'invalid_credentials');
    assert.doesNotMatch(wrongPassword.body.error.message, /unknown|no such|not found|exist/i);
  });

  test('the e-mail is case-insensitive; the answer names the operator, never the hash', async () => {
    const res = await login(server, `  ${TEST_ADMIN.email.toUpperCase()} `, TEST_ADMIN.password);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.operator.email, TEST_ADMIN.email);
    assert.equal(res.body.operator.role, 'admin');
    assert.doesNotMatch(res.text, /scrypt|hash/i);
  });

  const attrs = (res: ApiResponse<unknown>) => (res.headers.get('set-cookie') ?? '').split(';').map((a) => a.trim());
  test('the session cookie over http: ddr_session, HttpOnly, SameSite=Lax, Path=/, Max-Age > 0, not Secure (a forged X-Forwarded-Proto changes nothing)', async () => {
    const plain = attrs(await login(server, TEST_ADMIN.email, TEST_ADMIN.password));
    assert.match(plain[0]!, /^ddr_session=ddr_s_[A-Za-z0-9_-]{43}$/);
    for (const a of ['HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(plain.includes(a), `${a} in ${plain.join('; ')}`);
    assert.ok(Number(plain.find((a) => a.startsWith('Max-Age='))?.slice(8)) > 0);
    assert.ok(!plain.some((a) => a.toLowerCase() === 'secure'), 'no Secure over http');
    const forged = attrs(await login(server, TEST_ADMIN.email, TEST_ADMIN.password, { 'x-forwarded-proto': 'https' }));
    assert.match(forged[0]!, /^ddr_session=/, 'X-Forwarded-Proto from a peer not in TRUST_PROXY is ignored');
    assert.ok(!forged.some((a) => a.toLowerCase() === 'secure'));
  });

  describe('behind a TLS proxy listed in TRUST_PROXY', () => {
    const proxied = useServer({ TRUST_PROXY: '127.0.0.1', LOGIN_SLOW_AFTER: '1000', LOGIN_LOCK_AFTER: '1000' });
    test('X-Forwarded-Proto: https → `__Host-ddr_session`, Secure, HSTS; that cookie (only) is read there', async () => {
      const res = await login(proxied, TEST_ADMIN.email, TEST_ADMIN.password, { 'x-forwarded-proto': 'https', origin: proxied.baseUrl.replace(/^http:/, 'https:') });
      assert.equal(res.status, 200, res.text);
      const https = attrs(res);
      assert.match(https[0]!, /^__Host-ddr_session=ddr_s_[A-Za-z0-9_-]{43}$/);
      for (const a of ['Secure', 'HttpOnly', 'SameSite=Lax', 'Path=/']) assert.ok(https.includes(a), https.join('; '));
      assert.ok(!https.some((a) => /^domain=/i.test(a)), 'no Domain (the __Host- prefix forbids it)');
      assert.match(res.headers.get('strict-transport-security') ?? '', /max-age=/);
      const token = https[0]!.split('=').slice(1).join('=');
      proxied.ledger.secret(token, 'https session');
      const meHttps = await rawRequest(proxied.baseUrl, '/api/auth/me', { headers: { cookie: `__Host-ddr_session=${token}`, 'x-forwarded-proto': 'https' } });
      assert.equal(meHttps.status, 200, meHttps.text);
      const plainName = await rawRequest(proxied.baseUrl, '/api/auth/me', { headers: { cookie: `ddr_session=${token}`, 'x-forwarded-proto': 'https' } });
      assert.equal(plainName.status, 401, 'over https only the __Host- name is read');
      const overHttp = await rawRequest(proxied.baseUrl, '/api/auth/me', { headers: { cookie: `__Host-ddr_session=${token}` } });
      assert.equal(overHttp.status, 401, 'over http only ddr_session is read');
    });
  });

  test('the session is stored hashed', async () => {
    const session = sessionOf(await login(server, TEST_ADMIN.email, TEST_ADMIN.password))!;
    const ids = await withDb(server, async (db) => ((await db.prepare('SELECT id FROM sessions').all()) as { id: string }[]).map((r) => r.id));
    assert.ok(ids.includes(tokenHash(session)));
    assert.ok(!ids.includes(session));
  });

  test('logout revokes the session on the server and clears the cookie', async () => {
    const session = sessionOf(await login(server, TEST_ADMIN.email, TEST_ADMIN.password))!;
    assert.equal((await me(server, session)).status, 200);
    const out = await server.api('/api/auth/logout', { method: 'POST', auth: { session } });
    assert.equal(out.status, 200, out.text);
    assert.match(out.headers.get('set-cookie') ?? '', /^ddr_session=;.*Max-Age=0/);
    const again = await me(server, session);
    assert.deepEqual([again.status, again.body.error.code], [401, 'unauthorized']);
    assert.equal((await me(server, server.adminSession)).status, 200, 'other sessions stay');
  });

  test('an expired session (idle or absolute) → 401, and it is removed', async () => {
    const idle = sessionOf(await login(server, TEST_ADMIN.email, TEST_ADMIN.password))!;
    const absolute = sessionOf(await login(server, TEST_ADMIN.email, TEST_ADMIN.password))!;
    const past = Date.now() - 1000;
    await withDb(server, async (db) => {
      await db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(past, tokenHash(idle));
      await db.prepare('UPDATE sessions SET created_at = ? WHERE id = ?').run(past - 8 * 24 * 3600_000, tokenHash(absolute));
    });
    for (const session of [idle, absolute]) {
      const res = await me(server, session);
      assert.deepEqual([res.status, res.body.error.code], [401, 'unauthorized']);
    }
    const left = await withDb(server, async (db) => (await db.prepare('SELECT count(*) AS n FROM sessions WHERE id IN (?, ?)').get(tokenHash(idle), tokenHash(absolute))) as { n: number });
    assert.equal(left.n, 0);
  });

  test('a disabled operator can neither sign in nor use an open session', async () => {
    const op = await createOperator(server, 'editor');
    const session = await signIn(server.baseUrl, op.email, op.password);
    server.ledger.secret(session, 'editor session');
    await withDb(server, async (db) => await db.prepare('UPDATE operators SET disabled = ? WHERE id = ?').run(true, op.id));
    assert.equal((await me(server, session)).status, 401);
    const res = await login(server, op.email, op.password);
    assert.deepEqual([res.status, res.body.error.code], [401, 'invalid_credentials']);
  });

  test('the operator was created from ADMIN_EMAIL / ADMIN_PASSWORD, as an admin', async () => {
    const row = await withDb(server, async (db) => (await db.prepare('SELECT role, password_hash FROM operators WHERE email = ?').get(TEST_ADMIN.email)) as { role: string; password_hash: string });
    assert.equal(row.role, 'admin');
    assert.match(row.password_hash, /^scrypt\$/);
    assert.match(server.output(), /First admin created from ADMIN_EMAIL/);
  });
});

describe('first run', () => {
  const fresh = useServer({ ADMIN_EMAIL: '' });
  const admin = { email: 'First.Admin@Portal.Test', name: 'First Admin', password: 'First-admin-pass-1' };

  test('with no operator: setup is needed, pages go to /setup, the API answers 401, /login goes to /setup', async () => {
    await fresh.ready();
    fresh.ledger.secret(admin.password, 'first admin password');
    const needed = await fresh.api('/api/auth/setup', { auth: 'none' });
    assert.deepEqual([needed.status, needed.body], [200, { needed: true }]);
    for (const path of ['/', '/registrations', '/login']) {
      const res = await fetch(fresh.baseUrl + path, { redirect: 'manual' });
      assert.deepEqual([res.status, res.headers.get('location')], [303, '/setup'], path);
    }
    assert.equal((await fetch(`${fresh.baseUrl}/setup`, { redirect: 'manual' })).status, 200);
    assert.equal((await fresh.api('/api/registrations', { auth: 'none' })).status, 401);
    assert.equal((await login(fresh, admin.email, admin.password)).status, 401);
  });

  test('the server printed a one-time setup token with the setup URL; ADMIN_EMAIL servers print none', () => {
    assert.match(fresh.output(), /First run: no operator yet\. Create the first admin at http:\/\/127\.0\.0\.1:\d+\/setup\?token=[A-Za-z0-9_-]{32}(?![A-Za-z0-9_-])/);
    assert.ok(fresh.setupToken());
    assert.doesNotMatch(server.output(), /setup\?token=/);
  });

  test('DNS rebinding: Host and Origin both rebind.attacker.example cannot set up, even with the token', async () => {
    const res = await rawRequest(fresh.baseUrl, '/api/auth/setup', {
      method: 'POST',
      headers: { host: 'rebind.attacker.example', origin: 'http://rebind.attacker.example', 'content-type': 'application/json' },
      body: JSON.stringify({ ...admin, email: 'rebind@attacker.example', setupToken: fresh.setupToken() }),
    });
    assert.equal(res.status, 421, res.text);
    assert.equal(JSON.parse(res.text).error.code, 'misdirected');
    assert.deepEqual((await fresh.api('/api/auth/setup', { auth: 'none' })).body, { needed: true });
  });

  test('setup without the token, or with a wrong one, is 403 setup_token and creates nothing', async () => {
    for (const setupToken of [undefined, '', 'wrong-token', `${fresh.setupToken()}x`, 42]) {
      const res = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: fresh.baseUrl }, json: { ...admin, setupToken } });
      assert.deepEqual([res.status, res.body.error.code], [403, 'setup_token'], String(setupToken));
    }
    assert.deepEqual((await fresh.api('/api/auth/setup', { auth: 'none' })).body, { needed: true });
  });

  test('setup checks the input and the Origin', async () => {
    const setupToken = fresh.setupToken();
    const weak = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: fresh.baseUrl }, json: { email: admin.email, password: 'short', setupToken } });
    assert.deepEqual([weak.status, weak.body.error.code], [422, 'validation']);
    assert.ok(weak.body.error.fields.password);
    const asViewer = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: fresh.baseUrl }, json: { ...admin, role: 'viewer', setupToken } });
    assert.equal(asViewer.status, 422, 'the role is not chosen: the first operator is an admin');
    const foreign = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: 'https://evil.example' }, json: { ...admin, setupToken } });
    assert.deepEqual([foreign.status, foreign.body.error.code], [403, 'csrf']);
    assert.deepEqual((await fresh.api('/api/auth/setup', { auth: 'none' })).body, { needed: true });
  });

  test('POST /api/auth/setup with the token creates the admin and signs them in; a second setup → 409 setup_done', async () => {
    const setupToken = fresh.setupToken();
    const res = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: fresh.baseUrl }, json: { ...admin, setupToken } });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual([res.body.operator.email, res.body.operator.role], [admin.email.toLowerCase(), 'admin']);
    const session = sessionOf(res)!;
    const who = await me(fresh, session);
    assert.deepEqual([who.status, who.body.operator.email], [200, admin.email.toLowerCase()]);
    assert.deepEqual((await fresh.api('/api/auth/setup', { auth: 'none' })).body, { needed: false });

    const second = await fresh.api('/api/auth/setup', { method: 'POST', auth: 'none', headers: { origin: fresh.baseUrl }, json: { email: 'intruder@portal.test', password: 'Intruder-pass-1', setupToken } });
    assert.deepEqual([second.status, second.body.error.code], [409, 'setup_done']);
    const setupPage = await fetch(`${fresh.baseUrl}/setup`, { redirect: 'manual' });
    assert.deepEqual([setupPage.status, setupPage.headers.get('location')], [303, '/login']);
    assert.equal((await login(fresh, 'intruder@portal.test', 'Intruder-pass-1')).status, 401);
    const audit = await withDb(fresh, async (db) => await db.prepare("SELECT via, action FROM audit_log WHERE entity_type = 'operator'").all());
    assert.deepEqual(audit, [{ via: 'setup', action: 'create' }]);
  });
});

describe('ADMIN_EMAIL / ADMIN_PASSWORD', () => {
  const started: { stop: () => Promise<void> }[] = [];
  after(async () => {
    for (const p of started.reverse()) await p.stop();
  });

  test('bootstrap only into an empty database: a later start with other values changes nothing', async () => {
    const first = await startPortal({ REGISTRAR_ENABLED: '0' });
    started.push(first);
    const second = await startPortal({ REGISTRAR_ENABLED: '0', DATABASE_PATH: first.dbPath, ADMIN_EMAIL: 'other@portal.test', ADMIN_PASSWORD: 'Other-admin-pass-1' });
    started.push(second);
    assert.doesNotMatch(second.log(), /First admin created/);
    await assert.rejects(signIn(second.base, 'other@portal.test', 'Other-admin-pass-1'), /401/);
    const db = await openSqlite(first.dbPath);
    try {
      assert.deepEqual(await db.prepare('SELECT email FROM operators').all(), [{ email: TEST_ADMIN.email }]);
    } finally {
      await db.close();
    }
  });

  test('an unusable ADMIN_PASSWORD stops start-up with a message naming the variable, not the value', async () => {
    const error = await startPortal({ REGISTRAR_ENABLED: '0', ADMIN_EMAIL: 'weak@portal.test', ADMIN_PASSWORD: 'Weak9' }).then(
      () => assert.fail('the portal started'),
      (err: Error) => err.message,
    );
    assert.match(error, /ADMIN_PASSWORD/);
    assert.doesNotMatch(error, /Weak9/);
  });
});

/** POST /api/auth/login from a chosen loopback address (the throttle keys on the client address). */
function loginFrom(s: TestServer, localAddress: string, email: string, password: string, headers: Record<string, string> = {}) {
  s.ledger.requestBody({ password }, `POST /api/auth/login from ${localAddress}`);
  return new Promise<{ status: number; code: string; message: string; retryAfter: string | null }>((resolve, reject) => {
    const url = new URL(s.baseUrl);
    const body = JSON.stringify({ email, password });
    const req = request(
      { host: url.hostname, port: url.port, path: '/api/auth/login', method: 'POST', localAddress, headers: { 'content-type': 'application/json', origin: s.baseUrl, ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => {
          s.ledger.response(`POST /api/auth/login from ${localAddress} → ${res.statusCode}`, text);
          const parsed = JSON.parse(text) as { error?: { code: string; message: string } };
          const retry = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, code: parsed.error?.code ?? 'ok', message: parsed.error?.message ?? '', retryAfter: typeof retry === 'string' ? retry : null });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('sign-in throttling (slow after 2 failures, lock after 4 for 1 min)', () => {
  const limited = useServer({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '1' });
  const wrong = 'Wrong-password-1';

  /** Two failures, an immediate try, wait, a failure, wait, the locking failure, then the right password. */
  async function sequence(address: string, email: string, rightPassword: string) {
    const steps = [];
    steps.push(await loginFrom(limited, address, email, wrong));
    steps.push(await loginFrom(limited, address, email, wrong));
    const throttled = await loginFrom(limited, address, email, wrong);
    steps.push(throttled);
    await sleep(Number(throttled.retryAfter) * 1000 + 100);
    const third = await loginFrom(limited, address, email, wrong);
    steps.push(third);
    await sleep(2100);
    steps.push(await loginFrom(limited, address, email, wrong));
    steps.push(await loginFrom(limited, address, email, rightPassword));
    return steps;
  }

  test('throttled, then locked, even for the right password; an unknown e-mail gets the very same answers', async () => {
    await limited.ready();
    const [known, unknown] = await Promise.all([sequence('127.0.0.2', TEST_ADMIN.email, TEST_ADMIN.password), sequence('127.0.0.3', 'ghost@portal.test', 'Ghost-pass-1')]);
    assert.deepEqual(
      known.map((s) => `${s.status} ${s.code}`),
      ['401 invalid_credentials', '401 invalid_credentials', '429 throttled', '401 invalid_credentials', '401 invalid_credentials', '429 locked'],
    );
    assert.equal(known[2]!.retryAfter, '1');
    assert.ok(Number(known[5]!.retryAfter) > 50 && Number(known[5]!.retryAfter) <= 60, `Retry-After ${known[5]!.retryAfter}`);
    const comparable = (steps: typeof known) => steps.map((s) => ({ status: s.status, code: s.code, message: s.message, retryAfter: s.retryAfter !== null }));
    assert.deepEqual(comparable(unknown), comparable(known));
  });

  test('the lock holds for the failing address (a spoofed client address header does not help); a clean address only waits the account\'s slow-down', async () => {
    const spoofed = { 'x-forwarded-for': '10.9.9.10', 'x-portal-client-ip': '127.0.0.4', 'x-real-ip': '10.9.9.10' };
    const again = await loginFrom(limited, '127.0.0.2', TEST_ADMIN.email, TEST_ADMIN.password, spoofed);
    assert.deepEqual([again.status, again.code], [429, 'locked']);
    const clean = await loginFrom(limited, '127.0.0.4', TEST_ADMIN.email, TEST_ADMIN.password);
    assert.deepEqual([clean.status, clean.code], [429, 'throttled'], 'the account is slowed down, not locked');
    assert.ok(Number(clean.retryAfter) >= 1 && Number(clean.retryAfter) <= 30, `Retry-After ${clean.retryAfter}`);
    await sleep(Number(clean.retryAfter) * 1000 + 100);
    const later = await loginFrom(limited, '127.0.0.4', TEST_ADMIN.email, TEST_ADMIN.password);
    assert.deepEqual([later.status, later.code], [200, 'ok'], 'the right password from a clean address gets in after the delay');
    const stillLocked = await loginFrom(limited, '127.0.0.2', TEST_ADMIN.email, TEST_ADMIN.password);
    assert.deepEqual([stillLocked.status, stillLocked.code], [429, 'locked'], 'the failing address stays locked');
    assert.equal((await limited.api('/api/auth/me')).status, 200, 'sessions opened before stay valid');
  });

  test('per address: failures for different e-mails add up; another address is not affected', async () => {
    assert.equal((await loginFrom(limited, '127.0.0.5', 'first@portal.test', wrong)).status, 401);
    assert.equal((await loginFrom(limited, '127.0.0.5', 'second@portal.test', wrong)).status, 401);
    const third = await loginFrom(limited, '127.0.0.5', 'third@portal.test', wrong);
    assert.deepEqual([third.status, third.code], [429, 'throttled']);
    assert.ok(third.retryAfter);
    const elsewhere = await loginFrom(limited, '127.0.0.6', 'third@portal.test', wrong);
    assert.deepEqual([elsewhere.status, elsewhere.code], [401, 'invalid_credentials']);
  });

  test('per account: failures from different addresses add up', async () => {
    assert.equal((await loginFrom(limited, '127.0.0.7', 'roaming@portal.test', wrong)).status, 401);
    assert.equal((await loginFrom(limited, '127.0.0.8', 'roaming@portal.test', wrong)).status, 401);
    const third = await loginFrom(limited, '127.0.0.9', 'roaming@portal.test', wrong);
    assert.deepEqual([third.status, third.code], [429, 'throttled']);
  });
});

describe('sign-in throttling under concurrency and against lock-outs (slow after 2 failures, lock after 4 for 1 min)', () => {
  const limited = useServer({ LOGIN_SLOW_AFTER: '2', LOGIN_LOCK_AFTER: '4', LOGIN_LOCK_MINUTES: '1' });
  const wrong = 'Wrong-password-1';
  const tally = (answers: { status: number }[]) => answers.reduce<Record<number, number>>((t, a) => ({ ...t, [a.status]: (t[a.status] ?? 0) + 1 }), {});

  test('60 parallel wrong passwords and the right one from one address: at most 2 wrong ones are evaluated, the rest 429', async () => {
    await limited.ready();
    const op = await createOperator(limited, 'editor');
    const started = performance.now();
    const attempts = [...Array.from({ length: 60 }, () => wrong), op.password].map((password) => loginFrom(limited, '127.0.0.20', op.email, password));
    const answers = await Promise.all(attempts);
    const spanMs = performance.now() - started;
    const counts = tally(answers);
    // Two, plus one per slow-down step (1 s, then 2 s, 4 s … after the previous failure) the burst
    // outlasted: on a loaded machine the last requests may arrive after the first wait is over.
    let allowed = 2;
    for (let step = 1000, waited = step; waited <= spanMs; step *= 2, waited += step) allowed++;
    assert.ok((counts[401] ?? 0) <= allowed, `evaluated wrong passwords in ${spanMs} ms (at most ${allowed}): ${JSON.stringify(counts)}`);
    assert.ok((counts[200] ?? 0) <= 1, JSON.stringify(counts));
    assert.equal(counts[429], 61 - (counts[401] ?? 0) - (counts[200] ?? 0), JSON.stringify(counts));
    if (!counts[200]) {
      const after = await loginFrom(limited, '127.0.0.20', op.email, op.password);
      assert.equal(after.status, 429, 'once the limit is hit, the right password does not slip through');
    }
  });

  test('parallel wrong passwords for one account from 30 addresses: at most 2 are evaluated', async () => {
    const op = await createOperator(limited, 'viewer');
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => loginFrom(limited, `127.0.1.${i + 1}`, op.email, wrong)));
    const counts = tally(answers);
    assert.ok((counts[401] ?? 0) <= 2 && counts[429] === 30 - (counts[401] ?? 0), JSON.stringify(counts));
    assert.ok(answers.every((a) => a.code !== 'locked'), 'an account alone is slowed down, never locked');
  });

  /** Records one failed sign-in for `email` from each of `addresses`, `agoMs` ago, as the server would. */
  const failFrom = (email: string, addresses: string[], agoMs: number) =>
    withDb(limited, async (db) => {
      const insert = db.prepare('INSERT INTO login_failures (key, at) VALUES (?, ?)');
      const at = Date.now() - agoMs;
      for (const ip of addresses) for (const key of [`account:${email}`, `ip:${ip}`, `pair:${email}|${ip}`]) await insert.run(key, at);
    });

  test('10 failures from 10 addresses do not lock an admin out: a clean address gets in after the capped delay', async () => {
    const op = await createOperator(limited, 'admin');
    const attackers = Array.from({ length: 10 }, (_, i) => `127.0.2.${i + 1}`);
    await failFrom(op.email, attackers, 0);
    const now = await loginFrom(limited, '127.0.2.100', op.email, op.password);
    assert.deepEqual([now.status, now.code], [429, 'throttled'], 'slowed down, not locked');
    assert.ok(Number(now.retryAfter) <= 30, `Retry-After ${now.retryAfter}`);
    await withDb(limited, async (db) => await db.prepare('UPDATE login_failures SET at = at - 31000').run());
    const later = await loginFrom(limited, '127.0.2.100', op.email, op.password);
    assert.deepEqual([later.status, later.code], [200, 'ok'], 'the right password from a clean address, 31 s after the last failure');
    const attacker = await loginFrom(limited, '127.0.2.101', op.email, wrong);
    assert.equal(attacker.status, 401, 'the success cleared the account\'s slow-down');
  });

  test('an admin unlocks an operator (audited); viewers and editors cannot (403)', async () => {
    const op = await createOperator(limited, 'viewer');
    await failFrom(op.email, ['127.0.3.1'], 0);
    await failFrom(op.email, Array.from({ length: 4 }, () => '127.0.3.2'), 0);
    const locked = await loginFrom(limited, '127.0.3.2', op.email, op.password);
    assert.deepEqual([locked.status, locked.code], [429, 'locked']);
    const throttled = await loginFrom(limited, '127.0.3.3', op.email, op.password);
    assert.deepEqual([throttled.status, throttled.code], [429, 'throttled']);
    for (const role of ['viewer', 'editor'] as const) {
      const other = await createOperator(limited, role);
      const session = await signIn(limited.baseUrl, other.email, other.password);
      limited.ledger.secret(session, `${role} session`);
      const refused = await limited.api(`/api/operators/${op.id}/unlock`, { method: 'POST', auth: { session } });
      assert.deepEqual([refused.status, refused.body.error.code], [403, 'forbidden'], role);
    }
    const unlocked = await limited.api(`/api/operators/${op.id}/unlock`, { method: 'POST' });
    assert.equal(unlocked.status, 200, unlocked.text);
    assert.deepEqual(unlocked.body, { unlocked: true, cleared: 15 });
    assert.equal((await loginFrom(limited, '127.0.3.2', op.email, op.password)).status, 200, 'the address that failed on it is unlocked too');
    assert.equal((await loginFrom(limited, '127.0.3.3', op.email, op.password)).status, 200);
    const audit = await withDb(limited, async (db) => await db.prepare("SELECT action, actor FROM audit_log WHERE entity_type = 'operator' AND entity_id = ? ORDER BY id DESC LIMIT 1").get(op.id));
    assert.deepEqual(audit, { action: 'unlock', actor: TEST_ADMIN.email });
    assert.equal((await limited.api('/api/operators/999999/unlock', { method: 'POST' })).status, 404);
  });

  test('a wrong current password when creating a token counts as a failed sign-in for the account', async () => {
    const op = await createOperator(limited, 'editor');
    const session = await signIn(limited.baseUrl, op.email, op.password);
    limited.ledger.secret(session, 'editor session');
    const create = (currentPassword: string) => limited.api('/api/tokens', { method: 'POST', json: { name: 'throttled script', currentPassword }, auth: { session } });
    for (let i = 0; i < 2; i++) {
      const res = await create('Not-my-password-1');
      assert.deepEqual([res.status, res.body.error.code], [403, 'wrong_password']);
    }
    const third = await create(op.password);
    assert.deepEqual([third.status, third.body.error.code], [429, 'throttled'], 'even the right password waits');
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    const signInElsewhere = await loginFrom(limited, '127.0.3.9', op.email, op.password);
    assert.deepEqual([signInElsewhere.status, signInElsewhere.code], [429, 'throttled'], 'the account is slowed down for sign-in too');
    assert.equal((await limited.api(`/api/operators/${op.id}/unlock`, { method: 'POST' })).status, 200);
    assert.equal((await create(op.password)).status, 201);
  });
});

describe('API tokens', () => {
  test('a bearer token reads and writes with its operator\'s role; GET /api/tokens never shows it', async () => {
    const created = await server.api('/api/tokens', { method: 'POST', json: { name: 'deploy script', currentPassword: TEST_ADMIN.password } });
    assert.equal(created.status, 201, created.text);
    const token: string = created.body.token;
    assert.match(token, /^ddr_t_/);
    assert.ok(token.startsWith(created.body.apiToken.prefix));
    const auth = { token };
    assert.equal((await server.api('/api/registrations', { auth })).status, 200);
    const write = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Token Carrier' }, auth });
    assert.equal(write.status, 201, write.text);
    const who = await server.api('/api/auth/me', { auth });
    assert.deepEqual([who.body.operator.email, who.body.via], [TEST_ADMIN.email, 'token']);

    const list = await server.api('/api/tokens');
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((t: { name: string }) => t.name === 'deploy script'));
    assert.ok(!list.text.includes(token.slice(12)), 'the token value is not listed');
    const stored = await withDb(server, async (db) => JSON.stringify(await db.prepare('SELECT * FROM api_tokens').all()));
    assert.ok(!stored.includes(token.slice(12)), 'stored hashed only');
  });

  test('a viewer\'s token cannot write; wrong and revoked tokens → 401', async () => {
    const viewer = await createOperator(server, 'viewer');
    const session = await signIn(server.baseUrl, viewer.email, viewer.password);
    server.ledger.secret(session, 'viewer session');
    const created = await server.api('/api/tokens', { method: 'POST', json: { name: 'viewer script', currentPassword: viewer.password }, auth: { session } });
    assert.equal(created.status, 201, created.text);
    const auth = { token: created.body.token as string };
    assert.equal((await server.api('/api/registrations', { auth })).status, 200);
    const write = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Viewer Carrier' }, auth });
    assert.deepEqual([write.status, write.body.error.code], [403, 'forbidden']);

    for (const bad of [`${auth.token}x`, auth.token.slice(0, -1), auth.token.replace('ddr_t_', 'ddr_s_'), 'ddr_t_']) {
      const res = await server.api('/api/registrations', { auth: { token: bad } });
      assert.deepEqual([res.status, res.body.error.code], [401, 'unauthorized'], bad);
    }
    const otherOperators = await server.api(`/api/tokens/${created.body.apiToken.id}`, { method: 'DELETE' });
    assert.equal(otherOperators.status, 404, 'an operator revokes only their own tokens');
    const revoked = await server.api(`/api/tokens/${created.body.apiToken.id}`, { method: 'DELETE', auth: { session } });
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.body.revokedAt);
    const after = await server.api('/api/registrations', { auth });
    assert.deepEqual([after.status, after.body.error.code], [401, 'unauthorized']);
  });

  test('a bearer token wins over a cookie, and a bad one is not rescued by a good cookie', async () => {
    const res = await server.api('/api/registrations', { headers: { authorization: 'Bearer ddr_t_forged' } });
    assert.equal(res.status, 401);
  });
});
