// The whole product path over real sockets: portal server (Next.js + registrar engine in one
// process) → Kamailio registrar, and the live endpoints on top: status in the REST API, the SSE
// stream, operator commands, "test registration" and /metrics.
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../api/server';
import { waitUntil } from './engine-helpers';
import { getFreePort, startKamailio, type KamailioHandle } from './harness';

const PASSWORD = 'Live-pw-123';
let kamailio: KamailioHandle;
let server: TestServer & { stop: () => Promise<void> };
let providerId: number;
let sipPort: number;
let aliceId: number;

interface Json {
  [key: string]: any;
}

before(async () => {
  kamailio = await startKamailio({ password: PASSWORD });
  sipPort = await getFreePort();
  server = await startServer({
    REGISTRAR_ENABLED: '1',
    SIP_BIND: `127.0.0.1:${sipPort}`,
    SIP_PUBLIC_HOST: '127.0.0.1',
    REGISTRAR_STARTUP_SPREAD_MS: '0',
    // /metrics reads the engine's counters from its heartbeat row (the engine is a child process).
    REGISTRAR_HEARTBEAT_MS: '300',
  });
  const res = await server.api<Json>('/api/ddi-providers', { method: 'POST', json: { name: 'Live carrier' } });
  assert.equal(res.status, 201, res.text);
  providerId = res.body.id;
});

/** The secret-leak scan useServer runs for the API suites, here over the engine-with-Kamailio path too. */
after(async () => {
  try {
    server?.ledger.assertNoLeaks(server.output());
  } finally {
    try {
      await server?.stop();
    } finally {
      await kamailio?.stop();
    }
  }
});

async function createRegistration(username: string, ddi: string, password = PASSWORD): Promise<number> {
  const res = await server.api<Json>('/api/registrations', {
    method: 'POST',
    json: { ddiProviderId: providerId, username, domain: `127.0.0.1:${kamailio.udpPort}`, ddi, password },
  });
  assert.equal(res.status, 201, res.text);
  return res.body.id;
}

async function statusOf(id: number): Promise<Json | null> {
  return (await server.api<Json>(`/api/registrations/${id}`)).body.status;
}

const stateIs = (id: number, state: string, timeoutMs = 5000) =>
  waitUntil(`registration ${id} ${state}`, () => statusOf(id), (s) => s?.state === state, timeoutMs);

test('a saved registration is registered within a second, visible in the API and at the registrar', async () => {
  const started = performance.now();
  const id = await createRegistration('live-alice', '+34910000001');
  aliceId = id;
  const status = await stateIs(id, 'registered', 3000);
  assert.ok(performance.now() - started < 1500, `registered after ${performance.now() - started} ms`);
  assert.equal(status!.code, 200);
  assert.equal(status!.grantedExpires, 3600);
  assert.match(status!.target, /^127\.0\.0\.1:\d+\/udp$/);
  const bindings = await kamailio.lookupBindings('live-alice@127.0.0.1');
  assert.equal(bindings.length, 1);
  assert.match(bindings[0]!.contact, /^sip:\+34910000001@127\.0\.0\.1:/);

  const timeline = await server.api<Json>(`/api/registrations/${id}/events`);
  assert.deepEqual(timeline.body.items.map((e: Json) => e.state).slice(0, 2), ['registered', 'registering']);
  const trace = await server.api<Json>(`/api/registrations/${id}/trace`);
  const texts: string[] = trace.body.items.map((m: Json) => m.text);
  assert.ok(texts.some((t) => t.startsWith('SIP/2.0 401')));
  assert.ok(texts.some((t) => t.startsWith('SIP/2.0 200')));
  assert.ok(texts.every((t) => !t.includes(PASSWORD)));
  assert.ok(texts.some((t) => t.includes('response="<redacted>"')));
  const uptime = await server.api<Json>(`/api/registrations/${id}/availability`);
  assert.ok(uptime.body.last24h > 0 && uptime.body.last24h <= 1);
});

