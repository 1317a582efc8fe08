import { errorResponse, json, publicRoute, readJsonBody } from '@/lib/api/http';
import { setUp } from '@/lib/auth/actions';
import { foreignOriginResponse, withSession } from '@/lib/auth/http';
import { clientIp } from '@/lib/auth/request';
import { setupNeeded } from '@/lib/auth/setup';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** `{ needed }`: whether the first admin still has to be created. */
export const GET = publicRoute(async () => json({ needed: await setupNeeded(getDb()) }));

/** `{ email, name?, password, setupToken }` → 201 with the new admin, signed in; 403 `setup_token` without the token from the server log; 409 `setup_done` once any operator exists. */
export const POST = publicRoute(async (req) => {
  const foreign = foreignOriginResponse(req);
  if (foreign) return foreign;
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  const result = await setUp(body.value, { ip: clientIp(req), userAgent: req.headers.get('user-agent') });
  if ('error' in result) return errorResponse(result.error);
  return withSession(req, { operator: result.data.operator }, result.data.session, 201);
});
