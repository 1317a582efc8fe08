/**
 * The OpenAPI document (GET /api/openapi.json) is complete and true: every route handler under
 * app/api (enumerated from the file system, so a new one cannot be left out) and the two
 * endpoints server.ts serves are documented, nothing else is, access matches the policy, and the
 * documented response schemas accept the answers the server really gives.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { z } from 'zod';
import * as contracts from '../../lib/api/contracts';
import { requiredAccess } from '../../lib/auth/policy';
import { ddiProviderGlossary, registrationGlossary } from '../../lib/glossary';
import { apiEndpoints } from './app-routes';
import { TEST_ADMIN } from '../portal-process';
import { openSqlite, useServer, type ApiInit } from './server';
import { startHttpReceiver } from '../alerts/receivers';

const server = useServer();

type Doc = { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any>; securitySchemes: Record<string, any> }; [key: string]: any };
let doc: Doc;

before(async () => {
  const res = await server.api<Doc>('/api/openapi.json');
  assert.equal(res.status, 200, res.text);
  doc = res.body;
});

const HTTP_METHODS = new Set(['get', 'head', 'post', 'put', 'patch', 'delete', 'options']);

/** `/api/operators/[id]` → `/api/operators/{id}` */
const docPath = (path: string) => path.replace(/\[([^\]]+)\]/g, '{$1}');

/** Every documented operation as `METHOD /path`. */
function documentedOperations(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => HTTP_METHODS.has(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

/** A schema of the document with every `$ref` replaced by the component it names (they do not recurse). */
function inlineRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(inlineRefs);
  if (schema === null || typeof schema !== 'object') return schema;
  const { $ref, ...rest } = schema as Record<string, unknown>;
  if (typeof $ref === 'string') {
    const component = doc.components.schemas[$ref.replace('#/components/schemas/', '')];
    assert.ok(component, `dangling ${$ref}`);
    return inlineRefs(component);
  }
  return Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inlineRefs(v)]));
}

/** The JSON schema the document gives for one answer, as a zod validator. */
function documentedSchema(method: string, path: string, status: number): z.ZodType {
  const answer = doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)];
  assert.ok(answer, `${method} ${path} documents no ${status}`);
  const schema = answer.content?.['application/json']?.schema;
  assert.ok(schema, `${method} ${path} ${status} has no JSON schema`);
  return z.fromJSONSchema(inlineRefs(schema) as Parameters<typeof z.fromJSONSchema>[0]);
}

/**
 * Calls the server and checks the answer: the expected status, accepted by the schema the
 * document gives for it and by the zod contract the tests use.
 */
async function answer<T>(method: string, path: string, real: string, status: number, contract: z.ZodType<T>, init: ApiInit = {}): Promise<T> {
  const res = await server.api(real, { ...init, method });
  assert.equal(res.status, status, `${method} ${real}: ${res.text}`);
  const documented = documentedSchema(method, path, status).safeParse(res.body);
  assert.ok(documented.success, `${method} ${real} does not match its documented ${status}: ${documented.error?.message}\n${res.text}`);
  return contract.parse(res.body);
}

