import { notFound, parseId, queryObject, resultResponse, route, type IdContext } from '@/lib/api/http';
import { listDeliveries } from '@/lib/alerts/channel-actions';

export const dynamic = 'force-dynamic';

/** The channel's delivery log, newest first (`?limit=`, default 50). */
export const GET = route(async (req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return notFound('This notification channel');
  return resultResponse(await listDeliveries(id, queryObject(req, { dropEmpty: true })));
});
