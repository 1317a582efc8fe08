/**
 * DDI provider data access, with the database handle passed in (importable by tsx tests; the app
 * goes through ./queries.ts and ./actions.ts).
 */
import { and, asc, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { ddiProviders, registrations } from '../db/schema';
import type { DdiProviderJson, DdiProviderList, Deleted } from '../api/contracts';
import { fail, ok, type ActionResult, type ApiError } from '../api/result';
import { journal, nudgeRegistrar, sqliteCode, type Conn } from '../registrations/service';
import type { Actor } from '../auth/principal';
import { createdChanges, removedChanges } from '../audit/changes';
import { auditedRegistrationColumns, recordRegistrationDeleted } from '../audit/entities';
import { diffChanges, recordAudit } from '../audit/record';
import type { DdiProviderPatch, DdiProviderValues } from './schema';

// Written out: inside a one-table select drizzle renders columns unqualified, which the subquery would
// resolve against its own table.
const registrationCount = sql<number>`(select count(*) from "registrations" as r where r."ddi_provider_id" = "ddi_providers"."id")`.mapWith(Number);

function baseSelect(db: Conn) {
  return db.select({ ...getTableColumns(ddiProviders), registrationCount }).from(ddiProviders);
}

function toJson(row: ReturnType<ReturnType<typeof baseSelect>['all']>[number]): DdiProviderJson {
  const { id, name, description, ddis, forwardTo, alertHoldS, registrationCount, revision, createdAt, updatedAt } = row;
  return { id, name, description, ddis, forwardTo, alertHoldS, registrationCount, revision, createdAt, updatedAt };
}

export function listDdiProviders(db: Conn): DdiProviderList {
  const items = baseSelect(db).orderBy(asc(ddiProviders.name), asc(ddiProviders.id)).all().map(toJson);
  return { items, total: items.length };
}

export function getDdiProvider(db: Conn, id: number): DdiProviderJson | null {
  const row = baseSelect(db).where(eq(ddiProviders.id, id)).get();
  return row ? toJson(row) : null;
}

function nameConflict(db: Conn, name: string, excludeId?: number): { error: ApiError } | null {
  const other = db
    .select({ id: ddiProviders.id })
    .from(ddiProviders)
    .where(and(eq(ddiProviders.name, name), excludeId === undefined ? undefined : ne(ddiProviders.id, excludeId)))
    .get();
  if (!other) return null;
  const message = `A DDI provider named "${name}" already exists (#${other.id}).`;
  return fail('conflict', message, { name: message });
}

function uniqueNameError(db: Conn, err: unknown, name: string, excludeId?: number): { error: ApiError } | null {
  if (sqliteCode(err) !== 'SQLITE_CONSTRAINT_UNIQUE') return null;
  const message = `A DDI provider named "${name}" already exists.`;
  return nameConflict(db, name, excludeId) ?? fail('conflict', message, { name: message });
}

/** The provider fields an audit entry records. */
const auditedColumns = { name: ddiProviders.name, description: ddiProviders.description, ddis: ddiProviders.ddis, forwardTo: ddiProviders.forwardTo, alertHoldS: ddiProviders.alertHoldS };

export function createDdiProvider(db: Db, values: Omit<DdiProviderValues, 'forwardTo' | 'alertHoldS'> & { forwardTo?: string | null; alertHoldS?: number | null }, actor: Actor): ActionResult<DdiProviderJson> {
  try {
    const outcome = db.transaction(
      (tx) => {
        const conflict = nameConflict(tx, values.name);
        if (conflict) return conflict;
        const id = tx.insert(ddiProviders).values(values).returning({ id: ddiProviders.id }).get().id;
        recordAudit(tx, actor, { action: 'create', entityType: 'ddi_provider', entityId: id, entityLabel: values.name, changes: createdChanges(values) });
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    return ok(getDdiProvider(db, outcome.data)!);
  } catch (err) {
    const mapped = uniqueNameError(db, err, values.name);
    if (mapped) return mapped;
    throw err;
  }
}

/** The 409 `stale` answer to an edit made on an old revision, with the provider as it is now. */
function staleProvider(tx: Conn, id: number): { error: ApiError } {
  return { error: { code: 'stale', message: 'Someone else changed this provider since you opened it.', current: getDdiProvider(tx, id) } };
}

/**
 * Updates a provider, audited as `actor`. With `revision`, an edit made on another revision than
 * the stored one is refused (409 `stale`). A patch that changes nothing writes nothing; any other
 * bumps `revision` and sets `updatedAt`.
 */
export function updateDdiProvider(db: Db, id: number, patch: DdiProviderPatch, actor: Actor): ActionResult<DdiProviderJson> {
  const set: Partial<typeof ddiProviders.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.ddis !== undefined) set.ddis = patch.ddis;
  if (patch.forwardTo !== undefined) set.forwardTo = patch.forwardTo;
  if (patch.alertHoldS !== undefined) set.alertHoldS = patch.alertHoldS;
  let forwardChanged = false;
  try {
    const outcome = db.transaction(
      (tx) => {
        const current = tx
          .select({ ...auditedColumns, revision: ddiProviders.revision })
          .from(ddiProviders)
          .where(eq(ddiProviders.id, id))
          .get();
        if (!current) return fail('not_found', `DDI provider #${id} does not exist.`);
        if (patch.revision !== undefined && patch.revision !== current.revision) return staleProvider(tx, id);
        const changes = diffChanges<Record<string, unknown>>(current, set);
        if (Object.keys(changes).length === 0) return ok(id);
        if (set.name !== undefined) {
          const conflict = nameConflict(tx, set.name, id);
          if (conflict) return conflict;
        }
        tx.update(ddiProviders)
          .set({ ...set, revision: sql`${ddiProviders.revision} + 1`, updatedAt: Date.now() })
          .where(eq(ddiProviders.id, id))
          .run();
        recordAudit(tx, actor, { action: 'update', entityType: 'ddi_provider', entityId: id, entityLabel: set.name ?? current.name, changes });
        if ('forwardTo' in changes) {
          // The engine reads the forward target with each registration: re-read them all.
          const ids = tx.select({ id: registrations.id }).from(registrations).where(eq(registrations.ddiProviderId, id)).all().map((r) => r.id);
          journal(tx, ids);
          forwardChanged = ids.length > 0;
        }
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    if (forwardChanged) nudgeRegistrar();
    return ok(getDdiProvider(db, id)!);
  } catch (err) {
    const mapped = set.name !== undefined ? uniqueNameError(db, err, set.name, id) : null;
    if (mapped) return mapped;
    throw err;
  }
}

/**
 * Deletes a provider, audited as `actor`. When it has registrations, `confirm` must be true: they
 * are deleted with it (FK cascade), each gets a journal row so the engine un-registers them and
 * its own 'delete' audit entry, so every registration's history ends with its deletion.
 */
export function deleteDdiProvider(db: Db, id: number, actor: Actor, opts: { confirm?: boolean } = {}): ActionResult<Deleted> {
  const outcome = db.transaction(
    (tx) => {
      const provider = tx.select(auditedColumns).from(ddiProviders).where(eq(ddiProviders.id, id)).get();
      if (!provider) return fail('not_found', `DDI provider #${id} does not exist.`);
      const rows = tx
        .select({ id: registrations.id, ...auditedRegistrationColumns })
        .from(registrations)
        .where(eq(registrations.ddiProviderId, id))
        .all();
      if (rows.length > 0 && !opts.confirm) {
        const n = rows.length;
        return fail(
          'has_registrations',
          `DDI provider "${provider.name}" has ${n} registration${n === 1 ? '' : 's'}; deleting it deletes ${n === 1 ? 'it' : 'them'} too. Repeat with ?confirm=true to go ahead.`,
          { registrationCount: String(n) },
        );
      }
      const ids = rows.map((r) => r.id);
      journal(tx, ids);
      for (const { id: registrationId, ...row } of rows) recordRegistrationDeleted(tx, actor, registrationId, row);
      tx.delete(ddiProviders).where(eq(ddiProviders.id, id)).run();
      recordAudit(tx, actor, { action: 'delete', entityType: 'ddi_provider', entityId: id, entityLabel: provider.name, changes: removedChanges(provider) });
      return ok({ id, deletedRegistrations: ids.length });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome && (outcome.data.deletedRegistrations ?? 0) > 0) nudgeRegistrar();
  return outcome;
}
