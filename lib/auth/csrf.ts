/**
 * CSRF: a write made with the session cookie must come from the portal's own pages. Browsers send
 * `Origin` on every POST/PATCH/PUT/DELETE; it must name the host the request was sent to.
 * Writes authenticated by a bearer token carry no ambient credentials and are not checked.
 */
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type OriginCheck = { method: string; origin: string | null | undefined; host: string | null | undefined; secFetchSite?: string | null };

/** Null when the write may proceed, else the reason it is refused. */
export function crossOriginReason(req: OriginCheck): string | null {
  if (!writeMethods.has(req.method)) return null;
  if (req.secFetchSite && req.secFetchSite !== 'same-origin' && req.secFetchSite !== 'none') return 'The request comes from another site.';
  if (!req.origin || req.origin === 'null') return 'The request has no Origin header.';
  let originHost: string;
  try {
    originHost = new URL(req.origin).host;
  } catch {
    return 'The Origin header is not a URL.';
  }
  return originHost === req.host ? null : 'The request comes from another origin.';
}
