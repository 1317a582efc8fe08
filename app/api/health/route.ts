import { getDb } from '@/lib/db/client';
import { errorResponse, json, publicRoute } from '@/lib/api/http';
import { getEngineHealth } from '@/lib/engine/health-query';
import { errorText, log } from '@/lib/log';

export const dynamic = 'force-dynamic';

/**
 * 200 `{ status: "ok", engine }` once the database answers `SELECT 1`, whatever the engine does
 * (`engine` says whether it runs); 503 when the database does not answer.
 */
export const GET = publicRoute(() => {
  try {
    getDb().$client.prepare('select 1').get();
    return json({ status: 'ok', engine: getEngineHealth() });
  } catch (err) {
    log.error({ error: errorText(err) }, 'health check failed');
    return errorResponse({ code: 'unavailable', message: 'The database does not answer.' });
  }
});
