import { errorResponse, json, readJsonBody, route } from '@/lib/api/http';
import { throttledResponse } from '@/lib/auth/http';
import { clientIp } from '@/lib/auth/request';
import { createMyApiToken, myApiTokens } from '@/lib/auth/token-actions';

export const dynamic = 'force-dynamic';

/** The caller's API tokens (never the token values). */
export const GET = route(async (_req, _ctx, principal) => json({ items: await myApiTokens(principal) }));

/** `{ name, currentPassword }` → 201 `{ token, apiToken }`: the token is in this response only. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return throttledResponse(await createMyApiToken(principal, body.value, clientIp(req)), 201);
});
