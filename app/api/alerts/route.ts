import { queryObject, resultResponse, route } from '@/lib/api/http';
import { listAlerts } from '@/lib/alerts/alert-actions';

export const dynamic = 'force-dynamic';

/** `?state=open|resolved|all&page=&pageSize=` → alerts (open first, then newest), each with its deliveries. */
export const GET = route(async (req) => resultResponse(await listAlerts(queryObject(req, { dropEmpty: true }))));
