/** The session cookie: HttpOnly, SameSite=Lax, Secure when the portal is reached over https. */
export const SESSION_COOKIE = 'ddr_session';

/** Value of cookie `name` in a Cookie header, or null. */
export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}

/** https as seen by the browser: the request itself, or `X-Forwarded-Proto` from a TLS proxy. */
export function isHttps(url: string, forwardedProto: string | null | undefined): boolean {
  return url.startsWith('https:') || forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
}
