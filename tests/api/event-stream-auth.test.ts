/**
 * An open live stream (/api/events) lasts only as long as its caller may listen: signing out,
 * revoking the token or disabling the operator ends it within seconds (it re-checks every 5 s).
 */
import { performance } from 'node:perf_hooks';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, TEST_ADMIN } from '../portal-process';
import { createOperator } from './extra-operators';
import { useServer } from './server';

const server = useServer();

/** Opens the stream with `headers`; resolves with how long it stayed open after `after()` ran. */
async function streamEndsAfter(headers: Record<string, string>, cut: () => Promise<void>): Promise<number> {
  const res = await fetch(`${server.baseUrl}/api/events`, { headers });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  assert.match(new TextDecoder().decode(first.value), /retry: 2000|event: snapshot/);
  await cut();
  const cutAt = performance.now();
  const deadline = setTimeout(() => void reader.cancel(), 15_000);
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  clearTimeout(deadline);
  return performance.now() - cutAt;
}

test('signing out ends the open stream of that session', async () => {
  await server.ready();
  const session = await signIn(server.baseUrl, TEST_ADMIN.email, TEST_ADMIN.password);
  const cookie = `ddr_session=${session}`;
  const lasted = await streamEndsAfter({ cookie }, async () => {
    const out = await server.api('/api/auth/logout', { method: 'POST', auth: { session } });
    assert.equal(out.status, 200);
  });
  assert.ok(lasted < 8_000, `the stream stayed open ${lasted} ms after sign-out`);
});

test('revoking a token ends the stream opened with it', async () => {
  const created = await server.api<{ token: string; apiToken: { id: number } }>('/api/tokens', { method: 'POST', json: { name: 'stream watcher', currentPassword: TEST_ADMIN.password } });
  assert.equal(created.status, 201);
  const lasted = await streamEndsAfter({ authorization: `Bearer ${created.body.token}` }, async () => {
    assert.equal((await server.api(`/api/tokens/${created.body.apiToken.id}`, { method: 'DELETE' })).status, 200);
  });
  assert.ok(lasted < 8_000, `the stream stayed open ${lasted} ms after the revocation`);
});

test('disabling an operator ends their stream', async () => {
  const viewer = await createOperator(server, 'viewer');
  const session = await signIn(server.baseUrl, viewer.email, viewer.password);
  const lasted = await streamEndsAfter({ cookie: `ddr_session=${session}` }, async () => {
    assert.equal((await server.api(`/api/operators/${viewer.id}`, { method: 'PATCH', json: { disabled: true } })).status, 200);
  });
  assert.ok(lasted < 8_000, `the stream stayed open ${lasted} ms after disabling`);
});
