/**
 * Sends due deliveries: claims them (./delivery-queries.ts), sends each through its channel's
 * sender, records the attempt and plans the retry (./backoff.ts). Clock, randomness and senders
 * are injected (the unit tests drive them; the runner passes the real ones).
 */
import type { Db } from '../db/client';
import type { Keyring } from '../secrets/key';
import { MAX_ATTEMPTS, retryDelayMs } from './backoff';
import { channelTarget } from './channel-service';
import { claimDue, recordAttempt, type Claimed } from './delivery-queries';
import { sendEmail, type EmailRequest } from './email';
import { emailOf, type AlertPayload } from './payload';
import type { SendResult } from './send-result';
import { sendWebhook, type WebhookRequest } from './webhook';

export type DelivererDeps = {
  db: Db;
  keyring: Keyring;
  now?: () => number;
  random?: () => number;
  webhook?: (req: WebhookRequest) => Promise<SendResult>;
  email?: (req: EmailRequest) => Promise<SendResult>;
  maxAttempts?: number;
  backoffBaseMs?: number;
  /** Deliveries sent at once. */
  parallel?: number;
};

const LEASE_MS = 60_000;

async function sendOne(deps: DelivererDeps, { delivery, channel }: Claimed): Promise<SendResult> {
  const target = channelTarget(channel, deps.keyring);
  if (target.secretUnreadable) return { ok: false, code: null, error: 'the stored secret cannot be decrypted (SECRET_KEY_UNKNOWN): enter it again', retry: false };
  const now = (deps.now ?? Date.now)();
  if (target.kind === 'webhook') {
    return (deps.webhook ?? sendWebhook)({ config: target.config, secret: target.secret, body: delivery.payload, deliveryId: delivery.id, event: delivery.event, now });
  }
  const payload = JSON.parse(delivery.payload) as AlertPayload;
  return (deps.email ?? sendEmail)({ config: target.config, password: target.secret, message: emailOf(payload) });
}

/** One round: claims what is due and sends it; resolves with the number of attempts made. */
export async function deliverDue(deps: DelivererDeps): Promise<number> {
  const now = deps.now ?? Date.now;
  const parallel = deps.parallel ?? 8;
  const claimed = claimDue(deps.db, now(), parallel * 4, LEASE_MS);
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const item = claimed[next++]!;
      let result: SendResult;
      try {
        result = await sendOne(deps, item);
      } catch (err) {
        result = { ok: false, code: null, error: err instanceof Error ? err.message : String(err), retry: true };
      }
      const attempts = item.delivery.attempts + 1;
      const again = !result.ok && result.retry && attempts < (deps.maxAttempts ?? MAX_ATTEMPTS);
      const at = now();
      recordAttempt(deps.db, item, result, { nextAttemptAt: again ? at + retryDelayMs(attempts, deps.random, deps.backoffBaseMs) : null }, at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, claimed.length) }, worker));
  return claimed.length;
}
