/**
 * Bulk actions on registrations (enable, disable, register now, unregister, delete, move to
 * another provider), with the database handle passed in (no 'server-only': tests use it; the
 * app goes through ./bulk-actions.ts). One request handles at most BULK_CHUNK registrations in
 * one transaction: every changed row gets its own audit entry and its own journal row (the
 * engine re-reads only those), exactly as the single-row actions write them.
 */
import { and, asc, count, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { first, type Conn } from '../db/conn';
import { ddiProviders, registrationChanges, registrations, registrationStatus } from '../db/schema';
import { fail, ok, type ActionResult } from '../api/result';
import type { Actor } from '../auth/principal';
import { auditedRegistrationColumns, recordRegistrationDeleted, registrationLabel } from '../audit/entities';
import { recordAudit } from '../audit/record';
import type { BulkAction, BulkRequest } from './bulk-schema';
import { journal, nudgeRegistrar, registrationFilterSql, type RegistrationFilter } from './service';

export type BulkSkip = { id: number; reason: 'not_found' | 'disabled' };

export type BulkResult = {
  action: BulkAction;
  /** registrations changed (or, for register/unregister, commands queued) by this request */
  done: number;
  /** selected registrations already as asked (enable an enabled one, move to its own provider) */
  unchanged: number;
  /** selected registrations left alone, and why */
  skipped: BulkSkip[];
  /** with `filter`: the `after` of the next request, null when none is left */
  next: number | null;
  /** with `filter`: registrations matching it after `next` (0 with `ids`) */
  remaining: number;
};

/** Ids matching `filter` above `after`, in id order: at most `limit`, or only their count. */
async function filterQuery(tx: Conn, filter: RegistrationFilter, after: number, now: number) {
  const { where, needsStatus } = await registrationFilterSql(tx, filter, now);
  const condition = and(gt(registrations.id, after), where);
  return {
    ids: async (limit: number) => {
      const q = tx.select({ id: registrations.id }).from(registrations);
      const rows = await (needsStatus ? q.leftJoin(registrationStatus, eq(registrationStatus.registrationId, registrations.id)) : q)
        .where(condition)
        .orderBy(asc(registrations.id))
        .limit(limit);
      return rows.map((r) => r.id);
    },
    count: async () => {
      const q = tx.select({ n: count() }).from(registrations);
      return (await (needsStatus ? q.leftJoin(registrationStatus, eq(registrationStatus.registrationId, registrations.id)) : q).where(condition))[0]!.n;
    },
  };
}

function currentRows(tx: Conn, ids: number[]) {
  return tx
    .select({ id: registrations.id, ...auditedRegistrationColumns })
    .from(registrations)
    .where(inArray(registrations.id, ids))
    .orderBy(asc(registrations.id));
}

type Current = Awaited<ReturnType<typeof currentRows>>[number];
type Counts = { done: number; unchanged: number; skipped: BulkSkip[] };

/** enable / disable: one UPDATE for the rows that change, an `enable`/`disable` entry each. */
async function setEnabled(tx: Conn, rows: Current[], enabled: boolean, actor: Actor, now: number): Promise<Counts> {
  const changing = rows.filter((r) => r.enabled !== enabled);
  const ids = changing.map((r) => r.id);
  if (ids.length > 0) {
    await tx
      .update(registrations)
      .set({ enabled, revision: sql`${registrations.revision} + 1`, updatedAt: now })
      .where(inArray(registrations.id, ids));
    await journal(tx, ids);
    for (const r of changing) {
      await recordAudit(tx, actor, { action: enabled ? 'enable' : 'disable', entityType: 'registration', entityId: r.id, entityLabel: registrationLabel(r), changes: { enabled: { before: r.enabled, after: enabled } } }, now);
    }
  }
  return { done: ids.length, unchanged: rows.length - ids.length, skipped: [] };
}

const commandActions = { register: 'register_now', unregister: 'unregister' } as const;

/** register / unregister: a journal command per enabled row (as the single buttons); disabled rows are skipped. */
async function queueCommands(tx: Conn, rows: Current[], command: 'register' | 'unregister', actor: Actor, now: number): Promise<Counts> {
  const enabled = rows.filter((r) => r.enabled);
  if (enabled.length > 0) {
    await tx.insert(registrationChanges).values(enabled.map((r) => ({ registrationId: r.id, command, at: now })));
    for (const r of enabled) {
      await recordAudit(tx, actor, { action: commandActions[command], entityType: 'registration', entityId: r.id, entityLabel: registrationLabel(r) }, now);
    }
  }
  const skipped = rows.filter((r) => !r.enabled).map((r) => ({ id: r.id, reason: 'disabled' as const }));
  return { done: enabled.length, unchanged: 0, skipped };
}

async function remove(tx: Conn, rows: Current[], actor: Actor): Promise<Counts> {
  const ids = rows.map((r) => r.id);
  if (ids.length > 0) {
    await tx.delete(registrations).where(inArray(registrations.id, ids));
    await journal(tx, ids);
    for (const { id, ...row } of rows) await recordRegistrationDeleted(tx, actor, id, row);
  }
  return { done: ids.length, unchanged: 0, skipped: [] };
}

async function move(tx: Conn, rows: Current[], ddiProviderId: number, actor: Actor, now: number): Promise<Counts> {
  const changing = rows.filter((r) => r.ddiProviderId !== ddiProviderId);
  const ids = changing.map((r) => r.id);
  if (ids.length > 0) {
    await tx
      .update(registrations)
      .set({ ddiProviderId, revision: sql`${registrations.revision} + 1`, updatedAt: now })
      .where(inArray(registrations.id, ids));
    await journal(tx, ids);
    for (const r of changing) {
      await recordAudit(tx, actor, { action: 'update', entityType: 'registration', entityId: r.id, entityLabel: registrationLabel(r), changes: { ddiProviderId: { before: r.ddiProviderId, after: ddiProviderId } } }, now);
    }
  }
  return { done: ids.length, unchanged: rows.length - ids.length, skipped: [] };
}

/**
 * Runs one request of a bulk action (parsed with bulkRequestSchema) as `actor`, in one
 * transaction; wakes the engine once afterwards.
 */
export async function runBulk(db: Db, request: BulkRequest, actor: Actor, now = Date.now()): Promise<ActionResult<BulkResult>> {
  const outcome = await db.transaction(
    async (tx): Promise<ActionResult<BulkResult>> => {
      if (request.action === 'move' && !(await first(tx.select({ id: ddiProviders.id }).from(ddiProviders).where(eq(ddiProviders.id, request.ddiProviderId!))))) {
        return fail('validation', 'Some fields are not valid.', { ddiProviderId: 'This DDI provider does not exist.' });
      }
      const byFilter = request.filter ? await filterQuery(tx, request.filter, request.after, now) : null;
      const ids = byFilter ? await byFilter.ids(request.limit) : [...new Set(request.ids!)].sort((a, b) => a - b);
      const rows = ids.length > 0 ? await currentRows(tx, ids) : [];
      const found = new Set(rows.map((r) => r.id));
      const missing: BulkSkip[] = ids.filter((id) => !found.has(id)).map((id) => ({ id, reason: 'not_found' }));
      const counts =
        request.action === 'enable' || request.action === 'disable'
          ? await setEnabled(tx, rows, request.action === 'enable', actor, now)
          : request.action === 'register' || request.action === 'unregister'
            ? await queueCommands(tx, rows, request.action, actor, now)
            : request.action === 'delete'
              ? await remove(tx, rows, actor)
              : await move(tx, rows, request.ddiProviderId!, actor, now);
      let next: number | null = null;
      let remaining = 0;
      if (byFilter && ids.length > 0) {
        const last = ids[ids.length - 1]!;
        remaining = await (await filterQuery(tx, request.filter!, last, now)).count();
        next = remaining > 0 ? last : null;
      }
      return ok({ action: request.action, done: counts.done, unchanged: counts.unchanged, skipped: [...missing, ...counts.skipped], next, remaining });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome && outcome.data.done > 0) nudgeRegistrar();
  return outcome;
}
