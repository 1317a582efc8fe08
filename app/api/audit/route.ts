import { json, parseQuery, route } from '@/lib/api/http';
import { listAudit } from '@/lib/audit/queries';
import { auditQuerySchema } from '@/lib/audit/schema';

export const dynamic = 'force-dynamic';

/** `?entityType=&entityId=&actor=&action=&page=&pageSize=` → `{ items, total, page, pageSize }`, newest first. */
export const GET = route(async (req) => {
  const query = parseQuery(req, auditQuerySchema, { dropEmpty: true });
  if (!query.ok) return query.response;
  return json(await listAudit(query.value));
});
