// TLS failures each with their own cause, against Kamailio serving certificates made here
// with openssl (a CA, an expired leaf, a leaf for another name, a self-signed one) and a
// plain TCP listener on the TLS port; the refusal names what the certificate says.
//   node --import tsx --test tests/sip/tls-causes.test.ts
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { SipError } from '../../registrar/errors';
import { StreamTransport } from '../../registrar/transport/stream';
import { config, defer, inState, testEngine, waitStatus } from './engine-helpers';
import { HOST, makeCert, requireBinary, startKamailio, type KamailioHandle } from './harness';

const openssl = requireBinary('openssl', 'openssl');

function run(args: string[], cwd: string): void {
  const r = spawnSync(openssl, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'tls-causes-'));
  defer(t, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A test CA in `dir` (ca.pem is the file to trust). */
function makeCa(dir: string): { ca: string; caKey: string } {
  writeFileSync(
    join(dir, 'ca.cnf'),
    ['[ ca ]', 'default_ca = test', '[ test ]', 'dir = .', 'database = index.txt', 'new_certs_dir = .', 'serial = serial',
      'default_md = sha256', 'policy = any', 'copy_extensions = copy', 'unique_subject = no', '[ any ]', 'commonName = supplied', ''].join('\n'),
  );
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'serial'), '01\n');
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test SIP CA'], dir);
  return { ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') };
}