test('an OPTIONS to the Contact (a carrier qualify) gets 200 and shows in that DDI\'s SIP messages', async () => {
  const probe = createSocket('udp4');
  try {
    await new Promise<void>((r) => probe.bind(0, '127.0.0.1', r));
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer to OPTIONS')), 2000);
      probe.once('message', (m) => {
        clearTimeout(timer);
        resolve(m.toString());
      });
    });
    const options = [
      `OPTIONS sip:+34910000001@127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${probe.address().port};rport;branch=z9hG4bK-live-qualify`,
      'From: <sip:qualify@127.0.0.1>;tag=q1',
      'To: <sip:+34910000001@127.0.0.1>',
      'Call-ID: live-qualify',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    probe.send(options, sipPort, '127.0.0.1');
    assert.match(await answer, /^SIP\/2\.0 200 OK\r\n/);
  } finally {
    probe.close();
  }
  const texts = await waitUntil(
    'OPTIONS and 200 in the trace',
    async () => ((await server.api<Json>(`/api/registrations/${aliceId}/trace`)).body.items as Json[]).map((m) => m.text as string),
    (t) => t.some((x) => x.includes('Call-ID: live-qualify') && x.startsWith('OPTIONS ')) && t.some((x) => x.includes('Call-ID: live-qualify') && x.startsWith('SIP/2.0 200')),
  );
  assert.ok(texts.length > 2);
});

test('the event stream sends a snapshot, then the transitions of a new registration', async () => {
  const controller = new AbortController();
  const res = await fetch(`${server.baseUrl}/api/events`, { signal: controller.signal, headers: { cookie: `ddr_session=${server.adminSession}` } });
  const decoder = new TextDecoder();
  let text = '';
  let id = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      text += decoder.decode(chunk, { stream: true });
      if (id === 0 && text.includes('event: snapshot')) id = await createRegistration('live-bob', '+34910000002');
      if (id !== 0 && text.includes(`"registrationId":${id},"state":"registered"`)) break;
    }
  } finally {
    controller.abort();
  }
  server.ledger.response('GET /api/events', text);
  assert.match(text, /event: snapshot\ndata: \{"registrations":\[/);
  assert.match(text, new RegExp(`id: \\d+\\nevent: status\\ndata: \\{"registrationId":${id},"state":"registered","code":200,"reason":"OK"`));
});

test('unregister and register-now commands act on the registrar', async () => {
  const id = await createRegistration('live-carol', '+34910000003');
  await stateIs(id, 'registered');
  assert.equal((await server.api(`/api/registrations/${id}/unregister`, { method: 'POST' })).status, 202);
  await stateIs(id, 'unregistered');
  assert.deepEqual(await kamailio.lookupBindings('live-carol@127.0.0.1'), []);
  assert.equal((await server.api(`/api/registrations/${id}/register`, { method: 'POST' })).status, 202);
  await stateIs(id, 'registered');
  assert.equal((await kamailio.lookupBindings('live-carol@127.0.0.1')).length, 1);

  assert.equal((await server.api(`/api/registrations/${id}`, { method: 'PATCH', json: { enabled: false } })).status, 200);
  await stateIs(id, 'disabled');
  assert.deepEqual(await kamailio.lookupBindings('live-carol@127.0.0.1'), []);
  const refused = await server.api<Json>(`/api/registrations/${id}/register`, { method: 'POST' });
  assert.equal(refused.status, 409);
  assert.equal((await server.api(`/api/registrations/999999/register`, { method: 'POST' })).status, 404);
});

test('a wrong password is rejected with the 401 and its reason', async () => {
  const id = await createRegistration('live-dave', '+34910000004', 'not-the-password');
  const status = await stateIs(id, 'rejected');
  assert.equal(status!.code, 401);
  assert.equal(status!.reason, 'Unauthorized');
  assert.ok(status!.nextAttemptAt > Date.now(), 'still retried later');
});

