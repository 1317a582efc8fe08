import { json, notFound, parseId, route, type IdContext } from '@/lib/api/http';
import { getUptime } from '@/lib/registrations/live-queries';

export const dynamic = 'force-dynamic';

/** Share of time registered over the last 24 h and 7 days (0..1, null without data). */
export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const uptime = id === null ? null : await getUptime(id);
  return uptime ? json(uptime) : notFound('This registration');
});
