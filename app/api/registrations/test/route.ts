import { readJsonBody, errorResponse, resultResponse, route } from '@/lib/api/http';
import { testRegistration } from '@/lib/registrations/live-actions';

export const dynamic = 'force-dynamic';

/** Test before saving: one REGISTER with the given values (then Expires: 0), nothing stored. */
export const POST = route(async (req) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await testRegistration(body.value));
});
