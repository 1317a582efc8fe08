import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { unlockOperator } from '@/lib/auth/operator-actions';

export const dynamic = 'force-dynamic';

/** Clears the operator's recorded sign-in failures (slow-down and locks), audited. */
export const POST = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return notFound('This operator');
  return resultResponse(await unlockOperator(principal, id));
});
