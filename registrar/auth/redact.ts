// Scrubs secrets from SIP text before it reaches traces or logs: digest
// `response=` values and anything that looks like a password parameter.
const RESPONSE_PARAM = /(\bresponse\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,;]+)/gi;
const PASSWORD_PARAM = /(\b(?:password|passwd|pwd|secret)\s*[=:]\s*)("(?:[^"\\]|\\.)*"|[^\s,;&>]+)/gi;
// sip:user:password@host (RFC 3261 §19.1.1 userinfo password, "NOT RECOMMENDED")
const URI_PASSWORD = /(\bsips?:[^:@\s;>"]+:)([^@\s;>"]+)@/gi;

/**
 * Matches every text any of the three above would change (a superset of them, in one pass): a
 * text without it has nothing to scrub, and most SIP messages (a 401, a 200, a REGISTER before
 * its challenge) are returned as they are, without three regex passes (issue 12).
 */
const MAY_HOLD_SECRET = /response|pass|pwd|secret|sips?:[^:@\s;>"]+:[^@\s;>"]+@/i;

export function redact(rawMessageText: string): string {
  if (!MAY_HOLD_SECRET.test(rawMessageText)) return rawMessageText;
  return rawMessageText
    .replace(RESPONSE_PARAM, '$1"<redacted>"')
    .replace(PASSWORD_PARAM, '$1"<redacted>"')
    .replace(URI_PASSWORD, '$1<redacted>@');
}
