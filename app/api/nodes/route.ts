import { getDb } from '@/lib/db/client';
import { json, route } from '@/lib/api/http';
import { listEngineNodes } from '@/lib/engine/nodes';

export const dynamic = 'force-dynamic';

/** The engine nodes (one per engine process that beat to this database) and the registrations each holds. */
export const GET = route(async () => json(await listEngineNodes(getDb())));
