// Registration input as fed by the supervisor, and helpers to compare configs.
import { SipError } from '../errors';
import { parseUri, type SipUri } from '../message/uri';
import { isTransportSetting, type TransportSetting } from '../transport/types';

/** A binding as last sent by its owner (RFC 3261 §10.2): what the next owner continues from. */
export interface BindingState {
  callId: string;
  /** CSeq of the last REGISTER sent under callId (as last persisted). */
  cseq: number;
  /** Contact of the last REGISTER with a non-zero expiry; null when none is bound (never, or un-REGISTERed). */
  contact: string | null;
}

export interface RegistrationConfig {
  id: string;
  /** AOR user part: To/From are sip:<username>@<domain>. */
  username: string;
  domain: string;
  /** Contact user part. */
  ddi: string;
  /** Digest username; falls back to `username`. */
  authUsername?: string | null;
  password?: string | null;
  /** Request-URI override; default sip:<domain>. */
  registerServerUri?: string | null;
  /** When set, only challenges for this realm are answered. */
  realm?: string | null;
  /** Requested binding lifetime, seconds. */
  expires: number;
  /** A fixed protocol, or `auto`: RFC 3263 §4.1 picks it per target (dns/resolve-targets.ts). */
  transport: TransportSetting;
  enabled: boolean;
  /**
   * Where calls to this DDI are relayed (the DDI provider's forward_to, a sip:/sips: URI);
   * null or absent: the engine's SIP_FORWARD_TO. Not a binding field: changing it re-registers nothing.
   */
  forwardTo?: string | null;
  /**
   * Where the engine node that held this registration before left its binding (registrar/cluster/):
   * the new owner refreshes it under the same Call-ID, with a higher CSeq, and removes that
   * Contact when its own differs. Absent: a new Call-ID. Read when the registration is made only.
   */
  resume?: BindingState | null;
}

/** Fields whose change means a different binding (unregister old, register new). */
const BINDING_FIELDS = [
  'username',
  'domain',
  'ddi',
  'authUsername',
  'password',
  'registerServerUri',
  'realm',
  'transport',
] as const satisfies ReadonlyArray<keyof RegistrationConfig>;

export function bindingChanged(a: RegistrationConfig, b: RegistrationConfig): boolean {
  return BINDING_FIELDS.some((f) => (a[f] ?? null) !== (b[f] ?? null));
}

/**
 * Parsed Request-URIs by text: thousands of registrations on one registrar
 * share one SipUri (never mutated), parsed once. Bounded; cleared when full.
 */
const requestUris = new Map<string, SipUri>();
const REQUEST_URIS_MAX = 4096;

/** Request-URI of REGISTER (RFC 3261 §10.2): the registrar's URI, no user part. */
export function requestUriOf(config: RegistrationConfig): SipUri {
  const text = config.registerServerUri || `sip:${config.domain}`;
  const known = requestUris.get(text);
  if (known) return known;
  let uri: SipUri;
  try {
    uri = parseUri(text);
  } catch (err) {
    throw new SipError('E_CONFIG', `registration ${config.id}: invalid register server URI`, { cause: err });
  }
  if (requestUris.size >= REQUEST_URIS_MAX) requestUris.clear();
  requestUris.set(text, uri);
  return uri;
}

export function validateConfig(config: RegistrationConfig): void {
  if (!config.id) throw new SipError('E_CONFIG', 'registration id is required');
  if (!config.username || !config.domain || !config.ddi) throw new SipError('E_CONFIG', `registration ${config.id}: username, domain and ddi are required`);
  if (!Number.isInteger(config.expires) || config.expires < 1) throw new SipError('E_CONFIG', `registration ${config.id}: expires must be a positive integer`);
  if (!isTransportSetting(config.transport)) {
    throw new SipError('E_CONFIG', `registration ${config.id}: unknown transport`);
  }
  requestUriOf(config);
  if (config.forwardTo) {
    try {
      parseForwardUri(config.forwardTo);
    } catch (err) {
      throw new SipError('E_CONFIG', `registration ${config.id}: invalid forward target`, { cause: err });
    }
  }
}

/** A forward target (SIP_FORWARD_TO, forward_to): a sip:/sips: URI of the PBX, without a user part (the DDI becomes it). */
export function parseForwardUri(text: string): SipUri {
  const uri = parseUri(text);
  if (uri.user !== null) throw new SipError('E_CONFIG', 'the forward target must not have a user part: the DDI is put there');
  return uri;
}
