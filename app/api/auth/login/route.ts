import { errorResponse, publicRoute, readJsonBody } from '@/lib/api/http';
import { signIn } from '@/lib/auth/actions';
import { foreignOriginResponse, withSession } from '@/lib/auth/http';
import { clientIp, receivedAt } from '@/lib/auth/request';

export const dynamic = 'force-dynamic';

/** `{ email, password }` → 200 `{ operator }` with the session cookie; 401 never says which part was wrong. */
export const POST = publicRoute(async (req) => {
  const foreign = foreignOriginResponse(req);
  if (foreign) return foreign;
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  const result = await signIn(body.value, { ip: clientIp(req), userAgent: req.headers.get('user-agent'), receivedAt: receivedAt(req) });
  if ('error' in result) {
    const res = errorResponse(result.error);
    if (result.retryAfterMs !== undefined) res.headers.set('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
    return res;
  }
  return withSession(req, { operator: result.data.operator, expiresAt: result.data.session.expiresAt }, result.data.session);
});
