import { readJsonBody, errorResponse, resultResponse, route } from '@/lib/api/http';
import { testRegistration } from '@/lib/registrations/live-actions';

export const dynamic = 'force-dynamic';

/** Test before saving: one REGISTER with the given values (then Expires: 0), nothing stored. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  const result = await testRegistration(principal, body.value);
  const response = resultResponse(result);
  if (result.retryAfterMs !== undefined) response.headers.set('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
  return response;
});
