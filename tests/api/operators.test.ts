import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { errorBodySchema } from '../../lib/api/contracts';
import { TEST_ADMIN, signIn } from '../portal-process';
import { openSqlite, useServer, type ApiInit } from './server';

// Throttling has its own tests; here wrong passwords must not slow the other sign-ins down.
const server = useServer({ LOGIN_SLOW_AFTER: '500', LOGIN_LOCK_AFTER: '1000' });

/** Every password this file uses: none may appear in any response. */
const passwords = new Set<string>([TEST_ADMIN.password]);
const responses: string[] = [];

async function call<T = any>(path: string, init?: ApiInit) {
  const res = await server.api<T>(path, init);
  responses.push(res.text);
  return res;
}

let seq = 0;
/** Creates an operator through the API (as the test admin) and returns it with its password. */
async function createOperator(role: 'admin' | 'editor' | 'viewer', extra: Record<string, unknown> = {}) {
  const email = `op${++seq}-${role}@portal.test`;
  const password = `Pass-${role}-${seq}-long`;
  passwords.add(password);
  const res = await call('/api/operators', { method: 'POST', json: { email, name: `Operator ${seq}`, role, password, ...extra } });
  assert.equal(res.status, 201, res.text);
  return { ...res.body, password } as { id: number; email: string; role: string; disabled: boolean; password: string };
}

const session = (value: string) => ({ session: value });
const me = (auth: ApiInit['auth']) => call('/api/auth/me', { auth });

async function selfId(): Promise<number> {
  return (await me('admin')).body.operator.id;
}

async function auditRows(entityType: string, entityId: number) {
  const db = await openSqlite(server.dbPath);
  try {
    return (await db.prepare('select action, actor, via, changes from audit_log where entity_type = ? and entity_id = ? order by id').all(entityType, entityId)).map(
      (r: any) => ({ ...r, changes: typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes }),
    );
  } finally {
    await db.close();
  }
}

