import { json, parseQuery, queryObject, route } from '@/lib/api/http';
import { checkAvailability } from '@/lib/registrations/queries';
import { accountAvailabilityQuerySchema, ddiAvailabilityQuerySchema } from '@/lib/registrations/schema';

export const dynamic = 'force-dynamic';

/** `?ddi=…` or `?username=…&domain=…`, optional `excludeId` → `{ available, heldBy? }`. */
export const GET = route(async (req) => {
  const schema = 'ddi' in queryObject(req) ? ddiAvailabilityQuerySchema : accountAvailabilityQuerySchema;
  const query = parseQuery(req, schema);
  if (!query.ok) return query.response;
  return json(await checkAvailability(query.value));
});
