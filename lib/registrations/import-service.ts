/**
 * Bulk import of registrations, with the database handle passed in (importable by tsx tests;
 * the app goes through ./import-actions.ts). The whole file is written in one transaction or
 * not at all; a dry run checks the same things and writes nothing.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rows as rawRows, type Conn } from '../db/conn';
import { dialectSql } from '../db/sql-dialect';
import { ddiProviders, registrationChanges, registrations } from '../db/schema';
import type { ImportReportJson } from '../api/contracts';
import { fail, ok, type ActionResult, type ApiError, type RowError } from '../api/result';
import type { Actor } from '../auth/principal';
import { recordAudit } from '../audit/record';
import { sealSecret } from '../secrets/cipher';
import { getKeyring } from '../secrets/keyring';
import type { ImportRow } from './import-read';
import { validateRows, type ProviderDirectory, type ValidRow } from './import-validate';
import { conflictMessages, nudgeRegistrar } from './service';

export async function providerDirectory(db: Conn): Promise<ProviderDirectory> {
  const rows = await db.select({ id: ddiProviders.id, name: ddiProviders.name }).from(ddiProviders);
  return { byId: new Map(rows.map((p) => [p.id, p.name])), byName: new Map(rows.map((p) => [p.name, p.id])) };
}

type HolderRow = { registrationId: number; ddiProviderId: number; ddiProviderName: string };

/** Rows a multi-row INSERT carries (× 12 columns: well below both databases' parameter limits). */
const INSERT_CHUNK = 500;

/** Errors for valid rows whose DDI or account another registration already has (one query each, by index). */
async function databaseConflicts(tx: Conn, valid: readonly ValidRow[]): Promise<RowError[]> {
  if (valid.length === 0) return [];
  const ddis = JSON.stringify(valid.map((r) => [r.values.ddi]));
  const accounts = JSON.stringify(valid.map((r) => [r.values.username, r.values.domain]));
  const ddiHolders = new Map(
    (
      await rawRows<HolderRow & { ddi: string }>(
        tx,
        sql`select r."ddi" as "ddi", r."id" as "registrationId", p."id" as "ddiProviderId", p."name" as "ddiProviderName"
            from ${dialectSql.jsonTuples(ddis, 1)} as j join "registrations" as r on r."ddi" = j.c0
            join "ddi_providers" as p on p."id" = r."ddi_provider_id"`,
      )
    ).map((h) => [h.ddi, h]),
  );
  const accountHolders = new Map(
    (
      await rawRows<HolderRow & { username: string; domain: string }>(
        tx,
        sql`select r."username" as "username", r."domain" as "domain", r."id" as "registrationId", p."id" as "ddiProviderId", p."name" as "ddiProviderName"
            from ${dialectSql.jsonTuples(accounts, 2)} as j
            join "registrations" as r on r."username" = j.c0 and r."domain" = j.c1
            join "ddi_providers" as p on p."id" = r."ddi_provider_id"`,
      )
    ).map((h) => [`${h.username}\u0000${h.domain}`, h]),
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

/**
 * Inserts the rows (passwords sealed), journals them for the engine and writes one audit entry;
 * returns the count. Multi-row INSERTs of INSERT_CHUNK rows: one round trip per chunk.
 */
async function insertAll(tx: Conn, valid: readonly ValidRow[], actor: Actor): Promise<number> {
  const keyring = getKeyring();
  const ids: number[] = [];
  // One instant for the whole import, created and updated alike.
  const at = Date.now();
  for (let i = 0; i < valid.length; i += INSERT_CHUNK) {
    const chunk = valid.slice(i, i + INSERT_CHUNK).map(({ values }) => ({ ...values, createdAt: at, updatedAt: at, password: values.password ? sealSecret(values.password, keyring) : null }));
    const inserted = await tx.insert(registrations).values(chunk).returning({ id: registrations.id });
    // RETURNING answers in VALUES order on both databases; sorted anyway, the ids are increasing.
    const chunkIds = inserted.map((r) => r.id).sort((a, b) => a - b);
    await tx.insert(registrationChanges).values(chunkIds.map((registrationId) => ({ registrationId })));
    ids.push(...chunkIds);
  }
  await recordAudit(tx, actor, {
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
export async function importRegistrations(
  db: Db,
  total: number,
  rows: readonly ImportRow[],
  readErrors: readonly RowError[],
  opts: ImportOptions,
): Promise<ActionResult<ImportReportJson>> {
  const { valid, errors } = validateRows(rows, await providerDirectory(db));
  errors.push(...readErrors);
  let result: ActionResult<ImportReportJson>;
  try {
    result = await db.transaction(
      async (tx) => {
        errors.push(...(await databaseConflicts(tx, valid)));
        if (errors.length > 0) return refused(total, errors);
        if (opts.dryRun) return ok({ dryRun: true, rows: total, imported: 0 });
        return ok({ dryRun: false, rows: total, imported: await insertAll(tx, valid, opts.actor) });
      },
      { behavior: opts.dryRun ? 'deferred' : 'immediate' },
    );
  } catch (err) {
    // A provider deleted between the checks and the write (the foreign key refuses the row).
    if (dialectSql.constraintViolation(err)?.kind === 'foreign_key') return fail('conflict', 'A DDI provider named in the file was deleted meanwhile: nothing was imported.');
    throw err;
  }
  if ('data' in result && result.data.imported > 0) nudgeRegistrar();
  return result;
}
