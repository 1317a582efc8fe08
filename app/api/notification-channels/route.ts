import { errorResponse, json, readJsonBody, resultResponse, route } from '@/lib/api/http';
import { createChannel, listChannels } from '@/lib/alerts/channel-actions';

export const dynamic = 'force-dynamic';

/** Every notification channel (admin only), by name, with its last delivery; secrets never returned. */
export const GET = route(async () => json(await listChannels()));

/** A webhook (`url`, `secret?`) or e-mail (`smtpHost`, `smtpPort`, `smtpStarttls`, `smtpUser?`, `smtpPassword?`, `mailFrom`, `mailTo`) channel → 201. */
export const POST = route(async (req, _ctx, principal) => {
  const body = await readJsonBody(req);
  if (!body.ok) return errorResponse(body.error);
  return resultResponse(await createChannel(principal, body.value), 201);
});
