import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { operatorApiTokens } from '@/lib/auth/token-actions';

export const dynamic = 'force-dynamic';

/** An operator's API tokens, newest first (never the token values). */
export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return notFound('This operator');
  return resultResponse(await operatorApiTokens(id));
});
