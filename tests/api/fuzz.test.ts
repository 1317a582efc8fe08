/**
 * Fuzzing every write endpoint (enumerated from app/, cases from fuzz-cases.ts): every answer is a
 * 4xx with a JSON `{ error: { code, message } }`, never a 5xx or a stack trace, and the business
 * tables are exactly as before. At the end each endpoint's valid body is sent once and must
 * succeed, which proves the cases failed for what they broke and not for something else.
 */
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { before, test } from 'node:test';
import { apiEndpoints, fillIds, isWrite, type Endpoint } from './app-routes';
import { businessChecksum } from './db-checksum';
import { createOperator } from './extra-operators';
import { BAD_IDS, bodyCases, fieldCases, type FieldSpec, type FuzzCase } from './fuzz-cases';
import { rawRequest } from './raw-request';
import { useServer } from './server';
import { TEST_ADMIN } from '../portal-process';

// Wrong passwords are part of the fuzz: the throttle (tested in auth.test.ts) must not refuse the valid bodies afterwards.
const server = useServer({ LOGIN_SLOW_AFTER: '1000', LOGIN_LOCK_AFTER: '1000' });

type Target = { base: () => Record<string, unknown>; fields: Record<string, FieldSpec> };

const text = (forbid: FieldSpec['forbid'], more: Partial<FieldSpec> = {}): FieldSpec => ({ kind: 'string', forbid, ...more });
const number = (extra: unknown[] = []): FieldSpec => ({ kind: 'number', extra });
const boolean: FieldSpec = { kind: 'boolean' };
const sipIdentifier = text(['control', 'invisible', 'meta', 'lookalike']);
const label = text(['control', 'invisible']);
const secret = text(['control']);
const email = text(['control', 'invisible', 'meta', 'lookalike']);
const role = text(['control', 'meta', 'lookalike'], { extra: ['ADMIN', 'root', 'superadmin', '', 'admin '] });

/** Ids and revisions of the rows the valid bodies refer to (set up in `before`). */
const ctx = { providerId: 0, registrationId: 0, operatorId: 0, tokenId: 0, channelId: 0, providerRevision: 1, registrationRevision: 1, channelRevision: 1 };

// A webhook to the discard port of the loopback: nothing leaves the machine.
const channelFields: Record<string, FieldSpec> = { name: label, url: text(['control', 'invisible']), secret: { ...secret, optional: true }, enabled: boolean };

const providerFields = { name: label, description: secret, ddis: { kind: 'array' } as FieldSpec };
const registrationFields: Record<string, FieldSpec> = {
  ddiProviderId: number([999_999]),
  username: sipIdentifier,
  domain: sipIdentifier,
  ddi: sipIdentifier,
  password: { ...secret, optional: true },
  authUsername: { ...sipIdentifier, optional: true },
  registerServerUri: { ...sipIdentifier, optional: true },
  realm: text(['control', 'invisible', 'quoted-meta'], { optional: true }),
  expires: number([59, 86_401, 3600.5]),
  transport: text(['control', 'meta', 'lookalike'], { extra: ['UDP', 'sctp', 'ws', ''] }),
  enabled: boolean,
};
// Loopback, discard port: a fuzz case that slipped through to the SIP test must not leave the machine.
const registration = (n: number) => ({
  ddiProviderId: ctx.providerId,
  username: `fuzz-user${n}`,
  domain: '127.0.0.1:9',
  ddi: `+3491000009${n}`,
  password: `Fuzz-sip-pass-${n}`,
  authUsername: 'fuzz-auth',
  registerServerUri: 'sip:127.0.0.1:9',
  realm: 'fuzz.example',
  expires: 3600,
  transport: 'udp',
  enabled: true,
});

