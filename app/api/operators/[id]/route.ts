import { errorResponse, json, notFound, parseId, readJsonBody, resultResponse, route, type IdContext } from '@/lib/api/http';
import { deleteOperator, getOperator, updateOperator } from '@/lib/auth/operator-actions';

export const dynamic = 'force-dynamic';

const missing = () => notFound('This operator');

export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const operator = id === null ? null : await getOperator(id);
  return operator ? json(operator) : missing();
});

/** `{ name?, role?, disabled?, password? }`; 409 `last_admin` when it would leave no enabled admin. */
export const PATCH = route(async (req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await updateOperator(principal, id, body.value));
});

/** Deletes the operator with their sessions and tokens; 409 for yourself or the last enabled admin. */
export const DELETE = route(async (_req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  return resultResponse(await deleteOperator(principal, id));
});
