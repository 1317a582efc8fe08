import { errorResponse, parseQuery, resultResponse, route } from '@/lib/api/http';
import { importRegistrations } from '@/lib/registrations/import-actions';
import { readImportBody } from '@/lib/registrations/import-body';
import { importQuerySchema } from '@/lib/registrations/schema';

export const dynamic = 'force-dynamic';

/** A CSV file or JSON array of registrations → all created (201) or none (422 with every bad row); `?dryRun=1` only checks (200). */
export const POST = route(async (req, _ctx, principal) => {
  const query = parseQuery(req, importQuerySchema);
  if (!query.ok) return query.response;
  const body = await readImportBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await importRegistrations(principal, body, query.value.dryRun), query.value.dryRun ? 200 : 201);
});
