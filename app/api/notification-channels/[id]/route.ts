import { errorResponse, json, notFound, parseId, readJsonBody, resultResponse, route, type IdContext } from '@/lib/api/http';
import { deleteChannel, getChannel, updateChannel } from '@/lib/alerts/channel-actions';

export const dynamic = 'force-dynamic';

const missing = () => notFound('This notification channel');

export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const channel = id === null ? null : await getChannel(id);
  return channel ? json(channel) : missing();
});

/** Any field but `kind`; a secret absent or '' is kept, null clears it; `revision` → 409 `stale` when old. */
export const PATCH = route(async (req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await updateChannel(principal, id, body.value));
});

/** Deletes the channel and its delivery log (alerts stay). */
export const DELETE = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  return resultResponse(await deleteChannel(principal, id));
});
