import { errorResponse, json, parseQuery, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { createRegistration } from '@/lib/registrations/actions';
import { listRegistrations } from '@/lib/registrations/queries';
import { registrationListQuerySchema } from '@/lib/registrations/schema';

export const dynamic = 'force-dynamic';

/** `?q=&ddiProviderId=&page=&pageSize=&sort=&order=` → `{ items, total, page, pageSize }`. */
export const GET = route(async (req) => {
  const query = parseQuery(req, registrationListQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  return json(await listRegistrations(query.value));
});

export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await createRegistration(principal, body.value), 201);
});
