import { notFound, parseId, resultResponse, route, type IdContext } from '@/lib/api/http';
import { sendTest } from '@/lib/alerts/channel-actions';

export const dynamic = 'force-dynamic';

/** Sends a test notification through the channel (enabled or not) and answers after its first attempt. */
export const POST = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return notFound('This notification channel');
  return resultResponse(await sendTest(principal, id));
});
