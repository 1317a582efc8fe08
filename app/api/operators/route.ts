import { errorResponse, json, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { createOperator, listOperators } from '@/lib/auth/operator-actions';

export const dynamic = 'force-dynamic';

/** Every operator (admin only), by e-mail; never a password or its hash. */
export const GET = route(async () => json({ items: await listOperators() }));

/** `{ email, name?, role, password }` → 201 with the new operator; 409 `conflict` when the e-mail is in use. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await createOperator(principal, body.value), 201);
});
