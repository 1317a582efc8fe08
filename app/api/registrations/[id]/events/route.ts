import { z } from 'zod';
import { json, notFound, parseId, parseQuery, route, type IdContext } from '@/lib/api/http';
import { getTimeline } from '@/lib/registrations/live-queries';

export const dynamic = 'force-dynamic';

const querySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }).strict();

/** The timeline of state transitions, newest first. */
export const GET = route(async (req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const query = parseQuery(req, querySchema);
  if (!query.ok) return query.response;
  const items = id === null ? null : await getTimeline(id, query.value.limit);
  return items ? json({ items }) : notFound('This registration');
});
