// What an operator can check or do about the last outcome of a REGISTER: a plain hint next to
// "401 Unauthorized" or "timeout" on the registration detail and the test result. What a local
// cause *means* is in LOCAL_CAUSE_EXPLANATIONS (registrar/domain/vocabulary.ts); this module says
// what to look at. Pure: no React, no network.
import type { LocalCause } from '../../registrar/domain/vocabulary';

const CHECK_CREDENTIALS = 'Check the user (or authentication user), the password and the realm; leave Realm empty unless the provider names one.';
const CHECK_REACHABLE =
  'The registrar could not be reached: check the domain (or register server URI), its port and transport, and any firewall between this server and the provider.';

/** Hints for SIP status codes (RFC 3261 §21) an operator can act on (the /help page lists them). */
export const SIP_CODE_HINTS: Readonly<Record<number, string>> = {
  400: 'The provider could not parse our REGISTER: check the username, domain and register server URI for stray characters.',
  401: `The provider refused the credentials. ${CHECK_CREDENTIALS}`,
  403: `The provider refused this account. ${CHECK_CREDENTIALS} The account may also be disabled or only allowed from another IP address.`,
  404: 'The provider does not know this account: check the username and the domain (and the register server URI, if set).',
  407: `A proxy refused the credentials. ${CHECK_CREDENTIALS}`,
  408: 'The provider gave up waiting for its own next hop: usually temporary; the registration is retried.',
  423: 'The expiry is shorter than the provider accepts: raise Expire (the provider says its minimum in Min-Expires).',
  480: 'The provider says the account is temporarily unavailable: usually temporary; the registration is retried.',
  500: 'The provider had an internal error: usually temporary; the registration is retried. If it persists, contact the provider.',
  503: 'The provider is overloaded or in maintenance: the registration is retried. If it persists, contact the provider.',
  504: 'A server behind the provider did not answer in time: usually temporary; the registration is retried.',
};

/** Hints for local causes where there is something to check (the others are explained well enough). */
export const LOCAL_CAUSE_HINTS: Partial<Record<LocalCause, string>> = {
  timeout: CHECK_REACHABLE,
  'no-answer': CHECK_REACHABLE,
  transport: CHECK_REACHABLE,
  dns: 'Check the spelling of the domain (or register server URI): the name does not resolve.',
  'tls-untrusted': 'Ask an administrator to trust the provider\'s CA (SIP_TLS_CA_FILE), or the provider to send its full certificate chain.',
  'tls-hostname': 'Use the host name the certificate names in Domain or the register server URI.',
  'tls-handshake': 'Check that the port speaks TLS (usually 5061) or choose another transport.',
  'auth-realm': 'Leave Realm empty to accept the provider\'s realm, or set the realm the provider names.',
  'no-credentials': 'Enter the password the provider gave for this account.',
  'binding-lost':
    'The provider dropped our registration although it had not expired (a restart or another device registering the same account); it is registered again. If it keeps happening, check that no other device uses this account.',
  'connection-closed':
    'The provider closed the TCP/TLS connection our registration was bound to; it is registered again. If it keeps happening, check NAT or firewall idle timeouts, or use UDP.',
  expired: 'The registration lapsed because no refresh succeeded in time: see the following attempts and their causes.',
  'binding-missing': 'The provider accepted the REGISTER but did not list our Contact: check the DDI and the register server URI, or ask the provider.',
  denied: 'An administrator has denied that address range: ask them, or check the domain.',
  config: 'Open the registration and correct the highlighted settings.',
};

/**
 * What to check for an outcome: a SIP `code` (the reason phrase is the server's and not trusted
 * for meaning) or, without a code, a local cause in `reason`. Undefined when there is nothing to
 * suggest (success, an unknown local cause).
 */
export function outcomeHint(code: number | null | undefined, reason: string | null | undefined): string | undefined {
  if (code) {
    if (code < 300) return undefined;
    const exact = SIP_CODE_HINTS[code];
    if (exact) return exact;
    if (code < 400) return 'The provider redirected the REGISTER elsewhere: set the register server URI to where it should go, or ask the provider.';
    if (code < 500) return 'The provider refused the REGISTER: check the username, domain and credentials, and the provider\'s reason above.';
    if (code < 600) return 'The provider\'s side failed: usually temporary; the registration is retried. If it persists, contact the provider.';
    return 'The provider refuses this registration everywhere: check the account with the provider.';
  }
  if (!reason || !Object.hasOwn(LOCAL_CAUSE_HINTS, reason)) return undefined;
  return LOCAL_CAUSE_HINTS[reason as LocalCause];
}
