import { json, notFound, parseId, route, type IdContext } from '@/lib/api/http';
import { getTrace } from '@/lib/registrations/live-queries';

export const dynamic = 'force-dynamic';

/** Recent SIP messages of the registration, oldest first, credentials redacted. */
export const GET = route(async (_req, ctx: IdContext) => {
  const id = parseId((await ctx.params).id);
  const items = id === null ? null : await getTrace(id);
  return items ? json({ items }) : notFound('This registration');
});
