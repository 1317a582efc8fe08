// The portal's logger (lib/log.ts): secrets redacted from logged objects, request ids on the lines
// of a request, LOG_LEVEL validated, the engine's port and the development format; request ids
// (lib/server/request-id.ts): a trusted proxy's kept only when safe, anyone else's replaced.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { envSchema } from '../../../lib/env';
import { createLogger, enginePort, prettyLine, REDACTED, withRequestId, type LogLevel } from '../../../lib/log';
import { requestIdFor, requestIdOf } from '../../../lib/server/request-id';
import { toLogger } from '../../../registrar/util/log';

/** A logger writing into an array of parsed lines. */
function capture(level: LogLevel = 'trace', pretty = false) {
  const raw: string[] = [];
  const logger = createLogger({ level, pretty, destination: { write: (s: string) => void raw.push(s) } });
  return { logger, raw, lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('redaction', () => {
  test('passwords, digest responses, cookies and Authorization headers never reach the output', () => {
    const { logger, raw, lines } = capture();
    const secrets = ['hunter2-pass', 'new-pass-9', '6629fae49393a05397450978507c4ef1', 'ddr_session=abc123session', 'Bearer ddr_tok_secret', 'Digest username="a", response="ffee00"', 'set-cookie-value', 'proxy-auth-value', 'sip-pass-77'];
    logger.info(
      {
        password: secrets[0],
        body: { newPassword: secrets[1], email: 'op@example.test' },
        auth: { username: 'alice', realm: 'sip.example.test', nonce: 'n1', response: secrets[2] },
        req: { method: 'POST', headers: { cookie: secrets[3], authorization: secrets[4], 'set-cookie': secrets[6], 'proxy-authorization': secrets[7] } },
        sip: { headers: { Authorization: secrets[5] } },
        registration: { id: 7, password: secrets[8] },
      },
      'sign-in failed',
    );
    const out = raw.join('');
    for (const s of secrets) assert.ok(!out.includes(s), `${s} leaked: ${out}`);
    const [line] = lines() as [Record<string, any>];
    assert.equal(line.password, REDACTED);
    assert.equal(line.body.newPassword, REDACTED);
    assert.equal(line.auth.response, REDACTED);
    assert.equal(line.req.headers.cookie, REDACTED);
    assert.equal(line.req.headers.authorization, REDACTED);
    assert.equal(line.req.headers['set-cookie'], REDACTED);
    assert.equal(line.req.headers['proxy-authorization'], REDACTED);
    assert.equal(line.sip.headers.Authorization, REDACTED);
    assert.equal(line.registration.password, REDACTED);
    // what is not secret stays readable
    assert.deepEqual([line.msg, line.body.email, line.auth.username, line.auth.nonce, line.registration.id], ['sign-in failed', 'op@example.test', 'alice', 'n1', 7]);
  });

  test('the development format prints the censored object too', () => {
    const { logger, raw } = capture('info', true);
    logger.warn({ req: { headers: { cookie: 'ddr_session=s3cr3t' } }, id: 4 }, 'registrar: registration 4 skipped');
    const out = raw.join('');
    assert.ok(!out.includes('s3cr3t'), out);
    assert.match(out, /^\d\d:\d\d:\d\d\.\d{3} WARN  registrar: registration 4 skipped .*id=4/);
    assert.match(out, /\[redacted\]/);
  });
});

describe('request ids', () => {
  test('lines logged inside withRequestId carry the id, also after an await; others none', async () => {
    const { logger, lines } = capture();
    await withRequestId('req-1', async () => {
      logger.info('before');
      await new Promise((r) => setImmediate(r));
      logger.error({ error: 'boom' }, 'GET /api/x failed');
    });
    logger.info('outside');
    assert.deepEqual(lines().map((l) => [l.msg, l.reqId]), [['before', 'req-1'], ['GET /api/x failed', 'req-1'], ['outside', undefined]]);
  });

  test("a trusted proxy's safe X-Request-Id is kept; an untrusted or unsafe one is replaced by a UUID", () => {
    assert.equal(requestIdFor('lb-4f2a:17', true), 'lb-4f2a:17');
    assert.match(requestIdFor('lb-4f2a:17', false), UUID);
    assert.match(requestIdFor('x"}\n{"level":60', true), UUID);
    assert.match(requestIdFor('a'.repeat(129), true), UUID);
    assert.match(requestIdFor(undefined, true), UUID);
    assert.notEqual(requestIdFor(undefined, false), requestIdFor(undefined, false));
  });

  test('a route handler reads the id server.ts set; without one (or a bad one) it makes its own', () => {
    assert.equal(requestIdOf(new Request('http://portal/api/x', { headers: { 'x-request-id': 'abc-1' } })), 'abc-1');
    assert.match(requestIdOf(new Request('http://portal/api/x')), UUID);
    assert.match(requestIdOf(new Request('http://portal/api/x', { headers: { 'x-request-id': 'a b' } })), UUID);
  });
});

describe('levels', () => {
  test('LOG_LEVEL: the pino levels and silent, any case; default info; anything else refused', () => {
    const level = (v?: string) => envSchema.safeParse(v === undefined ? {} : { LOG_LEVEL: v });
    assert.equal(level().data?.LOG_LEVEL, 'info');
    assert.equal(level('').data?.LOG_LEVEL, 'info');
    for (const v of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) assert.equal(level(v).data?.LOG_LEVEL, v);
    assert.equal(level(' DEBUG ').data?.LOG_LEVEL, 'debug');
    const bad = level('verbose');
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['LOG_LEVEL']);
  });

  test('below the level nothing is written', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    assert.deepEqual(lines().map((l) => l.msg), ['loud']);
  });
});

describe("the engine's port", () => {
  test('enginePort: message and fields at the level the engine chose', () => {
    const { logger, lines } = capture();
    const port = enginePort(logger);
    port.info('registrar: 3 registrations loaded');
    port.warn('registrar: IPv6 not available ([::]:5060: EAFNOSUPPORT): serving IPv4 only', { bind: '[::]:5060' });
    port.error('registrar: heartbeat write failed: SQLITE_BUSY');
    port.debug('registrar: debug line');
    assert.deepEqual(
      lines().map((l) => [l.level, l.msg, l.bind]),
      [
        [30, 'registrar: 3 registrations loaded', undefined],
        [40, 'registrar: IPv6 not available ([::]:5060: EAFNOSUPPORT): serving IPv4 only', '[::]:5060'],
        [50, 'registrar: heartbeat write failed: SQLITE_BUSY', undefined],
        [20, 'registrar: debug line', undefined],
      ],
    );
  });

  test('toLogger: a line sink gets every level; none injected logs nothing', () => {
    const got: string[] = [];
    const l = toLogger((line) => got.push(line));
    l.error('e');
    l.warn('w');
    l.info('i');
    l.debug('d');
    assert.deepEqual(got, ['e', 'w', 'i', 'd']);
    const silent = toLogger(undefined);
    assert.doesNotThrow(() => silent.error('nowhere'));
  });
});

test('prettyLine: time, level, message, fields; the stack of an err', () => {
  const line = prettyLine(JSON.stringify({ level: 50, time: Date.UTC(2026, 0, 2, 3, 4, 5, 6), pid: 1, reqId: 'r1', msg: 'GET /api/x failed', err: { message: 'boom', stack: 'Error: boom\n    at x' } }));
  assert.equal(line, '03:04:05.006 ERROR GET /api/x failed reqId=r1\nError: boom\n    at x\n');
  assert.equal(prettyLine('not json'), 'not json');
});
