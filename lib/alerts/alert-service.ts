/** Reading alerts with their deliveries (database handle passed in; the app goes through ./alert-actions.ts). */
import { asc, count, desc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { alerts, notificationChannels, notificationDeliveries } from '../db/schema';
import type { AlertJson, AlertList } from '../api/contracts-alerts';
import { deliveryJson } from './channel-service';
import type { AlertListQuery } from './channel-schema';

export function countOpenAlerts(db: Conn): number {
  return db.select({ n: count() }).from(alerts).where(eq(alerts.state, 'open')).get()!.n;
}

/** One page of alerts, open ones first, then newest first, each with its deliveries. */
export function listAlerts(db: Conn, query: AlertListQuery): AlertList {
  const where = query.state === 'all' ? undefined : eq(alerts.state, query.state);
  const total = db.select({ n: count() }).from(alerts).where(where).get()!.n;
  const rows = db
    .select()
    .from(alerts)
    .where(where)
    .orderBy(desc(eq(alerts.state, 'open')), desc(alerts.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .all();
  const ids = rows.map((r) => r.id);
  const deliveries = ids.length
    ? db
        .select({ d: notificationDeliveries, channelName: notificationChannels.name })
        .from(notificationDeliveries)
        .innerJoin(notificationChannels, eq(notificationChannels.id, notificationDeliveries.channelId))
        .where(inArray(notificationDeliveries.alertId, ids))
        .orderBy(asc(notificationDeliveries.id))
        .all()
    : [];
  const items: AlertJson[] = rows.map((r) => ({
    id: r.id,
    key: r.key,
    scope: r.scope,
    subjectId: r.subjectId,
    providerId: r.providerId,
    state: r.state,
    summary: r.summary,
    count: r.count,
    currentCount: r.currentCount,
    total: r.total,
    failingSince: r.failingSince,
    openedAt: r.openedAt,
    resolvedAt: r.resolvedAt,
    deliveries: deliveries.filter((x) => x.d.alertId === r.id).map((x) => ({ ...deliveryJson(x.d), channelName: x.channelName })),
  }));
  return { items, total, open: countOpenAlerts(db), page: query.page, pageSize: query.pageSize };
}
