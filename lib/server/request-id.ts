/**
 * Request ids: every request gets one, echoed in the `X-Request-Id` response header and carried
 * by each log line written while serving it (lib/log.ts). A proxy listed in TRUST_PROXY may pass
 * its own (so its access log and ours agree); from anyone else the header is replaced, and even a
 * trusted one must be a short token (letters, digits, `._:-`), so it cannot forge log content.
 */
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id to use: `offered` when it comes from a trusted proxy and is safe, else a new UUID. */
export function requestIdFor(offered: string | undefined, fromTrustedProxy: boolean): string {
  return fromTrustedProxy && offered !== undefined && SAFE_ID.test(offered) ? offered : randomUUID();
}

/** The id server.ts gave a request (the route handlers' view), or a new one outside it (unit tests). */
export function requestIdOf(req: Request): string {
  const id = req.headers.get(REQUEST_ID_HEADER);
  return id !== null && SAFE_ID.test(id) ? id : randomUUID();
}
