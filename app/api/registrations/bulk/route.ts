import { errorResponse, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { bulkAction } from '@/lib/registrations/bulk-actions';

export const dynamic = 'force-dynamic';

/** `{ action, ids | filter, after?, limit?, ddiProviderId? }` → what was done in this request (see lib/registrations/bulk.ts). */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await bulkAction(principal, body.value));
});
