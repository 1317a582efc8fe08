/**
 * DDI provider data access, with the database handle passed in (importable by tsx tests; the app
 * goes through ./queries.ts and ./actions.ts).
 */
import { and, asc, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { ddiProviders, registrations } from '../db/schema';
import type { DdiProviderJson, DdiProviderList, Deleted } from '../api/contracts';
import { fail, ok, type ActionResult, type ApiError } from '../api/result';
import { first } from '../db/conn';
import { dialectSql } from '../db/sql-dialect';
import { journal, nudgeRegistrar, type Conn } from '../registrations/service';
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

function toJson(row: Awaited<ReturnType<typeof baseSelect>>[number]): DdiProviderJson {
  const { id, name, description, ddis, forwardTo, alertHoldS, registrationCount, revision, createdAt, updatedAt } = row;
  return { id, name, description, ddis, forwardTo, alertHoldS, registrationCount, revision, createdAt, updatedAt };
}

export async function listDdiProviders(db: Conn): Promise<DdiProviderList> {
  const items = (await baseSelect(db).orderBy(asc(ddiProviders.name), asc(ddiProviders.id))).map(toJson);
  return { items, total: items.length };
}

export async function getDdiProvider(db: Conn, id: number): Promise<DdiProviderJson | null> {
  const row = await first(baseSelect(db).where(eq(ddiProviders.id, id)));
  return row ? toJson(row) : null;
}

async function nameConflict(db: Conn, name: string, excludeId?: number): Promise<{ error: ApiError } | null> {
  const other = await first(
    db
      .select({ id: ddiProviders.id })
      .from(ddiProviders)
      .where(and(eq(ddiProviders.name, name), excludeId === undefined ? undefined : ne(ddiProviders.id, excludeId))),
  );
  if (!other) return null;
  const message = `A DDI provider named "${name}" already exists (#${other.id}).`;
  return fail('conflict', message, { name: message });
}

async function uniqueNameError(db: Conn, err: unknown, name: string, excludeId?: number): Promise<{ error: ApiError } | null> {
  if (dialectSql.constraintViolation(err)?.kind !== 'unique') return null;
  const message = `A DDI provider named "${name}" already exists.`;
  return (await nameConflict(db, name, excludeId)) ?? fail('conflict', message, { name: message });
}

/** The provider fields an audit entry records. */
const auditedColumns = { name: ddiProviders.name, description: ddiProviders.description, ddis: ddiProviders.ddis, forwardTo: ddiProviders.forwardTo, alertHoldS: ddiProviders.alertHoldS };

export async function createDdiProvider(
  db: Db,
  values: Omit<DdiProviderValues, 'forwardTo' | 'alertHoldS'> & { forwardTo?: string | null; alertHoldS?: number | null },
  actor: Actor,
): Promise<ActionResult<DdiProviderJson>> {
  try {
    const outcome = await db.transaction(
      async (tx) => {
        const conflict = await nameConflict(tx, values.name);
        if (conflict) return conflict;
        // One instant for both (PostgreSQL's column default reads the clock once per column).
        const at = Date.now();
        const id = (await tx.insert(ddiProviders).values({ ...values, createdAt: at, updatedAt: at }).returning({ id: ddiProviders.id }))[0]!.id;
        await recordAudit(tx, actor, { action: 'create', entityType: 'ddi_provider', entityId: id, entityLabel: values.name, changes: createdChanges(values) });
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    return ok((await getDdiProvider(db, outcome.data))!);
  } catch (err) {
    const mapped = await uniqueNameError(db, err, values.name);
    if (mapped) return mapped;
    throw err;
  }
}

/** The 409 `stale` answer to an edit made on an old revision, with the provider as it is now. */
async function staleProvider(tx: Conn, id: number): Promise<{ error: ApiError }> {
  return { error: { code: 'stale', message: 'Someone else changed this provider since you opened it.', current: await getDdiProvider(tx, id) } };
}

/**
 * Updates a provider, audited as `actor`. With `revision`, an edit made on another revision than
 * the stored one is refused (409 `stale`). A patch that changes nothing writes nothing; any other
 * bumps `revision` and sets `updatedAt`.
 */
export async function updateDdiProvider(db: Db, id: number, patch: DdiProviderPatch, actor: Actor): Promise<ActionResult<DdiProviderJson>> {
  const set: Partial<typeof ddiProviders.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.ddis !== undefined) set.ddis = patch.ddis;
  if (patch.forwardTo !== undefined) set.forwardTo = patch.forwardTo;
  if (patch.alertHoldS !== undefined) set.alertHoldS = patch.alertHoldS;
  let forwardChanged = false;
  try {
    const outcome = await db.transaction(
      async (tx) => {
        const current = await first(
          tx.select({ ...auditedColumns, revision: ddiProviders.revision }).from(ddiProviders).where(eq(ddiProviders.id, id)),
        );
        if (!current) return fail('not_found', `DDI provider #${id} does not exist.`);
        if (patch.revision !== undefined && patch.revision !== current.revision) return staleProvider(tx, id);
        const changes = diffChanges<Record<string, unknown>>(current, set);
        if (Object.keys(changes).length === 0) return ok(id);
        if (set.name !== undefined) {
          const conflict = await nameConflict(tx, set.name, id);
          if (conflict) return conflict;
        }
        await tx
          .update(ddiProviders)
          .set({ ...set, revision: sql`${ddiProviders.revision} + 1`, updatedAt: Date.now() })
          .where(eq(ddiProviders.id, id));
        await recordAudit(tx, actor, { action: 'update', entityType: 'ddi_provider', entityId: id, entityLabel: set.name ?? current.name, changes });
        if ('forwardTo' in changes) {
          // The engine reads the forward target with each registration: re-read them all.
          const ids = (await tx.select({ id: registrations.id }).from(registrations).where(eq(registrations.ddiProviderId, id))).map((r) => r.id);
          await journal(tx, ids);
          forwardChanged = ids.length > 0;
        }
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    if (forwardChanged) nudgeRegistrar();
    return ok((await getDdiProvider(db, id))!);
  } catch (err) {
    const mapped = set.name !== undefined ? await uniqueNameError(db, err, set.name, id) : null;
    if (mapped) return mapped;
    throw err;
  }
}

/**
 * Deletes a provider, audited as `actor`. When it has registrations, `confirm` must be true: they
 * are deleted with it (FK cascade), each gets a journal row so the engine un-registers them and
 * its own 'delete' audit entry, so every registration's history ends with its deletion.
 */
export async function deleteDdiProvider(db: Db, id: number, actor: Actor, opts: { confirm?: boolean } = {}): Promise<ActionResult<Deleted>> {
  const outcome = await db.transaction(
    async (tx) => {
      const provider = await first(tx.select(auditedColumns).from(ddiProviders).where(eq(ddiProviders.id, id)));
      if (!provider) return fail('not_found', `DDI provider #${id} does not exist.`);
      const rows = await tx
        .select({ id: registrations.id, ...auditedRegistrationColumns })
        .from(registrations)
        .where(eq(registrations.ddiProviderId, id));
      if (rows.length > 0 && !opts.confirm) {
        const n = rows.length;
        return fail(
          'has_registrations',
          `DDI provider "${provider.name}" has ${n} registration${n === 1 ? '' : 's'}; deleting it deletes ${n === 1 ? 'it' : 'them'} too. Repeat with ?confirm=true to go ahead.`,
          { registrationCount: String(n) },
        );
      }
      const ids = rows.map((r) => r.id);
      await journal(tx, ids);
      for (const { id: registrationId, ...row } of rows) await recordRegistrationDeleted(tx, actor, registrationId, row);
      await tx.delete(ddiProviders).where(eq(ddiProviders.id, id));
      await recordAudit(tx, actor, { action: 'delete', entityType: 'ddi_provider', entityId: id, entityLabel: provider.name, changes: removedChanges(provider) });
      return ok({ id, deletedRegistrations: ids.length });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome && (outcome.data.deletedRegistrations ?? 0) > 0) nudgeRegistrar();
  return outcome;
}
