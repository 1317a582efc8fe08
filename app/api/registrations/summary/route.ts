import { json, parseQuery, route } from '@/lib/api/http';
import { registrationSummary } from '@/lib/registrations/queries';
import { registrationSummaryQuerySchema } from '@/lib/registrations/schema';

export const dynamic = 'force-dynamic';

/** `?problems=` → `{ total, counts, problems: { items, total }, at }`: the dashboard's head, independent of N. */
export const GET = route(async (req) => {
  const query = parseQuery(req, registrationSummaryQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  return json(await registrationSummary(query.value));
});
