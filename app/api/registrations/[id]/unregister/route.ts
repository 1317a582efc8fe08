import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { unregisterNow } from '@/lib/registrations/live-actions';

export const dynamic = 'force-dynamic';

/** Remove the binding now (Expires: 0); it stays unregistered until "register". 202: queued. */
export const POST = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  return id === null ? notFound('This registration') : resultResponse(await unregisterNow(principal, id), 202);
});
