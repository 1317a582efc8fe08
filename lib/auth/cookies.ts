/**
 * The session cookie: HttpOnly, SameSite=Lax, Path=/. Over https it is `__Host-ddr_session`
 * (Secure, no Domain: the browser keeps it to this exact host and refuses it from plain http or
 * a sibling domain); on plain http, where the `__Host-` prefix cannot be used (it needs Secure),
 * it is `ddr_session`. A request is read under exactly one of the two names, chosen by its scheme.
 */
export const SESSION_COOKIE = 'ddr_session';
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name for a request made over https (`secure`) or plain http. */
function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** Every value of cookie `name` in a Cookie header, in order (undecodable values as null). */
function readCookies(header: string | null | undefined, name: string): (string | null)[] {
  const out: (string | null)[] = [];
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      out.push(decodeURIComponent(value));
    } catch {
      out.push(null);
    }
  }
  return out;
}

/** Value of cookie `name` in a Cookie header (the first of duplicates), or null. */
export function readCookie(header: string | null | undefined, name: string): string | null {
  const values = readCookies(header, name);
  return values.length > 0 ? values[0]! : null;
}

/**
 * The session token of a request: its one session cookie, `null` without one, or `ambiguous` when
 * the cookie is there more than once (a planted duplicate: which one a reader takes differs
 * between parsers, so such a request is refused rather than guessed at).
 */
export function sessionToken(header: string | null | undefined, secure: boolean): string | null | 'ambiguous' {
  const values = readCookies(header, sessionCookieName(secure));
  if (values.length > 1) return 'ambiguous';
  return values[0] ?? null;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${sessionCookieName(secure)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** https as seen by the browser: the request itself, or `X-Forwarded-Proto` from a TLS proxy. */
export function isHttps(url: string, forwardedProto: string | null | undefined): boolean {
  return url.startsWith('https:') || forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

/**
 * The scheme of a request inside Next.js: the custom server's gate replaces any incoming
 * `X-Forwarded-Proto` with its own verdict (the socket, or the header of a TRUST_PROXY peer).
 */
export function requestScheme(forwardedProto: string | null | undefined): 'http' | 'https' {
  return isHttps('http:', forwardedProto) ? 'https' : 'http';
}