/** The valid body and field rules of each write endpoint that reads a body. */
const TARGETS: Record<string, Target> = {
  'POST /api/ddi-providers': { base: () => ({ name: 'Fuzz Carrier', description: 'fuzz', ddis: ['+34910000080'] }), fields: providerFields },
  'PATCH /api/ddi-providers/[id]': {
    base: () => ({ name: 'Fuzz Carrier renamed', description: 'fuzz 2', ddis: ['+34910000081'], revision: ctx.providerRevision }),
    fields: { ...providerFields, revision: number() },
  },
  'POST /api/registrations': { base: () => registration(1), fields: registrationFields },
  'PATCH /api/registrations/[id]': {
    base: () => ({ ...registration(2), revision: ctx.registrationRevision }),
    fields: { ...registrationFields, revision: number() },
  },
  // The test takes no provider (any id is fine): only its type is checked.
  'POST /api/registrations/test': { base: () => registration(3), fields: { ...registrationFields, ddiProviderId: number() } },
  // `register` queues a command and bumps no revision, so the PATCH targets' revisions stay valid.
  'POST /api/registrations/bulk': {
    base: () => ({ action: 'register', ids: [ctx.registrationId] }),
    fields: {
      action: text(['control', 'meta', 'lookalike'], { extra: ['REGISTER', 'remove', '', 'move'] }),
      // A number's wrong types are none of them an array of ids; then arrays of bad ids (and one too long).
      ids: number([[], [0], [-1], [1.5], ['1'], [null], Array.from({ length: 501 }, (_, i) => i + 1)]),
      // Only `move` takes a provider: any value here is refused.
      ddiProviderId: { ...number([1]), optional: true },
    },
  },
  'POST /api/operators': {
    base: () => ({ email: 'fuzz@portal.test', name: 'Fuzz Operator', role: 'viewer', password: 'Fuzz-operator-pass-1' }),
    fields: { email, name: label, role, password: secret },
  },
  'PATCH /api/operators/[id]': {
    base: () => ({ name: 'Fuzz Operator renamed', role: 'viewer', disabled: false, password: 'Fuzz-operator-pass-2', revokeTokens: true }),
    fields: { name: label, role, disabled: boolean, password: secret, revokeTokens: boolean },
  },
  'POST /api/notification-channels': {
    base: () => ({ name: 'Fuzz hook', kind: 'webhook', url: 'http://127.0.0.1:9/fuzz', secret: 'Fuzz-webhook-secret-1', enabled: true }),
    fields: { ...channelFields, kind: text(['control', 'meta', 'lookalike'], { extra: ['WEBHOOK', 'sms', ''] }) },
  },
  'PATCH /api/notification-channels/[id]': {
    base: () => ({ name: 'Fuzz hook renamed', url: 'http://127.0.0.1:9/fuzz2', secret: 'Fuzz-webhook-secret-2', enabled: false, revision: ctx.channelRevision }),
    fields: { ...channelFields, revision: number() },
  },
  'POST /api/tokens': { base: () => ({ name: 'fuzz token', currentPassword: TEST_ADMIN.password }), fields: { name: label, currentPassword: secret } },
  'POST /api/auth/login': { base: () => ({ email: 'admin@portal.test', password: 'Not-the-password-1' }), fields: { email, password: secret } },
  'POST /api/auth/setup': { base: () => ({ email: 'fuzz-setup@portal.test', name: 'Fuzz', password: 'Fuzz-setup-pass-1', setupToken: 'not-the-setup-token' }), fields: { email, name: label, password: secret, setupToken: secret } },
  'POST /api/auth/password': {
    base: () => ({ currentPassword: 'Not-the-current-1', newPassword: 'Fuzz-new-pass-1', revokeTokens: true }),
    fields: { currentPassword: secret, newPassword: secret, revokeTokens: boolean },
  },
};

/** Endpoints whose valid body cannot succeed here (wrong password by design, setup done, a real SIP test). */
const BASE_NOT_SENT = new Set(['POST /api/auth/login', 'POST /api/auth/setup', 'POST /api/auth/password', 'POST /api/registrations/test']);

const idFor = (collection: string) => {
  const ids: Record<string, number> = { 'ddi-providers': ctx.providerId, registrations: ctx.registrationId, operators: ctx.operatorId, tokens: ctx.tokenId, 'notification-channels': ctx.channelId };
  return ids[collection] ?? 1;
};

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

type Answer = { status: number; contentType: string; text: string };

/** Sends raw bytes as the admin (cookie + Origin); `chunked` leaves out Content-Length. */
function send(method: string, path: string, c: FuzzCase | null): Promise<Answer> {
  const url = new URL(server.baseUrl);
  const headers: Record<string, string | number> = { cookie: `ddr_session=${server.adminSession}`, origin: server.baseUrl };
  if (c) headers['content-type'] = 'application/json';
  if (c && !c.chunked) headers['content-length'] = c.body.length;
  if (c?.chunked) headers['transfer-encoding'] = 'chunked';
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, path, method, headers, agent: c && c.body.length > 60_000 ? false : agent }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may answer 413 and close before a huge body is written: that answer is what counts.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    if (!c) return void req.end();
    if (!c.chunked) return void req.end(c.body);
    for (let i = 0; i < c.body.length; i += 16 * 1024) req.write(c.body.subarray(i, i + 16 * 1024));
    req.end();
  });
}

const STACK_TRACE = /\n\s+at |\bat .+:\d+:\d+|\/work\/|node_modules|\.(ts|js|mjs|tsx):\d|SqliteError|SQLITE_|TypeError|ReferenceError/;

