import { errorResponse, readJsonBody, route } from '@/lib/api/http';
import { changeOwnPassword } from '@/lib/auth/actions';
import { throttledResponse } from '@/lib/auth/http';
import { clientIp } from '@/lib/auth/request';

export const dynamic = 'force-dynamic';

/**
 * `{ currentPassword, newPassword, revokeTokens? }`: changes the caller's password, signs out
 * their other sessions and (unless `revokeTokens: false`) revokes their API tokens.
 */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return throttledResponse(await changeOwnPassword(principal, body.value, clientIp(req)));
});