/** A leaf signed by the CA of `dir`, with its own validity (openssl ca -startdate/-enddate: past dates work). */
function makeLeaf(dir: string, name: string, o: { cn: string; san: string; start: string; end: string }): { cert: string; key: string } {
  run(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${o.cn}`, '-addext', `subjectAltName=${o.san}`], dir);
  run(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca-key.pem', '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', o.start, '-enddate', o.end, '-notext'], dir);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
}

/** openssl's YYYYMMDDHHMMSSZ, `days` from now. */
const asn1Time = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().replace(/[-:T]|\.\d+/g, '').slice(0, 14) + 'Z';

async function kamailio(t: TestContext, tlsCert: { cert: string; key: string }): Promise<KamailioHandle> {
  const k = await startKamailio({ tls: true, tlsCert });
  defer(t, () => k.stop());
  assert.ok(k.tlsPort);
  return k;
}

/** The registration's outcome over TLS to 127.0.0.1:port (first failure), and the transport's own error. */
async function attempt(t: TestContext, port: number, tlsCaFile?: string): Promise<{ reason: string | null; error: SipError; notes: string[] }> {
  const engine = testEngine(t, { tlsCaFile });
  await engine.start([config({ id: '1', transport: 'tls', registerServerUri: `sip:${HOST}:${port}` })]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'), 8000);
  assert.equal(s.state, 'retrying', JSON.stringify(s));
  assert.equal(s.code, null);
  const transport = new StreamTransport('tls', { tlsCaFile, connectTimeoutMs: 3000, keepAliveMs: 0 });
  defer(t, () => transport.close());
  const error = await transport.localAddressFor({ transport: 'tls', host: HOST, port }).then(
    () => assert.fail('the TLS connection should have been refused'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof SipError, String(error));
  if (process.env.SHOW_TLS_ERRORS) console.log(error.code, error.message);
  const notes = engine.trace('1').filter((m) => m.direction === 'note').map((m) => m.text);
  return { reason: s.reason, error, notes };
}

test('TLS: a self-signed certificate nobody trusts → tls-untrusted, naming the certificate', { timeout: 30_000 }, async (t) => {
  const k = await kamailio(t, makeCert(tempDir(t)));
  const { reason, error, notes } = await attempt(t, k.tlsPort!);
  assert.equal(reason, 'tls-untrusted');
  assert.equal(error.code, 'E_TLS_UNTRUSTED');
  assert.equal(notes.length, 1, 'the registration\'s SIP messages say why, once');
  assert.match(notes[0]!, /DEPTH_ZERO_SELF_SIGNED_CERT: self[- ]signed certificate \(subject CN=localhost;/);
  assert.match(error.message, new RegExp(`^tls ${HOST}:${k.tlsPort}: DEPTH_ZERO_SELF_SIGNED_CERT: self[- ]signed certificate \\(subject CN=localhost; issuer CN=localhost; SAN IP Address:127\\.0\\.0\\.1, DNS:localhost; valid \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z … \\d{4}-`));
});

test('TLS: a certificate signed by an unknown CA → tls-untrusted', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  makeCa(dir);
  const leaf = makeLeaf(dir, 'leaf', { cn: 'sip.test', san: 'IP:127.0.0.1', start: asn1Time(-1), end: asn1Time(1) });
  const k = await kamailio(t, leaf);
  // Trusting another certificate (the system roots are not used when a CA file is given).
  const other = makeCert(tempDir(t));
  const { reason, error } = await attempt(t, k.tlsPort!, other.cert);
  assert.equal(reason, 'tls-untrusted');
  assert.equal(error.code, 'E_TLS_UNTRUSTED');
  assert.match(error.message, /UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY).*subject CN=sip\.test; issuer CN=Test SIP CA/);
});

test('TLS: an expired certificate from a trusted CA → tls-expired, with its validity', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const { ca } = makeCa(dir);
  const leaf = makeLeaf(dir, 'expired', { cn: 'sip.test', san: 'IP:127.0.0.1,DNS:localhost', start: '20260101000000Z', end: '20260102000000Z' });
  const k = await kamailio(t, leaf);
  const { reason, error } = await attempt(t, k.tlsPort!, ca);
  assert.equal(reason, 'tls-expired');
  assert.equal(error.code, 'E_TLS_EXPIRED');
  assert.match(error.message, /CERT_HAS_EXPIRED: certificate has expired \(subject CN=sip\.test; issuer CN=Test SIP CA; SAN IP Address:127\.0\.0\.1, DNS:localhost; valid 2026-01-01T00:00:00Z … 2026-01-02T00:00:00Z\)$/);
});

test('TLS: a valid certificate for another name than 127.0.0.1 → tls-hostname', { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const { ca } = makeCa(dir);
  const leaf = makeLeaf(dir, 'other', { cn: 'sip.test', san: 'DNS:sip.test,DNS:localhost', start: asn1Time(-1), end: asn1Time(1) });
  const k = await kamailio(t, leaf);
  const { reason, error } = await attempt(t, k.tlsPort!, ca);
  assert.equal(reason, 'tls-hostname');
  assert.equal(error.code, 'E_TLS_HOSTNAME');
  assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID: .*127\.0\.0\.1.*\(subject CN=sip\.test; issuer CN=Test SIP CA; SAN DNS:sip\.test, DNS:localhost; valid /);
});

async function tcpServer(t: TestContext, onConnection: Parameters<typeof createServer>[1]): Promise<number> {
  const server: Server = createServer(onConnection!);
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  defer(t, () => new Promise<void>((resolve) => server.close(() => resolve())));
  const a = server.address();
  assert.ok(a && typeof a === 'object');
  return a.port;
}

test('TLS: plain TCP (SIP without TLS) on the TLS port → tls-handshake', { timeout: 30_000 }, async (t) => {
  const port = await tcpServer(t, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n'));
  });
  const { reason, error } = await attempt(t, port);
  assert.equal(reason, 'tls-handshake');
  assert.equal(error.code, 'E_TLS_HANDSHAKE');
  assert.match(error.message, new RegExp(`^tls ${HOST}:${port}: ERR_SSL_`));
});

test('TLS: a connection closed during the handshake → tls-handshake', { timeout: 30_000 }, async (t) => {
  const port = await tcpServer(t, (s) => {
    s.on('error', () => {});
    s.once('data', () => s.destroy());
  });
  const { reason, error } = await attempt(t, port);
  assert.equal(reason, 'tls-handshake');
  assert.equal(error.code, 'E_TLS_HANDSHAKE');
  assert.match(error.message, /TLS handshake failed: ECONNRESET/);
});

test('TLS: a refused connection stays a transport failure (nothing listens)', { timeout: 30_000 }, async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const engine = testEngine(t);
  await engine.start([config({ id: '1', transport: 'tls', registerServerUri: `sip:${HOST}:${port}` })]);
  const s = await waitStatus(engine, '1', inState('registered', 'rejected', 'retrying'), 8000);
  assert.equal(s.reason, 'transport');
});
