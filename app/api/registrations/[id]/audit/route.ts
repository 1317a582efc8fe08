import { json, notFound, parseId, parseQuery, route, type IdContext } from '@/lib/api/http';
import { registrationHistory } from '@/lib/audit/queries';
import { entityAuditQuerySchema } from '@/lib/audit/schema';

export const dynamic = 'force-dynamic';

/** The registration's audit history, newest first; still answered after the registration is deleted. */
export const GET = route(async (req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const query = parseQuery(req, entityAuditQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  const history = id === null ? null : await registrationHistory(id, query.value);
  return history ? json(history) : notFound('This registration');
});