test('test registration runs one REGISTER without saving, then unregisters', async () => {
  const values = { username: 'live-erin', domain: `127.0.0.1:${kamailio.udpPort}`, ddi: '+34910000005' };
  const good = await server.api<Json>('/api/registrations/test', { method: 'POST', json: { ...values, password: PASSWORD } });
  assert.equal(good.status, 200, good.text);
  assert.equal(good.body.status.state, 'registered');
  const messages: string[] = good.body.trace.map((m: Json) => m.text);
  assert.ok(messages.some((t) => /^REGISTER [^\n]*\r\n[\s\S]*Expires: 0\r\n/.test(t)), 'an Expires: 0 follows');
  assert.ok(messages.every((t) => !t.includes(PASSWORD)));
  assert.deepEqual(await kamailio.lookupBindings('live-erin@127.0.0.1'), []);
  const list = await server.api<Json>('/api/registrations?q=live-erin');
  assert.equal(list.body.total, 0, 'nothing saved');

  const bad = await server.api<Json>('/api/registrations/test', { method: 'POST', json: { ...values, password: 'nope' } });
  assert.equal(bad.body.status.state, 'rejected');
  assert.equal(bad.body.status.code, 401);
  const invalid = await server.api<Json>('/api/registrations/test', { method: 'POST', json: { ...values, ddi: 'abc' } });
  assert.equal(invalid.status, 422);
  assert.ok(invalid.body.error.fields.ddi);
});

test('/metrics exposes registrations by state, transaction figures and requests at the Contact', async () => {
  const scrape = async () => {
    const res = await fetch(`${server.baseUrl}/metrics`, { headers: { cookie: `ddr_session=${server.adminSession}` } });
    assert.equal(res.status, 200);
    return res.text();
  };
  // The engine process writes its counters with every heartbeat: the OPTIONS shows within a beat.
  const text = await waitUntil('the OPTIONS counted in /metrics', scrape, (t) => /^sip_responses_sent_total\{node="[^"]+",status="200"\} 1$/m.test(t), 5_000, 100);
  server.ledger.response('GET /metrics', text);
  assert.match(text, /^sip_registrations\{state="registered"\} [1-9]\d*$/m);
  assert.match(text, /^sip_register_transactions_total\{node="[^"]+",class="2xx"\} [1-9]\d*$/m);
  assert.match(text, /^sip_register_transactions_total\{node="[^"]+",class="4xx"\} [1-9]\d*$/m);
  assert.match(text, /^sip_register_transaction_duration_seconds_count\{node="[^"]+"\} [1-9]\d*$/m);
  assert.match(text, /^portal_stream_events_pushed_total \d+$/m);
  assert.match(text, /^sip_inbound_requests_total\{node="[^"]+",method="OPTIONS",transport="udp"\} 1$/m);
  assert.match(text, /^sip_responses_sent_total\{node="[^"]+",status="200"\} 1$/m);
  assert.match(text, /^# TYPE sip_flows_lost_total counter$/m);
  // One engine node here (the portal's child), up.
  assert.match(text, /^registrar_engine_node_up\{node="[^"]+\/127\.0\.0\.1:\d+"\} 1$/m);
  assert.match(text, /^sip_keepalives_total\{node="[^"]+",transport="tcp",kind="ping_sent"\} 0$/m);
});

test('SIGTERM of the portal unregisters every binding before it exits', async () => {
  assert.equal((await kamailio.lookupBindings('live-alice@127.0.0.1')).length, 1);
  const started = performance.now();
  await server.stop();
  assert.ok(performance.now() - started < 5000, `stopped in ${performance.now() - started} ms`);
  assert.deepEqual(await kamailio.lookupBindings('live-alice@127.0.0.1'), []);
  assert.deepEqual(await kamailio.lookupBindings('live-bob@127.0.0.1'), []);
  assert.match(server.output(), /Portal ready/);
});
