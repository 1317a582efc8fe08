// Scrubs secrets from SIP text before it reaches traces or logs: digest
// `response=` values and anything that looks like a password parameter.
const RESPONSE_PARAM = /(\bresponse\s*=\s*)("(?:[^"\\]|\\.)*"|[^\s,;]+)/gi;
const PASSWORD_PARAM = /(\b(?:password|passwd|pwd|secret)\s*[=:]\s*)("(?:[^"\\]|\\.)*"|[^\s,;&>]+)/gi;
// sip:user:password@host (RFC 3261 §19.1.1 userinfo password, "NOT RECOMMENDED")
const URI_PASSWORD = /(\bsips?:[^:@\s;>"]+:)([^@\s;>"]+)@/gi;

export function redact(rawMessageText: string): string {
  return rawMessageText
    .replace(RESPONSE_PARAM, '$1"<redacted>"')
    .replace(PASSWORD_PARAM, '$1"<redacted>"')
    .replace(URI_PASSWORD, '$1<redacted>@');
}
