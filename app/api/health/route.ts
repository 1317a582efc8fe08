import { getDb } from '@/lib/db/client';
import { errorResponse, json, publicRoute } from '@/lib/api/http';

export const dynamic = 'force-dynamic';

/** 200 `{ status: "ok" }` once the database answers `SELECT 1`, else 503. */
export const GET = publicRoute(() => {
  try {
    getDb().$client.prepare('select 1').get();
    return json({ status: 'ok' });
  } catch (err) {
    console.error('health check failed:', err instanceof Error ? err.message : err);
    return errorResponse({ code: 'unavailable', message: 'The database does not answer.' });
  }
});
