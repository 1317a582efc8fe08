import { errorResponse, json, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { createDdiProvider } from '@/lib/ddi-providers/actions';
import { listDdiProviders } from '@/lib/ddi-providers/queries';

export const dynamic = 'force-dynamic';

export const GET = route(async () => json(await listDdiProviders()));

export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await createDdiProvider(principal, body.value), 201);
});
