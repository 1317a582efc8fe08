// Origin checks of cookie-authenticated writes (lib/auth/csrf.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crossOriginReason } from '../../../lib/auth/csrf';

const host = 'portal.example:3000';

describe('crossOriginReason', () => {
  test('reads are never checked', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      assert.equal(crossOriginReason({ method, origin: 'https://evil.example', host, scheme: 'http', secFetchSite: 'cross-site' }), null, method);
    }
  });

  test('a write from the same origin passes', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      assert.equal(crossOriginReason({ method, origin: `http://${host}`, host, scheme: 'http' }), null, method);
      assert.equal(crossOriginReason({ method, origin: `https://${host}`, host, scheme: 'https', secFetchSite: 'same-origin' }), null, method);
    }
    assert.equal(crossOriginReason({ method: 'POST', origin: `http://${host}`, host, scheme: 'http', secFetchSite: 'none' }), null);
  });

  test('a write without a usable Origin is refused', () => {
    for (const origin of [undefined, null, '', 'null', 'not a url', '//portal.example:3000']) {
      assert.match(crossOriginReason({ method: 'POST', origin, host, scheme: 'http' }) ?? '', /Origin/, String(origin));
    }
  });

  test('a write from another origin is refused', () => {
    for (const origin of ['https://evil.example', 'http://portal.example', 'http://portal.example:3001', 'http://portal.example:3000.evil.example', 'http://evil.example@portal.example:3000x']) {
      assert.ok(crossOriginReason({ method: 'DELETE', origin, host, scheme: 'http' }), origin);
    }
  });

  test('Sec-Fetch-Site other than same-origin/none is refused even with the right Origin', () => {
    for (const secFetchSite of ['cross-site', 'same-site']) {
      assert.match(crossOriginReason({ method: 'PATCH', origin: `http://${host}`, host, scheme: 'http', secFetchSite }) ?? '', /another site/);
    }
  });

  test('the scheme must match too: an https:// Origin on a plain-http portal is another origin, and the reverse', () => {
    assert.match(crossOriginReason({ method: 'POST', origin: `https://${host}`, host, scheme: 'http' }) ?? '', /another origin/);
    assert.match(crossOriginReason({ method: 'POST', origin: `http://${host}`, host, scheme: 'https' }) ?? '', /another origin/);
    assert.ok(crossOriginReason({ method: 'POST', origin: `ftp://${host}`, host, scheme: 'http' }));
  });

  test('no Host header: nothing can match', () => {
    assert.ok(crossOriginReason({ method: 'POST', origin: `http://${host}`, host: undefined, scheme: 'http' }));
  });
});
