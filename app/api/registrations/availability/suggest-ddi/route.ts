import { parseQuery, resultResponse, route } from '@/lib/api/http';
import { suggestDdi } from '@/lib/registrations/queries';
import { suggestDdiQuerySchema } from '@/lib/registrations/schema';

export const dynamic = 'force-dynamic';

/** `?ddiProviderId=…[&excludeId=…]` → `{ ddi, source }`: a DDI no registration uses. */
export const GET = route(async (req) => {
  const query = parseQuery(req, suggestDdiQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  return resultResponse(await suggestDdi(query.value));
});

