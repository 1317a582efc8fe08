import { json, route } from '@/lib/api/http';
import { buildOpenApiDocument } from '@/lib/api/openapi';

export const dynamic = 'force-dynamic';

let cached: unknown;

export const GET = route(() => {
  cached ??= buildOpenApiDocument();
  return json(cached);
});
