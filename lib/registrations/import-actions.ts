import 'server-only';
import { getDb } from '../db/client';
import type { ImportReportJson } from '../api/contracts';
import { guarded, type ActionResult } from '../api/result';
import { actorOf, type Principal } from '../auth/principal';
import type { ReadImport } from './import-read';
import * as service from './import-service';

/**
 * Imports the rows read from a file (import-body.ts), all or nothing; `dryRun` only checks.
 * A plain server function for the route handler, never callable from the browser.
 */
export async function importRegistrations(principal: Principal, read: Extract<ReadImport, { ok: true }>, dryRun: boolean): Promise<ActionResult<ImportReportJson>> {
  return guarded('importRegistrations', () => service.importRegistrations(getDb(), read.total, read.rows, read.errors, { dryRun, actor: actorOf(principal) }));
}
