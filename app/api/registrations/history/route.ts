import { json, route } from '@/lib/api/http';
import { getStateHistory } from '@/lib/registrations/history-queries';

export const dynamic = 'force-dynamic';

/** Registered and failing counts per minute over the last 24 hours, as the engine sampled them. */
export const GET = route(async () => json(await getStateHistory()));
