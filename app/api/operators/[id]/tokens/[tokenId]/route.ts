import { notFound, parseId, resultResponse, route } from '@/lib/api/http';
import { revokeOperatorApiToken } from '@/lib/auth/token-actions';

export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ id: string; tokenId: string }> };

/** Revokes one of an operator's API tokens: it is refused (401) from then on. */
export const DELETE = route(async (_req, ctx: Context, principal) => {
  const params = await ctx.params;
  const id = parseId(params.id);
  const tokenId = parseId(params.tokenId);
  if (id === null || tokenId === null) return notFound('This token');
  return resultResponse(await revokeOperatorApiToken(principal, id, tokenId));
});
