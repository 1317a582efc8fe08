import { json, notFound, parseId, parseQuery, route, type IdContext } from '@/lib/api/http';
import { getAvailabilityBands } from '@/lib/registrations/history-queries';
import { bandsQuerySchema } from '@/lib/registrations/history-schema';

export const dynamic = 'force-dynamic';

/** `?range=24h|7d` → the registration's state bands over that window (see lib/registrations/history.ts). */
export const GET = route(async (req, ctx: IdContext) => {
  const query = parseQuery(req, bandsQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  const id = parseId((await ctx.params).id);
  const bands = id === null ? null : await getAvailabilityBands(id, query.value.range);
  return bands ? json(bands) : notFound('This registration');
});
