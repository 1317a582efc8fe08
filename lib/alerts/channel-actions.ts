import 'server-only';
import { z } from 'zod';
import { getDb } from '../db/client';
import type { DeliveryJson, NotificationChannelJson } from '../api/contracts-alerts';
import { fail, guarded, ok, validationError, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import { recordAudit } from '../audit/record';
import { getKeyring } from '../secrets/keyring';
import { channelInputSchema, channelPatchSchema, deliveryListQuerySchema } from './channel-schema';
import * as service from './channel-service';
import { enqueueTestDelivery, getDelivery } from './delivery-queries';
import { wakeAlerts } from './wake';

// Plain server functions for the route handlers (admin only, checked by the policy and the gate).

const idSchema = z.number().int().positive();
const missing = () => fail('not_found', 'Notification channel does not exist.');

export async function listChannels(): Promise<{ items: NotificationChannelJson[] }> {
  return service.listChannels(getDb());
}

export async function getChannel(id: number): Promise<NotificationChannelJson | null> {
  return service.getChannel(getDb(), id);
}

export async function createChannel(principal: Principal, input: unknown): Promise<ActionResult<NotificationChannelJson>> {
  const parsed = channelInputSchema.safeParse(input);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('createChannel', () => service.createChannel(getDb(), parsed.data, actorOf(principal), getKeyring()));
}

export async function updateChannel(principal: Principal, id: number, patch: unknown): Promise<ActionResult<NotificationChannelJson>> {
  if (!idSchema.safeParse(id).success) return missing();
  const parsed = channelPatchSchema.safeParse(patch);
  if (!parsed.success) return validationError(parsed.error);
  return guarded('updateChannel', () => service.updateChannel(getDb(), id, parsed.data, actorOf(principal), getKeyring()));
}

export async function deleteChannel(principal: Principal, id: number): Promise<ActionResult<{ id: number }>> {
  if (!idSchema.safeParse(id).success) return missing();
  return guarded('deleteChannel', () => service.deleteChannel(getDb(), id, actorOf(principal)));
}

export async function listDeliveries(id: number, query: unknown): Promise<ActionResult<{ items: DeliveryJson[] }>> {
  const parsed = deliveryListQuerySchema.safeParse(query);
  if (!parsed.success) return validationError(parsed.error);
  const list = service.listDeliveries(getDb(), id, parsed.data.limit);
  return list ? ok(list) : missing();
}

const TEST_WAIT_MS = 15_000;

/**
 * Queues a test notification (audited), wakes the deliverer and waits for its first attempt (at
 * most 15 s): the answer says whether it went out, or why not (a retry may still follow).
 */
export async function sendTest(principal: Principal, id: number): Promise<ActionResult<{ delivery: DeliveryJson }>> {
  const db = getDb();
  const actor = actorOf(principal);
  const delivery = db.transaction((tx) => {
    const row = enqueueTestDelivery(tx, id, actor.label, Date.now());
    if (row) {
      const name = service.getChannel(tx, id)?.name ?? `#${id}`;
      recordAudit(tx, actor, { action: 'test_notification', entityType: 'notification_channel', entityId: id, entityLabel: name, changes: { delivery: { before: null, after: row.id } } });
    }
    return row;
  });
  if (!delivery) return missing();
  wakeAlerts();
  const deadline = Date.now() + TEST_WAIT_MS;
  let row = delivery;
  while (Date.now() < deadline) {
    row = getDelivery(db, delivery.id) ?? row;
    if (row.attempts > 0 && row.status !== 'sending') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return ok({ delivery: service.deliveryJson(row) });
}
