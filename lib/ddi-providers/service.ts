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
import type { DdiProviderPatch, DdiProviderValues } from './schema';

// Written out: inside a one-table select drizzle renders columns unqualified, which the subquery would
// resolve against its own table.
const registrationCount = sql<number>`(select count(*) from "registrations" as r where r."ddi_provider_id" = "ddi_providers"."id")`.mapWith(Number);

function baseSelect(db: Conn) {
  return db.select({ ...getTableColumns(ddiProviders), registrationCount }).from(ddiProviders);
}

function toJson(row: ReturnType<ReturnType<typeof baseSelect>['all']>[number]): DdiProviderJson {
  const { id, name, description, ddis, registrationCount, createdAt, updatedAt } = row;
  return { id, name, description, ddis, registrationCount, createdAt, updatedAt };
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

export function createDdiProvider(db: Db, values: DdiProviderValues): ActionResult<DdiProviderJson> {
  try {
    const outcome = db.transaction(
      (tx) => {
        const conflict = nameConflict(tx, values.name);
        if (conflict) return conflict;
        return ok(tx.insert(ddiProviders).values(values).returning({ id: ddiProviders.id }).get().id);
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

export function updateDdiProvider(db: Db, id: number, patch: DdiProviderPatch): ActionResult<DdiProviderJson> {
  const set: Partial<typeof ddiProviders.$inferInsert> = {};
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.ddis !== undefined) set.ddis = patch.ddis;
  try {
    const outcome = db.transaction(
      (tx) => {
        if (!tx.select({ id: ddiProviders.id }).from(ddiProviders).where(eq(ddiProviders.id, id)).get()) {
          return fail('not_found', `DDI provider #${id} does not exist.`);
        }
        if (set.name !== undefined) {
          const conflict = nameConflict(tx, set.name, id);
          if (conflict) return conflict;
        }
        tx.update(ddiProviders)
          .set({ ...set, updatedAt: Date.now() })
          .where(eq(ddiProviders.id, id))
          .run();
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    return ok(getDdiProvider(db, id)!);
  } catch (err) {
    const mapped = set.name !== undefined ? uniqueNameError(db, err, set.name, id) : null;
    if (mapped) return mapped;
    throw err;
  }
}

/**
 * Deletes a provider. When it has registrations, `confirm` must be true: they are deleted with it
 * (FK cascade) and each gets a journal row so the engine un-registers them.
 */
export function deleteDdiProvider(db: Db, id: number, opts: { confirm?: boolean } = {}): ActionResult<Deleted> {
  const outcome = db.transaction(
    (tx) => {
      const provider = tx.select({ name: ddiProviders.name }).from(ddiProviders).where(eq(ddiProviders.id, id)).get();
      if (!provider) return fail('not_found', `DDI provider #${id} does not exist.`);
      const ids = tx
        .select({ id: registrations.id })
        .from(registrations)
        .where(eq(registrations.ddiProviderId, id))
        .all()
        .map((r) => r.id);
      if (ids.length > 0 && !opts.confirm) {
        const n = ids.length;
        return fail(
          'has_registrations',
          `DDI provider "${provider.name}" has ${n} registration${n === 1 ? '' : 's'}; deleting it deletes ${n === 1 ? 'it' : 'them'} too. Repeat with ?confirm=true to go ahead.`,
          { registrationCount: String(n) },
        );
      }
      journal(tx, ids);
      tx.delete(ddiProviders).where(eq(ddiProviders.id, id)).run();
      return ok({ id, deletedRegistrations: ids.length });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome && (outcome.data.deletedRegistrations ?? 0) > 0) nudgeRegistrar();
  return outcome;
}
