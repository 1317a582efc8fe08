import { errorResponse, json, notFound, parseId, readJsonBody, resultResponse, route, type IdContext } from '@/lib/api/http';
import { deleteRegistration, updateRegistration } from '@/lib/registrations/actions';
import { getRegistration } from '@/lib/registrations/queries';

export const dynamic = 'force-dynamic';

const missing = () => notFound('This registration');

export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const registration = id === null ? null : await getRegistration(id);
  return registration ? json(registration) : missing();
});

/**
 * Partial update. `password`: absent or '' keeps the stored one, null clears it, a string sets it.
 * `revision` (optional): the revision the edit was made on; an old one → 409 `stale` with `current`.
 */
export const PATCH = route(async (req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await updateRegistration(principal, id, body.value));
});

export const DELETE = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  return resultResponse(await deleteRegistration(principal, id));
});
