/**
 * Reading the audit log, with the database handle passed in (importable by tsx tests; the app
 * goes through ./queries.ts).
 */
import { and, count, desc, eq, notInArray, or, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { auditLog, registrations } from '../db/schema';
import type { AuditList } from '../api/contracts';
import { likePattern } from '../registrations/service';
import type { AuditQuery, EntityAuditQuery } from './schema';

// Written out with qualified names: in a one-table select drizzle renders columns unqualified,
// which the subqueries would resolve against their own tables.
const entityExists = sql<boolean>`(case "audit_log"."entity_type"
  when 'registration' then exists(select 1 from "registrations" as r where r."id" = "audit_log"."entity_id")
  when 'ddi_provider' then exists(select 1 from "ddi_providers" as p where p."id" = "audit_log"."entity_id")
  when 'operator' then exists(select 1 from "operators" as o where o."id" = "audit_log"."entity_id")
  when 'api_token' then exists(select 1 from "api_tokens" as t where t."id" = "audit_log"."entity_id")
  when 'notification_channel' then exists(select 1 from "notification_channels" as c where c."id" = "audit_log"."entity_id")
  when 'alert' then exists(select 1 from "alerts" as a where a."id" = "audit_log"."entity_id")
  else 0 end)`.mapWith(Boolean);

/**
 * Entries only admins may read: about operators and their API tokens (e-mails, roles, who is
 * disabled), as `/api/operators` itself is admin-only, and about notification channels (their
 * URLs and mail servers), as `/api/notification-channels` is.
 */
const ADMIN_ONLY_ENTITIES = ['operator', 'api_token', 'notification_channel'] as const;

/** What the reader may see: everything for admins, else the log without operator and token entries. */
export type AuditScope = 'all' | 'no-operators';

function filtersOf(query: AuditQuery, scope: AuditScope): SQL | undefined {
  const filters: SQL[] = [];
  if (scope === 'no-operators') filters.push(notInArray(auditLog.entityType, [...ADMIN_ONLY_ENTITIES]));
  if (query.entityType !== undefined) filters.push(eq(auditLog.entityType, query.entityType));
  if (query.entityId !== undefined) filters.push(eq(auditLog.entityId, query.entityId));
  if (query.action) filters.push(eq(auditLog.action, query.action));
  const actor = query.actor?.trim();
  if (actor) {
    const p = likePattern(actor);
    filters.push(or(sql`${auditLog.actor} like ${p} escape '\\'`, sql`${auditLog.via} like ${p} escape '\\'`)!);
  }
  return filters.length ? and(...filters) : undefined;
}

/** One page of audit entries the reader may see (`scope`), newest first, plus the total matching the filters. */
export function listAudit(db: Conn, query: AuditQuery, scope: AuditScope): AuditList {
  const where = filtersOf(query, scope);
  const total = db.select({ n: count() }).from(auditLog).where(where).get()!.n;
  const items = db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      operatorId: auditLog.operatorId,
      actor: auditLog.actor,
      via: auditLog.via,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      entityLabel: auditLog.entityLabel,
      entityExists,
      changes: auditLog.changes,
    })
    .from(auditLog)
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .all();
  return { items, total, page: query.page, pageSize: query.pageSize };
}

/**
 * The history of one registration, newest first. It outlives the registration (the entries stay
 * after a delete); null only when the registration neither exists nor ever had an entry.
 */
export function registrationHistory(db: Conn, id: number, query: EntityAuditQuery): AuditList | null {
  const list = listAudit(db, { ...query, entityType: 'registration', entityId: id }, 'all');
  if (list.total > 0) return list;
  const exists = db.select({ id: registrations.id }).from(registrations).where(eq(registrations.id, id)).get();
  return exists ? list : null;
}
