// TLS failures map to their own SipError codes and local causes (tests/sip/tls-causes.test.ts
// shows them against Kamailio).
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { test } from 'node:test';
import { SipError } from '../../../registrar/errors';
import { localCause } from '../../../registrar/registration/registration';
import { describeCertificate, tlsVerifyCode, tlsVerifyError, toTransportError } from '../../../registrar/transport/errors';

const withCode = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(code), { code, ...extra });

test('certificate verify codes: untrusted, expired, hostname, else handshake', () => {
  for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'INVALID_CA']) {
    assert.equal(tlsVerifyCode(code), 'E_TLS_UNTRUSTED', code);
  }
  for (const code of ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']) assert.equal(tlsVerifyCode(code), 'E_TLS_EXPIRED', code);
  for (const code of ['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'IP_ADDRESS_MISMATCH']) assert.equal(tlsVerifyCode(code), 'E_TLS_HOSTNAME', code);
  for (const code of ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']) {
    assert.equal(tlsVerifyCode(code), 'E_TLS_HANDSHAKE', code);
  }
});

test('socket errors over TLS: TLS codes by kind; a reset during the handshake is a handshake failure, after it a transport one', () => {
  const ctx = 'tls 192.0.2.1:5061';
  assert.equal(toTransportError(withCode('CERT_HAS_EXPIRED'), ctx, true).code, 'E_TLS_EXPIRED');
  assert.equal(toTransportError(withCode('ERR_TLS_CERT_ALTNAME_INVALID'), ctx, true).code, 'E_TLS_HOSTNAME');
  assert.equal(toTransportError(withCode('SELF_SIGNED_CERT_IN_CHAIN'), ctx, true).code, 'E_TLS_UNTRUSTED');
  const wrong = toTransportError(withCode('ERR_SSL_WRONG_VERSION_NUMBER', { reason: 'wrong version number' }), ctx, true);
  assert.equal(wrong.code, 'E_TLS_HANDSHAKE');
  assert.equal(wrong.message, 'tls 192.0.2.1:5061: ERR_SSL_WRONG_VERSION_NUMBER: wrong version number');
  const reset = toTransportError(withCode('ECONNRESET'), ctx, true, true);
  assert.equal(reset.code, 'E_TLS_HANDSHAKE');
  assert.equal(reset.message, 'tls 192.0.2.1:5061: TLS handshake failed: ECONNRESET');
  assert.equal(toTransportError(withCode('ECONNRESET'), ctx, true, false).code, 'E_TRANSPORT');
  assert.equal(toTransportError(withCode('ECONNREFUSED'), ctx, true).code, 'E_TRANSPORT');
  // Over TCP nothing is TLS.
  assert.equal(toTransportError(withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'tcp 192.0.2.1:5060', false).code, 'E_TRANSPORT');
});

test('local causes: each TLS code has its own', () => {
  assert.equal(localCause(new SipError('E_TLS_UNTRUSTED', 'x')), 'tls-untrusted');
  assert.equal(localCause(new SipError('E_TLS_EXPIRED', 'x')), 'tls-expired');
  assert.equal(localCause(new SipError('E_TLS_HOSTNAME', 'x')), 'tls-hostname');
  assert.equal(localCause(new SipError('E_TLS_HANDSHAKE', 'x')), 'tls-handshake');
  assert.equal(localCause(new SipError('E_TRANSPORT', 'x')), 'transport');
});

const CERT = {
  subject: { CN: 'sip.example.com', O: 'Carrier' },
  issuer: { CN: 'Example CA' },
  subjectaltname: 'DNS:sip.example.com, IP Address:192.0.2.1',
  valid_from: 'Jan  1 00:00:00 2026 GMT',
  valid_to: 'Jan  2 00:00:00 2026 GMT',
} as unknown as PeerCertificate;

test('the refusal names the certificate: subject, issuer, SAN, validity', () => {
  assert.equal(describeCertificate(CERT), 'subject CN=sip.example.com, O=Carrier; issuer CN=Example CA; SAN DNS:sip.example.com, IP Address:192.0.2.1; valid 2026-01-01T00:00:00Z … 2026-01-02T00:00:00Z');
  assert.equal(describeCertificate({} as PeerCertificate), '');
  assert.equal(describeCertificate(null), '');
  const e = tlsVerifyError('CERT_HAS_EXPIRED', undefined, 'tls 192.0.2.1:5061', CERT);
  assert.equal(e.code, 'E_TLS_EXPIRED');
  assert.equal(e.message, `tls 192.0.2.1:5061: CERT_HAS_EXPIRED: certificate has expired (${describeCertificate(CERT)})`);
  const h = tlsVerifyError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 192.0.2.9 is not in the cert's list: 192.0.2.1", 'tls 192.0.2.9:5061', null);
  assert.equal(h.code, 'E_TLS_HOSTNAME');
  assert.equal(h.message, "tls 192.0.2.9:5061: ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames: IP: 192.0.2.9 is not in the cert's list: 192.0.2.1");
});
