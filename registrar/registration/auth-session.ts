// Digest state for one REGISTER exchange (RFC 3261 §22.2, §22.3; RFC 7616;
// RFC 8760): the challenge answered per header kind, nonce-count per nonce,
// and whether credentials for it were already rejected once.
import { keptChallenge, parseChallenges, pickChallenge, type DigestChallenge, type ParsedChallenge } from '../auth/challenge';
import { buildAuthorization, credentialsHash, type DigestCredentials } from '../auth/digest';
import { SipError } from '../errors';
import type { SipResponse } from '../message/types';
import { randomHex } from '../util/random';

type Kind = 'www' | 'proxy';
const KINDS: readonly Kind[] = ['www', 'proxy'];

interface Answered {
  challenge: DigestChallenge;
  nc: number;
  /** credentialsHash() for this challenge's realm and algorithm, made at its first answer. */
  ha1: string | null;
}

export type ChallengeVerdict =
  | { ok: true }
  | { ok: false; error: SipError }
  | { ok: false; wrongCredentials: true };

export class AuthSession {
  /** The challenge answered per header kind (fields, not a record: every registration keeps one session). */
  private www: Answered | null = null;
  private proxy: Answered | null = null;
  /**
   * Credentials sent before any challenge of this exchange (the last nonce reused): the first
   * challenge then only says the nonce is no longer good, not that the password is wrong.
   */
  private preemptive = false;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly realm: string | null,
  ) {}

  /** Whether a challenge has been answered (there is something to reuse). */
  get hasCredentials(): boolean {
    return this.www !== null || this.proxy !== null;
  }

  /**
   * A session for the next exchange with the same server that answers preemptively with the
   * challenges answered here, nonce-count continued (RFC 7616 §3.4: the client may reuse a nonce
   * with nc incremented; a refused one gets a fresh challenge, answered as usual).
   */
  reuse(): AuthSession {
    const next = new AuthSession(this.username, this.password, this.realm);
    if (this.www) next.www = { challenge: this.www.challenge, nc: this.www.nc, ha1: this.www.ha1 };
    if (this.proxy) next.proxy = { challenge: this.proxy.challenge, nc: this.proxy.nc, ha1: this.proxy.ha1 };
    next.preemptive = next.hasCredentials;
    return next;
  }

  /**
   * Takes a 401/407. A stale=true challenge just replaces the nonce (§22.3 via
   * RFC 7616 §3.3); a fresh challenge after we already answered one for the
   * same header kind means the credentials are wrong.
   */
  accept(response: SipResponse): ChallengeVerdict {
    const kind: Kind = response.status === 407 ? 'proxy' : 'www';
    const headerName = kind === 'proxy' ? 'proxy-authenticate' : 'www-authenticate';
    let challenges: ParsedChallenge[];
    try {
      challenges = parseChallenges(response.headers.getAll(headerName));
    } catch (err) {
      return { ok: false, error: err as SipError };
    }
    if (this.preemptive) {
      // Our reused nonce was refused: start over with this challenge.
      this.preemptive = false;
      this.www = this.proxy = null;
    }
    const chosen = pickChallenge(challenges, this.realm);
    if (!chosen) {
      if (this.realm && challenges.length > 0) {
        return { ok: false, error: new SipError('E_AUTH_REALM', `no challenge for configured realm`) };
      }
      return { ok: false, error: new SipError('E_AUTH_UNSUPPORTED', 'no supported Digest challenge') };
    }
    if (this[kind] && !chosen.stale) return { ok: false, wrongCredentials: true };
    this[kind] = { challenge: keptChallenge(chosen), nc: 0, ha1: null };
    return { ok: true };
  }

  /** Authorization headers for the next request; bumps nc for each reuse of a nonce. */
  headers(method: string, uri: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const kind of KINDS) {
      const a = this[kind];
      if (!a) continue;
      a.nc++;
      const credentials: DigestCredentials = { username: this.username, password: this.password };
      a.ha1 ??= credentialsHash(a.challenge.algorithm, credentials, a.challenge.realm);
      const value = buildAuthorization({ challenge: a.challenge, credentials, method, uri, cnonce: randomHex(12), nc: a.nc, ha1: a.ha1 });
      out.push([kind === 'www' ? 'Authorization' : 'Proxy-Authorization', value]);
    }
    return out;
  }
}
