import { errorResponse, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { changeOwnPassword } from '@/lib/auth/actions';

export const dynamic = 'force-dynamic';

/** `{ currentPassword, newPassword }`: changes the caller's password and signs out their other sessions. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await changeOwnPassword(principal, body.value));
});