describe('OpenAPI document', () => {
  test('documents every route handler, /api/events and /metrics, and nothing that does not exist', () => {
    assert.equal(doc.openapi, '3.1.0');
    const served = apiEndpoints().map((e) => `${e.method} ${docPath(e.path)}`);
    for (const required of ['GET /api/events', 'GET /metrics', 'POST /api/auth/login', 'DELETE /api/operators/{id}']) assert.ok(served.includes(required), required);
    const documented = documentedOperations();
    assert.deepEqual(
      served.filter((op) => !documented.includes(op)),
      [],
      'served but not documented',
    );
    assert.deepEqual(
      documented.filter((op) => !served.includes(op)),
      [],
      'documented but not served',
    );
    for (const op of served) {
      const [method, path] = op.split(' ') as [string, string];
      const operation = doc.paths[path]![method.toLowerCase()];
      assert.ok(operation.summary, `${op}: summary`);
      assert.ok(Object.keys(operation.responses).some((s) => /^2\d\d$/.test(s)), `${op}: a success answer`);
      for (const param of path.match(/\{[^}]+\}/g) ?? []) {
        const params = [...(doc.paths[path]!.parameters ?? []), ...(operation.parameters ?? [])];
        assert.ok(params.some((p: { name: string; in: string }) => p.in === 'path' && `{${p.name}}` === param), `${op}: path parameter ${param}`);
      }
    }
  });

  test('says who may call each operation, as the access policy does', () => {
    for (const op of documentedOperations()) {
      const [method, path] = op.split(' ') as [string, string];
      const operation = doc.paths[path]![method.toLowerCase()];
      const access = requiredAccess(method, path.replace(/\{[^}]+\}/g, '1'));
      if (access === 'public') {
        assert.deepEqual(operation.security, [], `${op} is public`);
        assert.equal(operation['x-required-role'], undefined, op);
      } else {
        assert.equal(operation['x-required-role'], access, op);
        assert.ok(operation.responses['401'], `${op}: 401`);
        if (access !== 'viewer' || method !== 'GET') assert.ok(operation.responses['403'], `${op}: 403`);
      }
    }
    assert.deepEqual(doc.security, [{ sessionCookie: [] }, { bearerToken: [] }]);
    const { sessionCookie, bearerToken } = doc.components.securitySchemes;
    assert.deepEqual([sessionCookie.type, sessionCookie.in, sessionCookie.name], ['apiKey', 'cookie', 'ddr_session']);
    assert.deepEqual([bearerToken.type, bearerToken.scheme], ['http', 'bearer']);

    const login = doc.paths['/api/auth/login']!.post;
    assert.ok(login.responses['429'].headers['Retry-After'], 'login 429 carries Retry-After');
    assert.ok(login.responses['200'].headers['Set-Cookie'], 'login sets the cookie');
    assert.match(doc.paths['/api/auth/setup']!.post.responses['409'].description, /setup_done/);
    assert.match(doc.paths['/api/operators/{id}']!.patch.responses['409'].description, /last_admin/);
    assert.match(doc.paths['/api/operators/{id}']!.delete.responses['409'].description, /conflict.*last_admin/);
    assert.match(doc.paths['/api/operators']!.post.responses['409'].description, /conflict/);
  });

  test('has the request schemas and query parameters of the handlers, glossary descriptions, and no secret in any response schema', () => {
    const schemas = doc.components.schemas;
    for (const name of ['RegistrationInput', 'RegistrationPatch', 'Registration', 'RegistrationStatus', 'RegistrationList', 'DdiProviderInput', 'DdiProvider', 'Error', 'Availability', 'DdiSuggestion']) {
      assert.ok(schemas[name], name);
    }
    const glossary: Record<string, { label: string; help: string }> = registrationGlossary;
    for (const field of ['username', 'domain', 'password', 'ddi', 'authUsername', 'registerServerUri', 'realm', 'expires', 'transport', 'enabled']) {
      assert.ok(glossary[field], `glossary.${field}`);
    }
    for (const [field, prop] of Object.entries<{ description?: string; title?: string }>(schemas.RegistrationInput.properties)) {
      const entry = glossary[field];
      if (!entry) continue;
      assert.equal(prop.description, entry.help, field);
      assert.equal(prop.title, entry.label, field);
    }
    assert.equal(schemas.Registration.properties.ddi.description, registrationGlossary.ddi.help);
    assert.equal(schemas.DdiProviderInput.properties.ddis.description, ddiProviderGlossary.ddis.help);
    assert.deepEqual(schemas.RegistrationInput.properties.transport.enum, ['auto', 'udp', 'tcp', 'tls']);
    assert.equal(schemas.RegistrationInput.properties.transport.default, 'auto', 'a new registration without a transport gets auto');
    assert.equal(schemas.RegistrationPatch.properties.transport.default, undefined, 'a PATCH without it keeps the stored one');
    assert.match(schemas.RegistrationStatus.properties.target.description, /auto.*DNS chose/);
    assert.equal(schemas.RegistrationInput.additionalProperties, false);
    assert.deepEqual(schemas.RegistrationInput.required.sort(), ['ddi', 'ddiProviderId', 'domain', 'username']);
    const listParams = doc.paths['/api/registrations']!.get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(listParams, ['ddiProviderId', 'order', 'page', 'pageSize', 'q', 'sort', 'state']);
    const availParams = doc.paths['/api/registrations/availability']!.get.parameters.map((p: { name: string }) => p.name).sort();
    assert.deepEqual(availParams, ['ddi', 'domain', 'excludeId', 'username']);

    const requestBody = (method: string, path: string) => doc.paths[path]![method].requestBody.content['application/json'].schema.$ref.split('/').pop();
    assert.equal(requestBody('post', '/api/auth/login'), 'LoginInput');
    assert.equal(requestBody('post', '/api/auth/setup'), 'SetupInput');
    assert.equal(requestBody('post', '/api/auth/password'), 'PasswordChange');
    assert.equal(requestBody('post', '/api/tokens'), 'ApiTokenInput');
    assert.equal(requestBody('post', '/api/operators'), 'OperatorInput');
    assert.equal(requestBody('patch', '/api/operators/{id}'), 'OperatorPatch');
    assert.deepEqual(schemas.OperatorInput.required.sort(), ['email', 'password', 'role']);
    assert.equal(schemas.OperatorInput.additionalProperties, false);
    assert.equal(schemas.OperatorInput.properties.email.format, 'email');

    // No response schema has a password, a hash or a secret; only ApiTokenCreated carries the new token.
    const responseSchemas = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!HTTP_METHODS.has(method)) continue;
        for (const r of Object.values<any>(operation.responses)) {
          const ref: string | undefined = r.content?.['application/json']?.schema?.$ref;
          if (ref) responseSchemas.add(ref);
        }
      }
    }
    for (const ref of responseSchemas) {
      const text = JSON.stringify(inlineRefs({ $ref: ref }));
      assert.doesNotMatch(text, /"(password\w*|\w*Hash|secret\w*)":/i, ref);
      if (!ref.endsWith('/ApiTokenCreated')) assert.doesNotMatch(text, /"token":/, ref);
    }

    // Every $ref resolves.
    for (const ref of JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? []) {
      const name = ref.split('/').pop()!.replace('"', '');
      assert.ok(schemas[name], `dangling ${ref}`);
    }
  });

  test('its response schemas accept the real answers of the auth, token and operator endpoints', async () => {
    const setup = await answer('GET', '/api/auth/setup', '/api/auth/setup', 200, contracts.setupStateJsonSchema, { auth: 'none' });
    assert.equal(setup.needed, false);
    await answer('POST', '/api/auth/setup', '/api/auth/setup', 409, contracts.errorBodySchema, { auth: 'none', json: { email: 'late@portal.test', password: 'Late-admin-pass-1' } });
    const me = await answer('GET', '/api/auth/me', '/api/auth/me', 200, contracts.meJsonSchema);
    assert.deepEqual([me.operator.role, me.via], ['admin', 'session']);

    const created = await answer('POST', '/api/tokens', '/api/tokens', 201, contracts.apiTokenCreatedJsonSchema, { json: { name: 'openapi check', currentPassword: TEST_ADMIN.password } });
    const tokens = await answer('GET', '/api/tokens', '/api/tokens', 200, contracts.apiTokenListJsonSchema, { auth: { token: created.token } });
    assert.ok(tokens.items.some((t) => t.id === created.apiToken.id && t.lastUsedAt !== null));
    const byToken = await answer('GET', '/api/auth/me', '/api/auth/me', 200, contracts.meJsonSchema, { auth: { token: created.token } });
    assert.equal(byToken.via, 'token');
    const revoked = await answer('DELETE', '/api/tokens/{id}', `/api/tokens/${created.apiToken.id}`, 200, contracts.apiTokenJsonSchema);
    assert.ok(revoked.revokedAt !== null);
    await answer('DELETE', '/api/tokens/{id}', `/api/tokens/${created.apiToken.id}`, 404, contracts.errorBodySchema);

    const password = 'Openapi-editor-pass-1';
    const operator = await answer('POST', '/api/operators', '/api/operators', 201, contracts.operatorJsonSchema, {
      json: { email: 'OpenAPI.Editor@portal.test', name: 'OpenAPI editor', role: 'editor', password },
    });
    assert.equal(operator.email, 'openapi.editor@portal.test');
    await answer('POST', '/api/operators', '/api/operators', 409, contracts.errorBodySchema, { json: { email: operator.email, role: 'viewer', password } });
    const list = await answer('GET', '/api/operators', '/api/operators', 200, contracts.operatorListJsonSchema);
    assert.ok(list.items.some((o) => o.id === operator.id));
    await answer('GET', '/api/operators/{id}', `/api/operators/${operator.id}`, 200, contracts.operatorJsonSchema);

    await answer('POST', '/api/auth/login', '/api/auth/login', 401, contracts.errorBodySchema, { auth: 'none', json: { email: operator.email, password: 'Not-the-password-1' } });
    const res = await server.api('/api/auth/login', { method: 'POST', auth: 'none', json: { email: operator.email, password } });
    const session = /ddr_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    assert.ok(session, 'login sets the session cookie');
    const login = documentedSchema('POST', '/api/auth/login', 200).parse(res.body);
    assert.equal(contracts.loginJsonSchema.parse(login).operator.role, 'editor');
    await answer('POST', '/api/tokens', '/api/tokens', 403, contracts.errorBodySchema, { auth: { session }, json: { name: 'editor script', currentPassword: 'Not-the-password-1' } });
    const unlocked = await answer('POST', '/api/operators/{id}/unlock', `/api/operators/${operator.id}/unlock`, 200, contracts.unlockedJsonSchema);
    assert.ok(unlocked.cleared >= 1, 'the wrong sign-in and the wrong token password were cleared');
    const editorToken = await answer('POST', '/api/tokens', '/api/tokens', 201, contracts.apiTokenCreatedJsonSchema, { auth: { session }, json: { name: 'editor script', currentPassword: password } });
    const listed = await answer('GET', '/api/operators/{id}/tokens', `/api/operators/${operator.id}/tokens`, 200, contracts.apiTokenListJsonSchema);
    assert.deepEqual(listed.items.map((t) => t.id), [editorToken.apiToken.id]);
    const tokenPath = `/api/operators/${operator.id}/tokens/${editorToken.apiToken.id}`;
    assert.ok((await answer('DELETE', '/api/operators/{id}/tokens/{tokenId}', tokenPath, 200, contracts.apiTokenJsonSchema)).revokedAt !== null);
    await answer('DELETE', '/api/operators/{id}/tokens/{tokenId}', tokenPath, 404, contracts.errorBodySchema);
    await answer('GET', '/api/operators/{id}/tokens', '/api/operators/999999/tokens', 404, contracts.errorBodySchema);
    const newPassword = 'Openapi-editor-pass-2';
    await answer('POST', '/api/auth/password', '/api/auth/password', 200, contracts.passwordChangedJsonSchema, { auth: { session }, json: { currentPassword: password, newPassword } });
    await answer('POST', '/api/auth/logout', '/api/auth/logout', 200, contracts.signedOutJsonSchema, { auth: { session } });

    const patched = await answer('PATCH', '/api/operators/{id}', `/api/operators/${operator.id}`, 200, contracts.operatorJsonSchema, { json: { role: 'viewer', disabled: true } });
    assert.deepEqual([patched.role, patched.disabled], ['viewer', true]);
    const admin = await answer('GET', '/api/auth/me', '/api/auth/me', 200, contracts.meJsonSchema);
    await answer('PATCH', '/api/operators/{id}', `/api/operators/${admin.operator.id}`, 409, contracts.errorBodySchema, { json: { role: 'editor' } });
    await answer('DELETE', '/api/operators/{id}', `/api/operators/${admin.operator.id}`, 409, contracts.errorBodySchema);
    const deleted = await answer('DELETE', '/api/operators/{id}', `/api/operators/${operator.id}`, 200, contracts.deletedJsonSchema);
    assert.equal(deleted.id, operator.id);
    await answer('GET', '/api/operators/{id}', `/api/operators/${operator.id}`, 404, contracts.errorBodySchema);
  });
  test('its response schemas accept the real answers of the bulk endpoint', async () => {
    const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'OpenAPI bulk' } });
    assert.equal(provider.status, 201, provider.text);
    const created = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: provider.body.id, username: 'openapi-bulk', domain: 'bulk.openapi.test', ddi: '+34917990001' } });
    assert.equal(created.status, 201, created.text);
    const byIds = await answer('POST', '/api/registrations/bulk', '/api/registrations/bulk', 200, contracts.bulkResultJsonSchema, { json: { action: 'register', ids: [created.body.id, 999_999] } });
    assert.deepEqual([byIds.done, byIds.skipped], [1, [{ id: 999_999, reason: 'not_found' }]]);
    const byFilter = await answer('POST', '/api/registrations/bulk', '/api/registrations/bulk', 200, contracts.bulkResultJsonSchema, { json: { action: 'disable', filter: { ddiProviderId: provider.body.id } } });
    assert.deepEqual([byFilter.done, byFilter.next, byFilter.remaining], [1, null, 0]);
    await answer('POST', '/api/registrations/bulk', '/api/registrations/bulk', 422, contracts.errorBodySchema, { json: { action: 'move', ids: [created.body.id] } });
  });

  test('its response schemas accept the real answers of the chart endpoints', async () => {
    const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'OpenAPI charts' } });
    const created = await server.api('/api/registrations', { method: 'POST', json: { ddiProviderId: provider.body.id, username: 'openapi-chart', domain: 'chart.openapi.test', ddi: '+34917990002' } });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as number;
    const now = Date.now();
    const db = await openSqlite(server.dbPath);
    try {
      const insert = db.prepare('INSERT INTO registration_events (registration_id, state, code, reason, at) VALUES (?, ?, ?, ?, ?)');
      await insert.run(id, 'registered', 200, 'OK', now - 3 * 3600_000);
      await insert.run(id, 'rejected', 403, 'Forbidden', now - 3600_000);
      await db
        .prepare(
          `INSERT INTO state_samples (at, total, registered, retrying, rejected, disabled) VALUES (?, 1, 0, 0, 1, 0)
           ON CONFLICT (at) DO UPDATE SET total = excluded.total, registered = excluded.registered, retrying = excluded.retrying, rejected = excluded.rejected, disabled = excluded.disabled`,
        )
        .run(now - (now % 60_000));
    } finally {
      await db.close();
    }
    const bands = await answer('GET', '/api/registrations/{id}/availability/bands', `/api/registrations/${id}/availability/bands?range=7d`, 200, contracts.availabilityBandsJsonSchema);
    assert.deepEqual(bands.segments.map((s) => [s.band, s.code]), [['registered', 200], ['rejected', 403]]);
    await answer('GET', '/api/registrations/{id}/availability/bands', `/api/registrations/${id}/availability/bands?range=1y`, 422, contracts.errorBodySchema);
    await answer('GET', '/api/registrations/{id}/availability/bands', '/api/registrations/999999/availability/bands', 404, contracts.errorBodySchema);
    const history = await answer('GET', '/api/registrations/history', '/api/registrations/history', 200, contracts.stateHistoryJsonSchema);
    assert.equal(history.samples.at(-1)?.failing, 1);
  });

  test('its response schemas accept the real answers of the alerts and notification channel endpoints', async () => {
    const receiver = await startHttpReceiver();
    try {
      await answer('GET', '/api/notification-channels', '/api/notification-channels', 200, contracts.notificationChannelListJsonSchema);
      await answer('POST', '/api/notification-channels', '/api/notification-channels', 422, contracts.errorBodySchema, { json: { name: 'bad', kind: 'email' } });
      const created = await answer('POST', '/api/notification-channels', '/api/notification-channels', 201, contracts.notificationChannelJsonSchema, {
        json: { name: 'openapi hook', kind: 'webhook', url: receiver.url, secret: 'openapi-webhook-secret' },
      });
      await answer('POST', '/api/notification-channels', '/api/notification-channels', 409, contracts.errorBodySchema, { json: { name: 'openapi hook', kind: 'webhook', url: receiver.url } });
      const path = `/api/notification-channels/${created.id}`;
      await answer('GET', '/api/notification-channels/{id}', path, 200, contracts.notificationChannelJsonSchema);
      await answer('PATCH', '/api/notification-channels/{id}', path, 200, contracts.notificationChannelJsonSchema, { json: { enabled: false } });
      await answer('PATCH', '/api/notification-channels/{id}', path, 409, contracts.errorBodySchema, { json: { enabled: true, revision: created.revision } });
      const tested = await answer('POST', '/api/notification-channels/{id}/test', `${path}/test`, 200, contracts.channelTestJsonSchema);
      assert.equal(tested.delivery.status, 'sent');
      const log = await answer('GET', '/api/notification-channels/{id}/deliveries', `${path}/deliveries`, 200, contracts.deliveryListJsonSchema);
      assert.equal(log.items.length, 1);
      await answer('GET', '/api/notification-channels/{id}/deliveries', `${path}/deliveries?limit=0`, 422, contracts.errorBodySchema);
      await answer('GET', '/api/alerts', '/api/alerts?state=all', 200, contracts.alertListJsonSchema);
      await answer('GET', '/api/alerts', '/api/alerts?state=nope', 422, contracts.errorBodySchema);
      await answer('DELETE', '/api/notification-channels/{id}', path, 200, contracts.channelDeletedJsonSchema);
      await answer('GET', '/api/notification-channels/{id}', path, 404, contracts.errorBodySchema);
      await answer('POST', '/api/notification-channels/{id}/test', `${path}/test`, 404, contracts.errorBodySchema);
    } finally {
      await receiver.close();
    }
  });
});
