/**
 * Webhook deliveries: the payload POSTed as JSON, signed when the channel has a secret
 * (./signature.ts). Redirects are not followed and the response body is never read or stored
 * (only the status): an admin-entered URL can point inside the network (SSRF), so the portal
 * must not become a way to read internal pages (README, Alerts).
 */
import type { WebhookConfig } from './channel-schema';
import type { SendResult } from './send-result';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

export const WEBHOOK_TIMEOUT_MS = 10_000;

export type WebhookRequest = { config: WebhookConfig; secret: string | null; body: string; deliveryId: number; event: string; now: number; timeoutMs?: number };

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  const cause = e?.cause;
  if (cause?.code) return `connection failed (${cause.code})`;
  return `request failed (${cause?.message ?? e?.message ?? String(err)})`;
}

export async function sendWebhook(req: WebhookRequest): Promise<SendResult> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'ddi-registrations-portal/alerts',
    'x-delivery-id': String(req.deliveryId),
    'x-alert-event': req.event,
  };
  if (req.secret) headers[SIGNATURE_HEADER] = signatureHeader(req.secret, req.body, req.now);
  let res: Response;
  try {
    res = await fetch(req.config.url, { method: 'POST', headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(req.timeoutMs ?? WEBHOOK_TIMEOUT_MS) });
  } catch (err) {
    return { ok: false, code: null, error: describe(err), retry: true };
  }
  await res.body?.cancel().catch(() => undefined);
  if (res.status >= 200 && res.status < 300) return { ok: true, code: res.status };
  if (res.status >= 300 && res.status < 400) return { ok: false, code: res.status, error: `HTTP ${res.status}: redirects are not followed`, retry: false };
  const retry = res.status >= 500 || res.status === 408 || res.status === 429;
  return { ok: false, code: res.status, error: `HTTP ${res.status}`, retry };
}
