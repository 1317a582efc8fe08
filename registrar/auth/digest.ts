// Digest response computation (RFC 7616 §3.4, RFC 8760 for SIP, RFC 3261 §22.4).
// Pure functions: callers supply cnonce and nonce-count so results are testable.
import * as crypto from 'node:crypto';
import type { DigestAlgorithm, DigestChallenge } from './challenge';

const HASH_NAMES: Record<DigestAlgorithm, string> = {
  MD5: 'md5',
  'MD5-sess': 'md5',
  'SHA-256': 'sha256',
  'SHA-256-sess': 'sha256',
  'SHA-512-256': 'sha512-256',
  'SHA-512-256-sess': 'sha512-256',
};

/** One-shot crypto.hash (Node >= 20.12) skips the Hash object; createHash otherwise. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null;

function digestHash(algorithm: DigestAlgorithm, data: string | Buffer): string {
  const name = HASH_NAMES[algorithm];
  return oneShot ? oneShot(name, data, 'hex') : crypto.createHash(name).update(data).digest('hex');
}

export interface DigestCredentials {
  username: string;
  password: string;
}

export interface DigestInput {
  challenge: DigestChallenge;
  credentials: DigestCredentials;
  method: string;
  uri: string;
  /** Entity body, needed for qop=auth-int. */
  body?: Buffer;
  cnonce: string;
  /** Nonce count, 1-based; written as 8 hex digits (RFC 7616 §3.4). */
  nc: number;
  /** credentialsHash() of these credentials, the challenge's realm and algorithm, when kept from an earlier request. */
  ha1?: string;
}

export interface DigestResult {
  response: string;
  qop: 'auth' | 'auth-int' | null;
  nc: string;
}

/** Formats the nonce-count as 8 lower-case hex digits (RFC 7616 §3.4). */
export function formatNc(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

/** Picks "auth" when offered, else "auth-int", else none (RFC 2069 compatibility). */
function chooseQop(offered: readonly string[]): 'auth' | 'auth-int' | null {
  if (offered.includes('auth')) return 'auth';
  if (offered.includes('auth-int')) return 'auth-int';
  return null;
}

/**
 * H(A1) of RFC 7616 §3.4.2 without the -sess part: H(unq(username) ":" unq(realm) ":" passwd).
 * The same for every request under one realm and algorithm, so a session keeps it (DigestInput.ha1).
 */
export function credentialsHash(algorithm: DigestAlgorithm, credentials: DigestCredentials, realm: string): string {
  return digestHash(algorithm, `${credentials.username}:${realm}:${credentials.password}`);
}

export function computeDigest(input: DigestInput): DigestResult {
  const { challenge, credentials, method, uri, cnonce } = input;
  const alg = challenge.algorithm;
  const qop = chooseQop(challenge.qop);
  const nc = formatNc(input.nc);

  // RFC 7616 §3.4.2: A1 = username:realm:passwd; -sess: H(A1):nonce:cnonce
  let ha1 = input.ha1 ?? credentialsHash(alg, credentials, challenge.realm);
  if (alg.endsWith('-sess')) ha1 = digestHash(alg, `${ha1}:${challenge.nonce}:${cnonce}`);

  // RFC 7616 §3.4.3: A2 = Method:request-uri[:H(entity-body)]
  const a2 = qop === 'auth-int' ? `${method}:${uri}:${digestHash(alg, input.body ?? Buffer.alloc(0))}` : `${method}:${uri}`;
  const ha2 = digestHash(alg, a2);

  // RFC 7616 §3.4.1 response; without qop, the RFC 2069 form (RFC 3261 §22.4).
  const response =
    qop === null
      ? digestHash(alg, `${ha1}:${challenge.nonce}:${ha2}`)
      : digestHash(alg, `${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`);
  return { response, qop, nc };
}

function quote(value: string): string {
  if (value.indexOf('\\') < 0 && value.indexOf('"') < 0) return `"${value}"`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Authorization / Proxy-Authorization header value (RFC 7616 §3.4, RFC 3261 §25.1). */
export function buildAuthorization(input: DigestInput): string {
  const { challenge, credentials, uri, cnonce } = input;
  const result = computeDigest(input);
  let out =
    `Digest username=${quote(credentials.username)}, realm=${quote(challenge.realm)}, nonce=${quote(challenge.nonce)}` +
    `, uri=${quote(uri)}, response="${result.response}", algorithm=${challenge.algorithm}`;
  if (result.qop !== null) out += `, qop=${result.qop}, nc=${result.nc}, cnonce=${quote(cnonce)}`;
  if (challenge.opaque !== null) out += `, opaque=${quote(challenge.opaque)}`;
  return out;
}
