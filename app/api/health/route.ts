import { sql } from 'drizzle-orm';
import { getDb } from '@/lib/db/client';
import { rows } from '@/lib/db/conn';
import { errorResponse, json, publicRoute } from '@/lib/api/http';
import { getEngineHealth } from '@/lib/engine/health-query';
import { errorText, log } from '@/lib/log';

export const dynamic = 'force-dynamic';

/**
 * 200 `{ status: "ok", engine }` once the database answers `SELECT 1`, whatever the engine does
 * (`engine` says whether it runs); 503 when the database does not answer.
 */
export const GET = publicRoute(async () => {
  try {
    await rows(getDb(), sql`select 1 as one`);
    return json({ status: 'ok', engine: await getEngineHealth() });
  } catch (err) {
    log.error({ error: errorText(err) }, 'health check failed');
    return errorResponse({ code: 'unavailable', message: 'The database does not answer.' });
  }
});
