import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { registerNow } from '@/lib/registrations/live-actions';

export const dynamic = 'force-dynamic';

/** Register now (and reset the retry wait). 202: queued for the engine. */
export const POST = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  return id === null ? notFound('This registration') : resultResponse(await registerNow(principal, id), 202);
});
