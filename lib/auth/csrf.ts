/**
 * CSRF: a write made with the session cookie must come from the portal's own pages. Browsers send
 * `Origin` on every POST/PATCH/PUT/DELETE; it must name the scheme and host the request was sent
 * to (an `https://` Origin on a plain-http portal is another origin, and the reverse).
 * Writes authenticated by a bearer token carry no ambient credentials and are not checked.
 */
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type OriginCheck = {
  method: string;
  origin: string | null | undefined;
  host: string | null | undefined;
  /** The scheme the portal was reached with (`https` directly or behind a trusted TLS proxy). */
  scheme: 'http' | 'https';
  secFetchSite?: string | null;
};

/** Null when the write may proceed, else the reason it is refused. */
export function crossOriginReason(req: OriginCheck): string | null {
  if (!writeMethods.has(req.method)) return null;
  if (req.secFetchSite && req.secFetchSite !== 'same-origin' && req.secFetchSite !== 'none') return 'The request comes from another site.';
  if (!req.origin || req.origin === 'null') return 'The request has no Origin header.';
  let origin: URL;
  try {
    origin = new URL(req.origin);
  } catch {
    return 'The Origin header is not a URL.';
  }
  if (origin.host !== req.host) return 'The request comes from another origin.';
  return origin.protocol === `${req.scheme}:` ? null : `The request comes from another origin (${origin.protocol.slice(0, -1)} instead of ${req.scheme}).`;
}
