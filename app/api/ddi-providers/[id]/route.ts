import { errorResponse, json, notFound, parseId, parseQuery, readJsonBody, resultResponse, route, type IdContext } from '@/lib/api/http';
import { deleteDdiProvider, updateDdiProvider } from '@/lib/ddi-providers/actions';
import { getDdiProvider } from '@/lib/ddi-providers/queries';
import { ddiProviderDeleteQuerySchema } from '@/lib/ddi-providers/schema';

export const dynamic = 'force-dynamic';

const missing = () => notFound('This DDI provider');

export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const provider = id === null ? null : await getDdiProvider(id);
  return provider ? json(provider) : missing();
});

export const PATCH = route(async (req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await updateDdiProvider(principal, id, body.value));
});

/** With registrations, `?confirm=true` is required (else 409 `has_registrations`); they go with it. */
export const DELETE = route(async (req, ctx: IdContext, principal) => {
  const id = parseId((await ctx.params).id);
  if (id === null) return missing();
  const query = parseQuery(req, ddiProviderDeleteQuerySchema);
  if (!query.ok) return query.response;
  return resultResponse(await deleteDdiProvider(principal, id, { confirm: query.value.confirm === true }));
});
