import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { errorBodySchema, healthJsonSchema } from '../../lib/api/contracts';
import { useServer } from './server';

const server = useServer();

/** Sends `size` bytes with chunked transfer encoding (no Content-Length). */
function postChunked(path: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(server.baseUrl + path);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', cookie: `ddr_session=${server.adminSession}`, origin: server.baseUrl } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => reject(err));
    const chunk = '{"name":"' + 'x'.repeat(8 * 1024);
    let sent = 0;
    const write = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

function assertError(res: { status: number; body: unknown; text: string }, status: number, code: string) {
  assert.equal(res.status, status, res.text);
  const body = errorBodySchema.parse(res.body);
  assert.equal(body.error.code, code);
  assert.ok(!/\bat .+:\d+:\d+/.test(res.text), 'no stack trace in the response');
  return body.error;
}

describe('errors', () => {
  test('malformed JSON → 400 invalid_json (POST and PATCH)', async () => {
    for (const body of ['{', '{"name": }', 'nope', "{'a':1}", '']) {
      const res = await server.api('/api/ddi-providers', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assertError(res, 400, 'invalid_json');
    }
    const p = await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'Err Carrier' } });
    assertError(await server.api(`/api/ddi-providers/${p.body.id}`, { method: 'PATCH', body: '{"x"' }), 400, 'invalid_json');
    assertError(await server.api('/api/registrations', { method: 'POST', body: '[1,' }), 400, 'invalid_json');
  });

  test('wrong types / not an object / unknown keys → 422 validation with fields', async () => {
    let err = assertError(
      await server.api('/api/registrations', {
        method: 'POST',
        json: { ddiProviderId: 'one', username: 5, domain: true, ddi: 34911, expires: '3600', enabled: 1, transport: 'carrier-pigeon', password: 7, bogus: 1 },
      }),
      422,
      'validation',
    );
    assert.deepEqual(Object.keys(err.fields!).sort(), ['bogus', 'ddi', 'ddiProviderId', 'domain', 'enabled', 'expires', 'password', 'transport', 'username']);
    for (const body of [[], 'text', 42, null]) {
      err = assertError(await server.api('/api/registrations', { method: 'POST', json: body }), 422, 'validation');
      assert.match(err.message, /JSON object/);
    }
    err = assertError(await server.api('/api/ddi-providers', { method: 'POST', json: { name: 'ok', ddis: [1, '+34'] } }), 422, 'validation');
    assert.match(err.fields!.ddis!, /^Item 1/);
  });

  test('body over 64 KiB → 413 too_large (Content-Length, and counted when chunked)', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(70 * 1024) });
    assertError(await server.api('/api/ddi-providers', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } }), 413, 'too_large');
    assertError(await server.api('/api/registrations/1', { method: 'PATCH', body: big }), 413, 'too_large');
    const chunked = await postChunked('/api/registrations', 200 * 1024);
    assert.equal(chunked.status, 413, chunked.body);
    assert.equal(JSON.parse(chunked.body).error.code, 'too_large');
    // Just under the limit is read and validated normally.
    const under = JSON.stringify({ name: 'y'.repeat(60 * 1024) });
    assertError(await server.api('/api/ddi-providers', { method: 'POST', body: under }), 422, 'validation');
  });

  test('unknown ids and paths → 404 not_found', async () => {
    for (const path of ['/api/registrations/424242', '/api/registrations/x1', '/api/registrations/-1', '/api/ddi-providers/424242']) {
      assertError(await server.api(path), 404, 'not_found');
    }
    assertError(await server.api('/api/registrations/424242', { method: 'PATCH', json: { enabled: false } }), 404, 'not_found');
    assertError(await server.api('/api/registrations/424242', { method: 'DELETE' }), 404, 'not_found');
  });

  test('a wrong method is refused', async () => {
    const res = await server.api('/api/health', { method: 'POST' });
    assert.equal(res.status, 405);
  });
});

describe('health', () => {
  test('GET /api/health → 200 { status: "ok", engine } (no engine ever ran here: unknown)', async () => {
    const res = await server.api('/api/health');
    assert.equal(res.status, 200);
    assert.deepEqual(healthJsonSchema.parse(res.body), { status: 'ok', engine: { state: 'unknown', heartbeatAt: null, bind: null } });
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });
});
