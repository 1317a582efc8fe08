import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { revokeMyApiToken } from '@/lib/auth/token-actions';

export const dynamic = 'force-dynamic';

/** Revokes one of the caller's tokens: it stops working at once. */
export const DELETE = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return notFound('This token');
  return resultResponse(await revokeMyApiToken(principal, id));
});
