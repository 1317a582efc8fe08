/**
 * Bulk import of registrations, with the database handle passed in (importable by tsx tests;
 * the app goes through ./import-actions.ts). The whole file is written in one transaction or
 * not at all; a dry run checks the same things and writes nothing.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Conn } from '../db/conn';
import { ddiProviders, registrationChanges, registrations } from '../db/schema';
import type { ImportReportJson } from '../api/contracts';
import { fail, ok, type ActionResult, type ApiError, type RowError } from '../api/result';
import type { Actor } from '../auth/principal';
import { recordAudit } from '../audit/record';
import { sealSecret } from '../secrets/cipher';
import { getKeyring } from '../secrets/keyring';
import type { ImportRow } from './import-read';
import { validateRows, type ProviderDirectory, type ValidRow } from './import-validate';
import { registrationInputSchema } from './schema';
import { conflictMessages, nudgeRegistrar, sqliteCode } from './service';

export function providerDirectory(db: Conn): ProviderDirectory {
  const rows = db.select({ id: ddiProviders.id, name: ddiProviders.name }).from(ddiProviders).all();
  return { byId: new Map(rows.map((p) => [p.id, p.name])), byName: new Map(rows.map((p) => [p.name, p.id])) };
}

type HolderRow = { key: string; registrationId: number; ddiProviderId: number; ddiProviderName: string };

/** Errors for valid rows whose DDI or account another registration already has (one query each, by index). */
function databaseConflicts(tx: Conn, valid: readonly ValidRow[]): RowError[] {
  if (valid.length === 0) return [];
  const ddis = JSON.stringify(valid.map((r) => r.values.ddi));
  const accounts = JSON.stringify(valid.map((r) => [r.values.username, r.values.domain]));
  const ddiHolders = new Map(
    tx
      .all<HolderRow>(
        sql`select r."ddi" as "key", r."id" as "registrationId", p."id" as "ddiProviderId", p."name" as "ddiProviderName"
            from json_each(${ddis}) as j join "registrations" as r on r."ddi" = j.value
            join "ddi_providers" as p on p."id" = r."ddi_provider_id"`,
      )
      .map((h) => [h.key, h]),
  );
  const accountHolders = new Map(
    tx
      .all<HolderRow>(
        sql`select r."username" || char(0) || r."domain" as "key", r."id" as "registrationId", p."id" as "ddiProviderId", p."name" as "ddiProviderName"
            from json_each(${accounts}) as j
            join "registrations" as r on r."username" = json_extract(j.value, '$[0]') and r."domain" = json_extract(j.value, '$[1]')
            join "ddi_providers" as p on p."id" = r."ddi_provider_id"`,
      )
      .map((h) => [h.key, h]),
  );
  const errors: RowError[] = [];
  for (const { row, line, values } of valid) {
    const where = line === undefined ? { row } : { row, line };
    const ddiHolder = ddiHolders.get(values.ddi);
    if (ddiHolder) errors.push({ ...where, field: 'ddi', message: conflictMessages.ddi(values.ddi, ddiHolder) });
    const accountHolder = accountHolders.get(`${values.username}\u0000${values.domain}`);
    if (accountHolder) errors.push({ ...where, field: 'username', message: conflictMessages.account(values.username, values.domain, accountHolder) });
  }
  return errors;
}

function refused(total: number, errors: RowError[]): { error: ApiError } {
  const bad = new Set(errors.map((e) => e.row)).size;
  const sorted = [...errors].sort((a, b) => a.row - b.row);
  return {
    error: {
      code: 'validation',
      message: `${bad} of ${total} row${total === 1 ? '' : 's'} ${bad === 1 ? 'is' : 'are'} not valid: nothing was imported.`,
      rows: sorted,
    },
  };
}

/** Every field of the input schema as a named placeholder (`{ username: sql.placeholder('username'), … }`). */
const insertPlaceholders = Object.fromEntries(Object.keys(registrationInputSchema.shape).map((k) => [k, sql.placeholder(k)])) as unknown as typeof registrations.$inferInsert;

/**
 * Inserts the rows (passwords sealed), journals them for the engine and writes one audit entry;
 * returns the count. One prepared statement each, run per row: with 10,000s of rows far cheaper
 * than building multi-row INSERTs.
 */
function insertAll(tx: Conn, valid: readonly ValidRow[], actor: Actor): number {
  const keyring = getKeyring();
  const insert = tx.insert(registrations).values(insertPlaceholders).returning({ id: registrations.id }).prepare();
  const journalOne = tx.insert(registrationChanges).values({ registrationId: sql.placeholder('id') }).prepare();
  const ids: number[] = [];
  for (const { values } of valid) {
    const { id } = insert.get({ ...values, password: values.password ? sealSecret(values.password, keyring) : null });
    journalOne.run({ id });
    ids.push(id);
  }
  recordAudit(tx, actor, {
    action: 'import',
    entityType: 'registration',
    entityId: ids[0]!,
    entityLabel: `${ids.length} registration${ids.length === 1 ? '' : 's'} imported (#${ids[0]}–#${ids[ids.length - 1]})`,
    changes: { imported: { before: null, after: ids.length }, firstId: { before: null, after: ids[0] }, lastId: { before: null, after: ids[ids.length - 1] } },
  });
  return ids.length;
}

export type ImportOptions = { dryRun: boolean; actor: Actor };

/**
 * Checks every row (read by import-read.ts; `readErrors` are the rows it could not read) and,
 * unless a dry run or any row is bad, creates them all in one transaction.
 */
export function importRegistrations(db: Db, total: number, rows: readonly ImportRow[], readErrors: readonly RowError[], opts: ImportOptions): ActionResult<ImportReportJson> {
  const { valid, errors } = validateRows(rows, providerDirectory(db));
  errors.push(...readErrors);
  let result: ActionResult<ImportReportJson>;
  try {
    result = db.transaction(
      (tx) => {
        errors.push(...databaseConflicts(tx, valid));
        if (errors.length > 0) return refused(total, errors);
        if (opts.dryRun) return ok({ dryRun: true, rows: total, imported: 0 });
        return ok({ dryRun: false, rows: total, imported: insertAll(tx, valid, opts.actor) });
      },
      { behavior: opts.dryRun ? 'deferred' : 'immediate' },
    );
  } catch (err) {
    // A provider deleted between the checks and the write (the foreign key refuses the row).
    if (sqliteCode(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY') return fail('conflict', 'A DDI provider named in the file was deleted meanwhile: nothing was imported.');
    throw err;
  }
  if ('data' in result && result.data.imported > 0) nudgeRegistrar();
  return result;
}