/** Why `answer` is not a clean 4xx error, or null. */
function problem(answer: Answer): string | null {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  if (!/application\/json/.test(answer.contentType)) return `content-type ${answer.contentType}`;
  let body: { error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'body is not JSON';
  }
  if (typeof body.error?.code !== 'string' || !body.error.code) return 'no error.code';
  if (typeof body.error.message !== 'string' || !body.error.message.trim()) return 'no error.message';
  if (STACK_TRACE.test(answer.text)) return 'internals in the answer';
  return null;
}

/** The body as text when it is valid UTF-8 (only such bodies can carry a secret the ledger should know). */
function utf8Text(body: Buffer): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return null;
  }
}

/** Printable form of a request body for a failure report (first 300 characters). */
const show = (body: Buffer) => JSON.stringify(body.toString('latin1').slice(0, 300));

before(async () => {
  await server.ready();
  const provider = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Fuzz Base Carrier', ddis: ['+34910000070'] } });
  assert.equal(provider.status, 201, provider.text);
  const reg = await server.api('/api/registrations', { method: 'POST', json: { ...registration(0), ddiProviderId: provider.body.id, ddi: '+34910000070' } });
  assert.equal(reg.status, 201, reg.text);
  const token = await server.api('/api/tokens', { method: 'POST', json: { name: 'fuzz target token', currentPassword: TEST_ADMIN.password } });
  assert.equal(token.status, 201, token.text);
  const operator = await createOperator(server, 'viewer');
  const channel = await server.api('/api/notification-channels', { method: 'POST', json: { name: 'Fuzz base hook', kind: 'webhook', url: 'http://127.0.0.1:9/base', enabled: false } });
  assert.equal(channel.status, 201, channel.text);
  Object.assign(ctx, {
    channelId: channel.body.id,
    channelRevision: channel.body.revision,
    providerId: provider.body.id,
    registrationId: reg.body.id,
    tokenId: token.body.apiToken.id,
    operatorId: operator.id,
    providerRevision: provider.body.revision ?? 1,
    registrationRevision: reg.body.revision ?? 1,
  });
});

/** The cases of one endpoint: hostile bodies and fields when it reads a body, bad ids when it has one. */
function casesFor(e: Endpoint): { path: string; c: FuzzCase | null }[] {
  const target = TARGETS[`${e.method} ${e.path}`];
  const out: { path: string; c: FuzzCase | null }[] = [];
  if (e.readsBody) {
    const base = target?.base() ?? {};
    const path = fillIds(e.path, idFor);
    for (const c of [...bodyCases(base), ...(target ? fieldCases(base, target.fields) : [])]) out.push({ path, c });
  }
  if (e.path.includes('[')) {
    const body = e.readsBody ? { label: 'valid body', body: Buffer.from(JSON.stringify(target?.base() ?? {})) } : null;
    for (const id of BAD_IDS) out.push({ path: fillIds(e.path, () => id), c: body && { ...body, label: `id ${id}` } });
  }
  return out;
}

/** Set when the fuzz left the database as it was: the base bodies can then be checked. */
let unchanged = false;

