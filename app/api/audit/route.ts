import { json, parseQuery, route } from '@/lib/api/http';
import { listAudit } from '@/lib/audit/queries';
import { auditQuerySchema } from '@/lib/audit/schema';

export const dynamic = 'force-dynamic';

/**
 * `?entityType=&entityId=&actor=&action=&page=&pageSize=` → `{ items, total, page, pageSize }`, newest
 * first. Entries about operators and API tokens are admin-only (like /api/operators).
 */
export const GET = route(async (req, _ctx, principal) => {
  const query = parseQuery(req, auditQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  return json(await listAudit(query.value, principal));
});
