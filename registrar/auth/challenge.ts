// WWW-Authenticate / Proxy-Authenticate parsing (RFC 7235 §4.1, RFC 7616 §3.3,
// RFC 3261 §22, §25.1). A header may carry several challenges, and several
// headers may be present; every Digest challenge is returned in order.
import { SipError } from '../errors';
import { detached } from '../message/detached';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** What answering a challenge takes: what a registration keeps between exchanges (preemptive credentials). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string | null;
  algorithm: DigestAlgorithm;
  /** qop options offered by the server, lower-case; empty = RFC 2069 style. */
  qop: readonly string[];
  stale: boolean;
}

/** A challenge as parsed, with its raw auth-params (lower-case names; tests read credentials with it). */
export interface ParsedChallenge extends DigestChallenge {
  params: Map<string, string>;
}

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
  'sha-512-256': 'SHA-512-256',
  'sha-512-256-sess': 'SHA-512-256-sess',
};

/** Parses every challenge in the given header values; non-Digest schemes are skipped. */
export function parseChallenges(headerValues: readonly string[]): ParsedChallenge[] {
  const out: ParsedChallenge[] = [];
  for (const value of headerValues) {
    for (const { scheme, params } of tokenizeChallenges(value)) {
      if (scheme.toLowerCase() !== 'digest') continue;
      const realm = params.get('realm');
      const nonce = params.get('nonce');
      if (realm === undefined || nonce === undefined) throw new SipError('E_PARSE', 'Digest challenge without realm or nonce');
      const algName = (params.get('algorithm') ?? 'MD5').toLowerCase();
      const algorithm = ALGORITHMS[algName];
      if (!algorithm) continue;
      const qopRaw = params.get('qop');
      out.push({
        realm,
        nonce,
        opaque: params.get('opaque') ?? null,
        algorithm,
        qop: qopRaw ? qopRaw.split(',').map((q) => q.trim().toLowerCase()).filter(Boolean) : [],
        stale: (params.get('stale') ?? '').toLowerCase() === 'true',
        params,
      });
    }
  }
  return out;
}

const STRENGTH: Record<DigestAlgorithm, number> = {
  'SHA-512-256': 6,
  'SHA-512-256-sess': 5,
  'SHA-256': 4,
  'SHA-256-sess': 3,
  MD5: 2,
  'MD5-sess': 1,
};

/**
 * Chooses the strongest supported challenge (RFC 7616 §3.7, RFC 8760 §2.4:
 * the client uses the most preferred algorithm it supports). When `realm` is
 * given only challenges for that realm qualify.
 */
export function pickChallenge<C extends DigestChallenge>(challenges: readonly C[], realm?: string | null): C | null {
  let best: C | null = null;
  for (const c of challenges) {
    if (realm && c.realm !== realm) continue;
    if (!best || STRENGTH[c.algorithm] > STRENGTH[best.algorithm]) best = c;
  }
  return best;
}

/**
 * The challenge as a registration keeps it until the next one: its strings copied out of the
 * response (a nonce cut from the 401 pins the whole message text, ≈ 450 bytes per registration
 * in a heap snapshot at 10,000) and without the raw auth-params (a Map of ≈ 450 bytes more).
 */
export function keptChallenge(c: DigestChallenge): DigestChallenge {
  return { realm: detached(c.realm), nonce: detached(c.nonce), opaque: c.opaque === null ? null : detached(c.opaque), algorithm: c.algorithm, qop: sharedQop(c.qop), stale: c.stale };
}

/** The qop lists servers offer ("auth", "auth,auth-int", none), one frozen array each, shared by every registration. */
const QOP_LISTS = new Map<string, readonly string[]>();
function sharedQop(qop: readonly string[]): readonly string[] {
  const key = qop.join(',');
  let shared = QOP_LISTS.get(key);
  if (!shared) {
    // Bounded: a server inventing lists gets arrays of its own.
    if (QOP_LISTS.size >= 16) return qop;
    shared = Object.freeze([...qop]);
    QOP_LISTS.set(key, shared);
  }
  return shared;
}

interface RawChallenge {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Splits `Digest realm="a", nonce="b", Digest realm="c" ...` into challenges.
 * A token followed by whitespace (not '=') starts a new challenge.
 */
function tokenizeChallenges(value: string): RawChallenge[] {
  const out: RawChallenge[] = [];
  let current: RawChallenge | null = null;
  let i = 0;
  const n = value.length;
  while (i < n) {
    while (i < n && (value[i] === ' ' || value[i] === '\t' || value[i] === ',')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && value[j] !== '=' && value[j] !== ' ' && value[j] !== '\t' && value[j] !== ',') j++;
    const token = value.slice(i, j);
    let k = j;
    while (k < n && (value[k] === ' ' || value[k] === '\t')) k++;
    if (value[k] !== '=') {
      current = { scheme: token, params: new Map() };
      out.push(current);
      i = j;
      continue;
    }
    if (!current) throw new SipError('E_PARSE', 'auth-param before scheme');
    k++;
    while (k < n && (value[k] === ' ' || value[k] === '\t')) k++;
    let paramValue = '';
    if (value[k] === '"') {
      // quoted-string (RFC 3261 §25.1): copied in runs between quoted-pairs.
      let run = ++k;
      while (k < n && value[k] !== '"') {
        if (value[k] === '\\' && k + 1 < n) {
          paramValue += value.slice(run, k);
          run = ++k;
        }
        k++;
      }
      if (k >= n) throw new SipError('E_PARSE', 'unterminated quoted string in challenge');
      paramValue += value.slice(run, k);
      k++;
    } else {
      const start = k;
      while (k < n && value[k] !== ',' && value[k] !== ' ' && value[k] !== '\t') k++;
      paramValue = value.slice(start, k);
    }
    current.params.set(token.toLowerCase(), paramValue);
    i = k;
  }
  return out;
}
