import { z } from 'zod';

/** RFC 3261 §25.1 `user`: unreserved / escaped / user-unreserved characters, ASCII only. */
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const HOST_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DDI = /^\+?[0-9]+$/;
const URI_PARAM = /^[A-Za-z0-9\-_.!~*'()]+(=[A-Za-z0-9\-_.!~*'()[\]/:&+$]+)?$/;
/** `sip:` / `sips:` at the start (a URI where a bare host is expected). */
const SIP_SCHEME = /^sips?:/i;
const SIP_TRANSPORTS = new Set(['udp', 'tcp', 'tls', 'sctp', 'ws', 'wss']);

function isIpv6(text: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** hostname, IPv4 or bracketed IPv6 (RFC 3261 §25.1 `host`). */
export function isHost(host: string): boolean {
  if (host.startsWith('[') && host.endsWith(']')) return isIpv6(host.slice(1, -1));
  if (/^[0-9.]+$/.test(host)) return IPV4.test(host);
  if (host.length > 253) return false;
  const labels = host.replace(/\.$/, '').split('.');
  return labels.every((l) => HOST_LABEL.test(l)) && /[A-Za-z]/.test(labels[labels.length - 1] ?? '');
}

/** host with an optional `:port` (1–65535, no leading zeros so equal addresses compare equal). */
export function isHostPort(text: string): boolean {
  const m = /^(\[[^\]]+\]|[^:[\]]+)(?::([1-9]\d{0,4}))?$/.exec(text);
  if (!m) return false;
  const port = m[2] === undefined ? 1 : Number(m[2]);
  return isHost(m[1]!) && port >= 1 && port <= 65535;
}

/** sip:/sips: URI: optional user@, host[:port], `;name[=value]` params with a known transport (not udp for sips:). */
export function isRegisterServerUri(text: string): boolean {
  const m = /^(sips?):(?:([^@]+)@)?([^;]+)((?:;[^;]*)*)$/i.exec(text);
  if (!m) return false;
  if (m[2] !== undefined && !SIP_USER.test(m[2])) return false;
  if (!isHostPort(m[3]!)) return false;
  const secure = m[1]!.toLowerCase() === 'sips';
  const params = m[4] ? m[4].slice(1).split(';') : [];
  return params.every((p) => {
    if (!URI_PARAM.test(p)) return false;
    const [name, value] = p.split('=');
    if (name!.toLowerCase() !== 'transport') return true;
    const transport = (value ?? '').toLowerCase();
    // A sips: URI needs TLS all the way (RFC 5630 §3.2): UDP cannot carry it.
    return SIP_TRANSPORTS.has(transport) && !(secure && transport === 'udp');
  });
}

/**
 * Forward target (SIP_FORWARD_TO, a DDI provider's forward_to): the operator's PBX or SBC as a
 * sip:/sips: URI without a user part (the DDI is put there), host a name or an IP literal,
 * optional :port and params, transport udp, tcp or tls (those the engine speaks).
 */
function isForwardUri(text: string): boolean {
  const m = /^(sips?):([^@]*)$/i.exec(text);
  if (!m || !isRegisterServerUri(text)) return false;
  return text
    .split(';')
    .slice(1)
    .every((p) => p.split('=')[0]!.toLowerCase() !== 'transport' || ['udp', 'tcp', 'tls'].includes((p.split('=')[1] ?? '').toLowerCase()));
}

export const messages = {
  username: 'Use 1–64 characters valid in a SIP user part: letters, digits and - _ . ! ~ * \' ( ) & = + $ , ; ? / (no spaces, "@" or ":").',
  domain: 'Enter a hostname, an IPv4 address or a bracketed IPv6 address, with an optional :port.',
  domainScheme: 'Enter the host without sip: (for example sip.example.com, not sip:sip.example.com).',
  ddi: 'Use 1–32 characters: digits, optionally with a leading +.',
  registerServerUri: 'Enter a SIP URI starting with sip: or sips:, e.g. sip:192.0.2.10:5060;transport=udp.',
  realm: 'Use up to 128 printable characters without quotes or backslashes.',
  password: 'Use up to 128 printable characters.',
  expires: 'Enter whole seconds from 60 to 86400.',
  forwardTo: 'Enter the SIP URI of your PBX or SBC without a user part, e.g. sip:192.0.2.20:5060 or sip:pbx.example.com;transport=tcp (transport udp, tcp or tls).',
} as const;

export const usernameRule = z.string().trim().min(1, 'Username is required.').max(64, messages.username).regex(SIP_USER, messages.username);
export const authUsernameRule = z.string().trim().max(64, messages.username).regex(SIP_USER, messages.username);
export const domainRule = z
  .string()
  .trim()
  .min(1, 'Domain is required.')
  .max(260, messages.domain)
  // a URI pasted into Domain: say what to drop rather than "not a hostname"
  .refine((v) => !SIP_SCHEME.test(v), { message: messages.domainScheme, abort: true })
  .refine(isHostPort, messages.domain)
  .transform((v) => v.toLowerCase());
export const ddiRule = z.string().trim().min(1, 'DDI is required.').max(32, messages.ddi).regex(DDI, messages.ddi);
export const registerServerUriRule = z.string().trim().max(512, messages.registerServerUri).refine(isRegisterServerUri, messages.registerServerUri);
export const forwardToRule = z.string().trim().max(512, messages.forwardTo).refine(isForwardUri, messages.forwardTo);
export const realmRule = z.string().trim().max(128, messages.realm).regex(/^[^"\\\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+$/u, messages.realm);
export const passwordRule = z.string().max(128, messages.password).regex(/^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}]+$/u, messages.password);
export const expiresRule = z
  .number({ error: messages.expires })
  .int(messages.expires)
  .min(60, messages.expires)
  .max(86400, messages.expires);

/** An optional text field: '' / whitespace / null / absent all mean "not set" (null). */
export function optionalText<T extends z.ZodType<string, string>>(rule: T) {
  return z
    .string()
    .trim()
    .transform((v) => (v === '' ? null : v))
    .pipe(rule.nullable())
    .nullish()
    .transform((v) => v ?? null);
}