test('every write endpoint refuses every hostile request with a clean 4xx and changes nothing', async () => {
  const endpoints = apiEndpoints().filter((e) => isWrite(e.method) && !(e.method === 'POST' && e.path === '/api/auth/logout'));
  const untabled = endpoints.filter((e) => e.readsBody && !TARGETS[`${e.method} ${e.path}`]).map((e) => `${e.method} ${e.path}`);
  if (untabled.length > 0) console.log(`# no field table (body cases only) for: ${untabled.join(', ')}`);

  const initial = await businessChecksum(server.dbPath);
  const started = performance.now();
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  for (const e of endpoints) {
    for (const { path, c } of casesFor(e)) {
      const answer = await send(e.method, path, c);
      sent += 1;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const sentText = c ? utf8Text(c.body) : null;
      if (sentText) server.ledger.requestBody(sentText, `${e.method} ${path}`);
      server.ledger.response(`${e.method} ${path} (${c?.label ?? 'no body'}) → ${answer.status}`, answer.text);
      const why = problem(answer);
      if (why) problems.push(`${e.method} ${path} [${c?.label ?? 'no body'}] ${why}: ${answer.text.slice(0, 200)}\n    body ${c ? show(c.body) : '-'}`);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`# fuzz: ${sent} requests to ${endpoints.length} write endpoints in ${seconds} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  assert.equal(problems.length, 0, `${problems.length} of ${sent} requests were not refused cleanly:\n${problems.join('\n')}`);
  assert.deepEqual(await businessChecksum(server.dbPath), initial, 'the business tables are unchanged');
  unchanged = true;
});

test('each valid body used as the fuzz base succeeds (so the cases failed for what they broke)', async (t) => {
  if (!unchanged) return t.skip('the fuzz changed the database: fix that first');
  const endpoints = apiEndpoints().filter((e) => e.readsBody && TARGETS[`${e.method} ${e.path}`] && !BASE_NOT_SENT.has(`${e.method} ${e.path}`));
  assert.ok(endpoints.length >= 5, endpoints.map((e) => e.path).join(' '));
  ctx.providerRevision = (await server.api(`/api/ddi-providers/${ctx.providerId}`)).body.revision ?? 1;
  ctx.registrationRevision = (await server.api(`/api/registrations/${ctx.registrationId}`)).body.revision ?? 1;
  for (const e of endpoints) {
    const res = await server.api(fillIds(e.path, idFor), { method: e.method, json: TARGETS[`${e.method} ${e.path}`]!.base() });
    assert.ok(res.status >= 200 && res.status < 300, `${e.method} ${e.path} → ${res.status} ${res.text}`);
  }
});

/** Host headers a rebinding page, a confused proxy or a fuzzer may send. */
function hostileHosts(port: string): string[] {
  const names = ['rebind.attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', 'attacker.example:80', '0.0.0.0', '[::]', '127.0.0.2', '[::ffff:127.0.0.1]', 'LOCALHOST.EXAMPLE', 'xn--lcalhost-9za'];
  // (an empty Host is replaced by node:http with the real one, so it is not in the list)
  const shapes = [':', `:${port}`, '@', 'user@127.0.0.1', '127.0.0.1/evil', '127.0.0.1#x', '127.0.0.1?x', '127.0.0.1:99999', '[::1', '::1', '127.0.0.1 evil', '%31%32%37.0.0.1', '127.0.0.1\tevil', 'a'.repeat(300)];
  return [...names, ...names.map((n) => `${n.replace(/:\d+$/, '')}:${port}`), ...shapes];
}

test('hostile Host headers are refused with 421 on pages, API, writes, stream and metrics; nothing changes', async () => {
  const port = new URL(server.baseUrl).port;
  const initial = await businessChecksum(server.dbPath);
  const problems: string[] = [];
  const cookie = `ddr_session=${server.adminSession}`;
  for (const host of hostileHosts(port)) {
    for (const [method, path, body] of [['GET', '/', undefined], ['GET', '/api/registrations', undefined], ['GET', '/api/events', undefined], ['GET', '/metrics', undefined], ['POST', '/api/ddi-providers', JSON.stringify({ name: `host fuzz ${host.length}` })]] as const) {
      let answer;
      try {
        answer = await rawRequest(server.baseUrl, path, { method, headers: { host, cookie, origin: `http://${host}`, 'content-type': 'application/json' }, body, firstChunkOnly: true });
      } catch (err) {
        continue; // node refused to send it (invalid header characters): nothing reached the server
      }
      server.ledger.response(`${method} ${path} Host ${JSON.stringify(host)} → ${answer.status}`, answer.text);
      if (answer.status !== 421 && answer.status !== 400) problems.push(`${method} ${path} Host ${JSON.stringify(host)} → ${answer.status}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await businessChecksum(server.dbPath), initial, 'the business tables are unchanged');
});

test('hostile Cookie headers: duplicated, mis-encoded or mis-named session cookies never authenticate and never 5xx', async () => {
  const good = server.adminSession;
  const cookies = [
    `ddr_session=${good}; ddr_session=${good}`,
    `ddr_session=${good};ddr_session=`,
    `ddr_session=; ddr_session=${good}`,
    `ddr_session=${good}; DDR_SESSION=x; ddr_session=y`,
    `__Host-ddr_session=${good}`,
    `__Secure-ddr_session=${good}`,
    `ddr_session=%zz${good}`,
    `ddr_session="${good}"`,
    ` ddr_session = ${good} ; ddr_session = ${good} `,
    `ddr_session=${good.slice(0, -1)}`,
    `ddr_session=${'a'.repeat(4000)}`,
    'ddr_session',
    '=; ; ;; ddr_session==',
  ];
  const problems: string[] = [];
  for (const cookie of cookies) {
    for (const path of ['/api/auth/me', '/api/registrations', '/metrics']) {
      const answer = await rawRequest(server.baseUrl, path, { headers: { cookie } });
      server.ledger.response(`GET ${path} cookie fuzz → ${answer.status}`, answer.text);
      if (answer.status !== 400 && answer.status !== 401) problems.push(`GET ${path} Cookie ${JSON.stringify(cookie.replace(good, 'GOOD'))} → ${answer.status}`);
    }
  }
  assert.deepEqual(problems, []);
});
