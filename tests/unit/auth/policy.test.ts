// The access table (lib/auth/policy.ts): the public list is exactly the list, and every
// other path needs the role the issue gives it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isApiPath, requiredAccess } from '../../../lib/auth/policy';

/** The only requests the issue lets through without sign-in (plus static assets). */
const PUBLIC = ['GET /api/health', 'POST /api/auth/login', 'GET /api/auth/setup', 'POST /api/auth/setup', 'GET /login', 'GET /setup'];

const access = (key: string) => {
  const [method, path] = key.split(' ') as [string, string];
  return requiredAccess(method, path);
};

describe('requiredAccess', () => {
  test('the public list, and HEAD like GET', () => {
    for (const key of PUBLIC) assert.equal(access(key), 'public', key);
    assert.equal(access('HEAD /api/health'), 'public');
    assert.equal(access('HEAD /login'), 'public');
  });

  test('static assets are public for reads only', () => {
    assert.equal(access('GET /_next/static/chunks/app.js'), 'public');
    assert.equal(access('GET /favicon.ico'), 'public');
    assert.equal(access('POST /_next/static/chunks/app.js'), 'editor');
    assert.equal(access('POST /favicon.ico'), 'editor');
  });

  test('near misses of public paths need sign-in', () => {
    for (const key of [
      'POST /api/health',
      'GET /api/healthz',
      'GET /api/health/x',
      'GET /api/auth/login',
      'PUT /api/auth/setup',
      'DELETE /api/auth/setup',
      'POST /login',
      'GET /login/x',
      'GET /loginx',
      'GET /api/auth/setup/x',
      'GET /_next/data/x.json',
      'GET /',
      'GET /metrics',
      'GET /api/events',
      'GET /_next/image',
      'GET /_next/image/x',
    ]) {
      assert.notEqual(access(key), 'public', key);
    }
  });

  test('a trailing slash does not change the answer', () => {
    assert.equal(access('GET /api/health/'), 'public');
    assert.equal(access('GET /login//'), 'public');
    assert.equal(access('GET /api/operators/'), 'admin');
    assert.equal(access('POST /api/registrations/'), 'editor');
  });

  test('operators management is admin only, reads included', () => {
    for (const key of ['GET /api/operators', 'POST /api/operators', 'GET /api/operators/3', 'PATCH /api/operators/3', 'DELETE /api/operators/3', 'GET /operators', 'GET /operators/3/edit']) {
      assert.equal(access(key), 'admin', key);
    }
    assert.notEqual(access('GET /api/operatorsx'), 'admin');
  });

  test('own account and own tokens: any role', () => {
    for (const key of ['POST /api/auth/logout', 'POST /api/auth/password', 'GET /api/tokens', 'POST /api/tokens', 'DELETE /api/tokens/4', 'GET /api/auth/me']) {
      assert.equal(access(key), 'viewer', key);
    }
  });

  test('reads need viewer, writes need editor', () => {
    for (const key of ['GET /', 'GET /registrations', 'GET /registrations/5', 'GET /api/registrations', 'GET /api/registrations/5/trace', 'GET /api/events', 'GET /api/audit']) {
      assert.equal(access(key), 'viewer', key);
    }
    for (const key of ['POST /api/registrations', 'PATCH /api/registrations/5', 'PUT /api/registrations/5', 'DELETE /api/ddi-providers/2', 'POST /api/registrations/5/register', 'POST /api/registrations/test', 'POST /api/health']) {
      assert.equal(access(key), 'editor', key);
    }
  });

  test('/metrics is admin by default (METRICS_ACCESS can open it, in the gate)', () => {
    assert.equal(access('GET /metrics'), 'admin');
  });

  test('pages that edit need editor', () => {
    for (const key of ['GET /registrations/new', 'GET /providers/new', 'GET /registrations/5/edit', 'GET /providers/2/edit', 'GET /registrations/import']) {
      assert.equal(access(key), 'editor', key);
    }
    assert.equal(access('GET /registrations/5/edit/x'), 'viewer');
    // the import itself is a write (editor); its export counterpart is a read, without passwords
    assert.equal(access('POST /api/registrations/import'), 'editor');
    assert.equal(access('GET /api/registrations/export'), 'viewer');
  });

  test('an unknown method is treated as a write', () => {
    assert.equal(access('OPTIONS /api/registrations'), 'editor');
    assert.equal(access('TRACE /api/health'), 'editor');
  });
});

describe('isApiPath', () => {
  test('API paths and /metrics answer JSON; the rest are pages', () => {
    assert.ok(isApiPath('/api/health'));
    assert.ok(isApiPath('/metrics'));
    assert.ok(!isApiPath('/api'));
    assert.ok(!isApiPath('/registrations'));
    assert.ok(!isApiPath('/metrics/x'));
  });
});
