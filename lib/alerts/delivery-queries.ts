/**
 * The delivery log (notification_deliveries), database handle passed in: creating deliveries,
 * claiming the due ones (one process each), recording each attempt, pruning.
 */
import { and, eq, inArray, lte, or } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Conn } from '../db/conn';
import { alerts, notificationChannels, notificationDeliveries, type AlertRow, type NotificationChannelRow, type NotificationDeliveryRow } from '../db/schema';
import { recordAudit } from '../audit/record';
import { systemActor } from '../auth/principal';
import { alertPayload, testPayload } from './payload';
import type { SendResult } from './send-result';

/** One delivery per enabled channel for an alert that opened or resolved; returns how many. */
export function enqueueAlertDeliveries(tx: Conn, alert: AlertRow, event: 'opened' | 'resolved', now: number): number {
  const channels = tx.select({ id: notificationChannels.id }).from(notificationChannels).where(eq(notificationChannels.enabled, true)).all();
  if (channels.length === 0) return 0;
  const payload = JSON.stringify(alertPayload(alert, event, now));
  tx.insert(notificationDeliveries)
    .values(channels.map((c) => ({ channelId: c.id, alertId: alert.id, event, payload, nextAttemptAt: now, createdAt: now })))
    .run();
  return channels.length;
}

/** A test delivery of one channel (enabled or not); null when the channel does not exist. */
export function enqueueTestDelivery(db: Conn, channelId: number, actorLabel: string, now: number): NotificationDeliveryRow | null {
  const channel = db.select({ name: notificationChannels.name }).from(notificationChannels).where(eq(notificationChannels.id, channelId)).get();
  if (!channel) return null;
  return db
    .insert(notificationDeliveries)
    .values({ channelId, alertId: null, event: 'test', payload: JSON.stringify(testPayload(channel.name, actorLabel, now)), nextAttemptAt: now, createdAt: now })
    .returning()
    .get();
}

/** Pending and due, or claimed by a process whose claim ran out (it died while sending). */
function dueFilter(now: number) {
  return or(
    and(eq(notificationDeliveries.status, 'pending'), lte(notificationDeliveries.nextAttemptAt, now)),
    and(eq(notificationDeliveries.status, 'sending'), lte(notificationDeliveries.claimedUntil, now)),
  );
}

export type Claimed = { delivery: NotificationDeliveryRow; channel: NotificationChannelRow };

/**
 * Claims up to `limit` due deliveries for `leaseMs` (pending and due, or sending with an expired
 * claim: the process that claimed it died). Claimed ones are this process's until it records
 * the attempt; another process skips them.
 */
export function claimDue(db: Db, now: number, limit: number, leaseMs: number): Claimed[] {
  // A plain read first: the deliverer polls every second, and an idle poll must not take the
  // database's write lock (the engine may be writing statuses from another process).
  if (!db.select({ id: notificationDeliveries.id }).from(notificationDeliveries).where(dueFilter(now)).limit(1).get()) return [];
  return db.transaction(
    (tx) => {
      const due = tx
        .select({ id: notificationDeliveries.id })
        .from(notificationDeliveries)
        .where(dueFilter(now))
        .orderBy(notificationDeliveries.nextAttemptAt, notificationDeliveries.id)
        .limit(limit)
        .all()
        .map((r) => r.id);
      if (due.length === 0) return [];
      const rows = tx
        .update(notificationDeliveries)
        .set({ status: 'sending', claimedUntil: now + leaseMs })
        .where(inArray(notificationDeliveries.id, due))
        .returning()
        .all();
      const channels = new Map(
        tx
          .select()
          .from(notificationChannels)
          .where(inArray(notificationChannels.id, [...new Set(rows.map((r) => r.channelId))]))
          .all()
          .map((c) => [c.id, c]),
      );
      return rows.map((delivery) => ({ delivery, channel: channels.get(delivery.channelId)! })).filter((c) => c.channel);
    },
    { behavior: 'immediate' },
  );
}

/** When the next attempt of a failed one is due, or null when it is not tried again. */
export type AttemptPlan = { nextAttemptAt: number | null };

/**
 * Records an attempt: `sent`; `pending` again at `plan.nextAttemptAt`; or `failed`. A final
 * outcome of an alert's delivery is written to the audit log (entity: the alert).
 */
export function recordAttempt(db: Db, claimed: Claimed, result: SendResult, plan: AttemptPlan, now: number): NotificationDeliveryRow {
  const { delivery, channel } = claimed;
  const attempts = delivery.attempts + 1;
  const status = result.ok ? 'sent' : plan.nextAttemptAt !== null ? 'pending' : 'failed';
  return db.transaction(
    (tx) => {
      const row = tx
        .update(notificationDeliveries)
        .set({
          status,
          attempts,
          claimedUntil: null,
          lastCode: result.code,
          lastError: result.ok ? null : result.error,
          nextAttemptAt: status === 'pending' ? plan.nextAttemptAt! : delivery.nextAttemptAt,
          finishedAt: status === 'pending' ? null : now,
        })
        .where(eq(notificationDeliveries.id, delivery.id))
        .returning()
        .get();
      if (status !== 'pending' && delivery.alertId !== null) {
        const alert = tx.select({ summary: alerts.summary }).from(alerts).where(eq(alerts.id, delivery.alertId)).get();
        recordAudit(
          tx,
          systemActor,
          {
            action: status === 'sent' ? 'notified' : 'notify_failed',
            entityType: 'alert',
            entityId: delivery.alertId,
            entityLabel: alert?.summary ?? `alert #${delivery.alertId}`,
            changes: {
              channel: { before: null, after: `${channel.name} (${channel.kind})` },
              event: { before: null, after: delivery.event },
              attempts: { before: null, after: attempts },
              ...(result.ok ? {} : { error: { before: null, after: result.error } }),
            },
          },
          now,
        );
      }
      return row!;
    },
    { behavior: 'immediate' },
  );
}

export function getDelivery(db: Conn, id: number): NotificationDeliveryRow | null {
  return db.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id)).get() ?? null;
}

/** Deletes finished deliveries older than `deliveryDays` and resolved alerts older than `alertDays`. */
export function prune(db: Conn, now: number, deliveryDays = 30, alertDays = 90): void {
  db.delete(notificationDeliveries)
    .where(and(inArray(notificationDeliveries.status, ['sent', 'failed']), lte(notificationDeliveries.finishedAt, now - deliveryDays * 86_400_000)))
    .run();
  db.delete(alerts)
    .where(and(eq(alerts.state, 'resolved'), lte(alerts.resolvedAt, now - alertDays * 86_400_000)))
    .run();
}