describe('operators management', () => {
  test('the last enabled admin cannot be demoted or disabled; a disabled admin does not count', async () => {
    const id = await selfId();
    for (const patch of [{ role: 'editor' }, { disabled: true }]) {
      const res = await call(`/api/operators/${id}`, { method: 'PATCH', json: patch });
      assert.equal(res.status, 409, res.text);
      assert.equal(errorBodySchema.parse(res.body).error.code, 'last_admin');
    }
    const other = await createOperator('admin');
    assert.equal((await call(`/api/operators/${other.id}`, { method: 'PATCH', json: { disabled: true } })).status, 200);
    const still = await call(`/api/operators/${id}`, { method: 'PATCH', json: { role: 'viewer' } });
    assert.equal(still.status, 409, 'a disabled admin does not count');
    assert.equal((await me('admin')).body.operator.role, 'admin');
  });

  test('an admin with another enabled admin beside them can be demoted', async () => {
    const second = await createOperator('admin');
    const secondSession = await signIn(server.baseUrl, second.email, second.password);
    const res = await call(`/api/operators/${second.id}`, { method: 'PATCH', json: { role: 'editor' }, auth: session(secondSession) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.role, 'editor');
    assert.equal((await me(session(secondSession))).status, 200, 'demoting yourself keeps the session in use');
    assert.equal((await me(session(secondSession))).body.operator.role, 'editor');
  });

  test('admin creates an editor and a viewer; list and read them; never a password or hash', async () => {
    const editor = await createOperator('editor');
    const viewer = await createOperator('viewer');
    for (const op of [editor, viewer]) {
      assert.deepEqual(Object.keys(op).sort(), ['createdAt', 'disabled', 'email', 'id', 'name', 'password', 'role', 'updatedAt']);
      assert.equal(op.disabled, false);
    }
    const list = await call('/api/operators');
    assert.equal(list.status, 200);
    const emails = list.body.items.map((o: { email: string }) => o.email);
    assert.ok(emails.includes(editor.email) && emails.includes(viewer.email) && emails.includes(TEST_ADMIN.email));
    assert.deepEqual(emails, [...emails].sort());
    const one = await call(`/api/operators/${viewer.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.role, 'viewer');
    assert.equal((await call('/api/operators/999999')).status, 404);

    const [created] = await auditRows('operator', editor.id);
    assert.equal(created.action, 'create');
    assert.equal(created.actor, TEST_ADMIN.email);
    assert.deepEqual(created.changes.password, { before: null, after: 'changed' });
    assert.deepEqual(created.changes.role, { before: null, after: 'editor' });
  });

  test('e-mail is unique, whatever its case → 409 conflict on fields.email', async () => {
    const op = await createOperator('viewer');
    const res = await call('/api/operators', { method: 'POST', json: { email: op.email.toUpperCase(), role: 'editor', password: 'Another-pass-1' } });
    assert.equal(res.status, 409, res.text);
    const { error } = errorBodySchema.parse(res.body);
    assert.equal(error.code, 'conflict');
    assert.ok(error.fields?.email);
  });

  test('invalid input → 422 with the fields named', async () => {
    const res = await call('/api/operators', { method: 'POST', json: { email: 'not-an-email', role: 'root', password: 'short', extra: 1 } });
    assert.equal(res.status, 422, res.text);
    const { fields } = errorBodySchema.parse(res.body).error;
    assert.deepEqual(Object.keys(fields ?? {}).sort(), ['email', 'extra', 'password', 'role']);
    const patch = await call(`/api/operators/${await selfId()}`, { method: 'PATCH', json: { email: 'other@portal.test' } });
    assert.equal(patch.status, 422, 'the e-mail cannot be changed');
    assert.deepEqual(Object.keys(errorBodySchema.parse(patch.body).error.fields ?? {}), ['email']);
  });

  test('an admin cannot delete themselves; deleting another removes their sessions and tokens', async () => {
    const id = await selfId();
    const self = await call(`/api/operators/${id}`, { method: 'DELETE' });
    assert.equal(self.status, 409, self.text);
    assert.equal(errorBodySchema.parse(self.body).error.code, 'conflict');
    assert.equal((await call(`/api/operators/${id}`)).status, 200);

    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const token = (await call('/api/tokens', { method: 'POST', json: { name: 'doomed', currentPassword: op.password }, auth: session(cookie) })).body.token as string;
    const res = await call(`/api/operators/${op.id}`, { method: 'DELETE' });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { id: op.id });
    assert.equal((await call(`/api/operators/${op.id}`)).status, 404);
    assert.equal((await me(session(cookie))).status, 401);
    assert.equal((await me({ token })).status, 401);
    assert.equal((await call(`/api/operators/${op.id}`, { method: 'DELETE' })).status, 404);
    assert.equal((await auditRows('operator', op.id)).at(-1)?.action, 'delete');
  });

  test('only admins reach the operators API', async () => {
    const editor = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, editor.email, editor.password);
    assert.equal((await call('/api/operators', { auth: session(cookie) })).status, 403);
    assert.equal((await call('/api/operators', { method: 'POST', json: {}, auth: session(cookie) })).status, 403);
    assert.equal((await call(`/api/operators/${editor.id}`, { method: 'PATCH', json: { role: 'admin' }, auth: session(cookie) })).status, 403);
    assert.equal((await call('/api/operators', { auth: 'none' })).status, 401);
  });

  test('a role change signs the operator out; their token keeps working with the new role', async () => {
    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const token = (await call('/api/tokens', { method: 'POST', json: { name: 'ci', currentPassword: op.password }, auth: session(cookie) })).body.token as string;
    const write = () => call('/api/ddi-providers', { method: 'POST', json: { name: `Token provider ${++seq}` }, auth: { token } });
    assert.equal((await write()).status, 201, 'an editor token may write');

    const res = await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { role: 'viewer' } });
    assert.equal(res.status, 200, res.text);
    assert.equal((await me(session(cookie))).status, 401, 'the old session is revoked');
    const viaToken = await me({ token });
    assert.equal(viaToken.status, 200);
    assert.equal(viaToken.body.operator.role, 'viewer');
    assert.equal((await write()).status, 403, 'the token now acts as a viewer');

    const [, changed] = await auditRows('operator', op.id);
    assert.equal(changed.action, 'update');
    assert.deepEqual(changed.changes, { role: { before: 'editor', after: 'viewer' } });
  });

  test('an unchanged role signs nobody out', async () => {
    const op = await createOperator('viewer');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    assert.equal((await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { role: 'viewer', name: 'Renamed' } })).status, 200);
    assert.equal((await me(session(cookie))).status, 200);
    assert.equal((await me(session(cookie))).body.operator.name, 'Renamed');
  });

  test('a disabled operator cannot sign in (same answer as a wrong password) and their token stops working', async () => {
    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const token = (await call('/api/tokens', { method: 'POST', json: { name: 'cron', currentPassword: op.password }, auth: session(cookie) })).body.token as string;
    const wrong = await call('/api/auth/login', { method: 'POST', json: { email: op.email, password: 'Wrong-password-1' }, auth: 'none' });
    assert.equal(wrong.status, 401);

    const res = await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { disabled: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.disabled, true);
    assert.equal((await me(session(cookie))).status, 401);
    assert.equal((await me({ token })).status, 401);
    const login = await call('/api/auth/login', { method: 'POST', json: { email: op.email, password: op.password }, auth: 'none' });
    assert.equal(login.status, 401);
    assert.equal(login.body.error.code, 'invalid_credentials');
    assert.deepEqual(login.body, wrong.body, 'the answer does not tell a disabled account from a wrong password');
    assert.equal((await auditRows('operator', op.id)).at(-1)?.action, 'disable');

    assert.equal((await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { disabled: false } })).status, 200);
    assert.equal((await me({ token })).status, 401, 'enabled again, the token stays revoked: the disable revoked it');
    assert.ok(await signIn(server.baseUrl, op.email, op.password));
    const tokens = await call(`/api/operators/${op.id}/tokens`);
    assert.equal(tokens.status, 200, tokens.text);
    assert.ok(tokens.body.items.length === 1 && tokens.body.items[0].revokedAt !== null);
    const revocation = (await auditRows('api_token', tokens.body.items[0].id)).at(-1);
    assert.deepEqual([revocation?.action, revocation?.changes], ['revoke', { revoked: { before: null, after: 'operator disabled' } }]);
  });

  test('an admin resets a password: the old one stops working, sessions are revoked, the audit says only "changed"', async () => {
    const op = await createOperator('viewer');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const token = (await call('/api/tokens', { method: 'POST', json: { name: 'stolen', currentPassword: op.password }, auth: session(cookie) })).body.token as string;
    assert.equal((await me({ token })).status, 200);
    const newPassword = 'Reset-by-admin-42';
    passwords.add(newPassword);
    const res = await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { password: newPassword } });
    assert.equal(res.status, 200, res.text);
    assert.equal((await me(session(cookie))).status, 401);
    assert.equal((await me({ token })).status, 401, 'a password reset revokes the operator\'s API tokens');
    await assert.rejects(signIn(server.baseUrl, op.email, op.password), /401/);
    assert.ok(await signIn(server.baseUrl, op.email, newPassword));
    const last = (await auditRows('operator', op.id)).at(-1);
    assert.deepEqual(last?.changes, { password: { before: 'set', after: 'changed' } });
  });
});

describe('API tokens', () => {
  test('created once, listed without the token, bearer acts with the role, revoked → 401', async () => {
    const op = await createOperator('viewer');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const created = await call('/api/tokens', { method: 'POST', json: { name: 'dashboard script', currentPassword: op.password }, auth: session(cookie) });
    assert.equal(created.status, 201, created.text);
    const { token, apiToken } = created.body as { token: string; apiToken: { id: number; name: string; prefix: string } };
    assert.match(token, /^ddr_t_[A-Za-z0-9_-]{40,}$/);
    assert.ok(token.startsWith(apiToken.prefix));
    assert.equal(apiToken.name, 'dashboard script');

    const list = await call('/api/tokens', { auth: session(cookie) });
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(token), 'the list never holds the token');
    assert.deepEqual(Object.keys(list.body.items[0]).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt']);

    const viaToken = await me({ token });
    assert.equal(viaToken.status, 200);
    assert.deepEqual([viaToken.body.via, viaToken.body.operator.email, viaToken.body.operator.role], ['token', op.email, 'viewer']);
    assert.equal((await call('/api/registrations', { auth: { token } })).status, 200);
    assert.equal((await call('/api/ddi-providers', { method: 'POST', json: { name: 'Viewer token' }, auth: { token } })).status, 403);

    const adminList = await call('/api/tokens');
    assert.ok(!adminList.body.items.some((t: { id: number }) => t.id === apiToken.id), 'each operator sees only their own tokens');
    assert.equal((await call(`/api/tokens/${apiToken.id}`, { method: 'DELETE' })).status, 404, 'nor revokes another one');

    const revoked = await call(`/api/tokens/${apiToken.id}`, { method: 'DELETE', auth: session(cookie) });
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await me({ token })).status, 401);
    assert.equal((await call(`/api/tokens/${apiToken.id}`, { method: 'DELETE', auth: session(cookie) })).status, 404);
  });
});

describe('own password', () => {
  test('wrong current password → 422 on currentPassword; success signs out the other sessions only', async () => {
    const op = await createOperator('editor');
    const here = await signIn(server.baseUrl, op.email, op.password);
    const elsewhere = await signIn(server.baseUrl, op.email, op.password);
    const newPassword = 'Changed-by-myself-7';
    passwords.add(newPassword);

    const wrong = await call('/api/auth/password', { method: 'POST', json: { currentPassword: 'Not-my-password', newPassword }, auth: session(here) });
    assert.equal(wrong.status, 422, wrong.text);
    assert.ok(errorBodySchema.parse(wrong.body).error.fields?.currentPassword);
    assert.equal((await me(session(elsewhere))).status, 200);

    const ok = await call('/api/auth/password', { method: 'POST', json: { currentPassword: op.password, newPassword }, auth: session(here) });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await me(session(here))).status, 200, 'this session stays');
    assert.equal((await me(session(elsewhere))).status, 401, 'the other one is signed out');
    await assert.rejects(signIn(server.baseUrl, op.email, op.password), /401/);
    assert.ok(await signIn(server.baseUrl, op.email, newPassword));
  });
});

describe('API tokens and account recovery', () => {
  const makeToken = async (op: { password: string }, cookie: string, name: string) => {
    const res = await call('/api/tokens', { method: 'POST', json: { name, currentPassword: op.password }, auth: session(cookie) });
    assert.equal(res.status, 201, res.text);
    return res.body as { token: string; apiToken: { id: number } };
  };

  test('creating a token needs the current password: missing → 422, wrong → 403 wrong_password (nothing created)', async () => {
    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const missing = await call('/api/tokens', { method: 'POST', json: { name: 'no password' }, auth: session(cookie) });
    assert.deepEqual([missing.status, missing.body.error.code, Object.keys(missing.body.error.fields)], [422, 'validation', ['currentPassword']]);
    const wrong = await call('/api/tokens', { method: 'POST', json: { name: 'wrong password', currentPassword: 'Not-my-password-1' }, auth: session(cookie) });
    assert.deepEqual([wrong.status, wrong.body.error.code, Object.keys(wrong.body.error.fields)], [403, 'wrong_password', ['currentPassword']]);
    assert.deepEqual((await call('/api/tokens', { auth: session(cookie) })).body.items, []);
  });

  test('your own password change revokes your tokens (audited); revokeTokens: false keeps them', async () => {
    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const first = await makeToken(op, cookie, 'stolen-session script');
    const newPassword = `${op.password}-new`;
    passwords.add(newPassword);
    const changed = await call('/api/auth/password', { method: 'POST', json: { currentPassword: op.password, newPassword }, auth: session(cookie) });
    assert.equal(changed.status, 200, changed.text);
    assert.deepEqual(changed.body, { changed: true, tokensRevoked: 1 });
    assert.equal((await me({ token: first.token })).status, 401, 'the token made before the change is refused');
    assert.deepEqual((await auditRows('api_token', first.apiToken.id)).at(-1)?.changes, { revoked: { before: null, after: 'password changed' } });

    const second = await makeToken({ password: newPassword }, cookie, 'kept script');
    const newer = `${newPassword}-2`;
    passwords.add(newer);
    const kept = await call('/api/auth/password', { method: 'POST', json: { currentPassword: newPassword, newPassword: newer, revokeTokens: false }, auth: session(cookie) });
    assert.deepEqual(kept.body, { changed: true, tokensRevoked: 0 });
    assert.equal((await me({ token: second.token })).status, 200, 'kept when asked');
  });

  test('an admin reset with revokeTokens: false keeps the tokens', async () => {
    const op = await createOperator('viewer');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const { token } = await makeToken(op, cookie, 'kept');
    passwords.add('Reset-keeping-tokens-1');
    const res = await call(`/api/operators/${op.id}`, { method: 'PATCH', json: { password: 'Reset-keeping-tokens-1', revokeTokens: false } });
    assert.equal(res.status, 200, res.text);
    assert.equal((await me({ token })).status, 200);
  });

  test('an admin lists and revokes another operator\'s tokens (audited); others get 403', async () => {
    const op = await createOperator('editor');
    const cookie = await signIn(server.baseUrl, op.email, op.password);
    const { token, apiToken } = await makeToken(op, cookie, 'suspicious');
    const list = await call(`/api/operators/${op.id}/tokens`);
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body.items.map((t: { id: number }) => t.id), [apiToken.id]);
    assert.ok(!list.text.includes(token), 'never the token itself');
    for (const auth of [session(cookie), { token }]) {
      assert.equal((await call(`/api/operators/${op.id}/tokens`, { auth })).status, 403);
      assert.equal((await call(`/api/operators/${op.id}/tokens/${apiToken.id}`, { method: 'DELETE', auth })).status, 403);
    }
    const other = await createOperator('viewer');
    assert.equal((await call(`/api/operators/${other.id}/tokens/${apiToken.id}`, { method: 'DELETE' })).status, 404, 'the token must be that operator\'s');
    const revoked = await call(`/api/operators/${op.id}/tokens/${apiToken.id}`, { method: 'DELETE' });
    assert.equal(revoked.status, 200, revoked.text);
    assert.ok(revoked.body.revokedAt);
    assert.equal((await me({ token })).status, 401);
    const last = (await auditRows('api_token', apiToken.id)).at(-1);
    assert.deepEqual([last?.action, last?.actor], ['revoke', TEST_ADMIN.email]);
  });
});

test('no response of this file holds a password or a password hash', () => {
  assert.ok(responses.length > 50);
  const all = responses.join('\n');
  for (const secret of ['passwordHash', 'password_hash', 'scrypt$', ...passwords]) {
    assert.ok(!all.includes(secret), `a response contains ${JSON.stringify(secret)}`);
  }
});
