/**
 * Checks import rows with the rules of the registration form: the one input schema (messages
 * included), the DDI provider named by name or id, and the uniqueness of the DDI and of the
 * account (username + domain) within the file. Uniqueness against the database is checked by
 * the service, inside its transaction.
 */
import type { RowError } from '../api/result';
import { zodFields } from '../api/result';
import { IMPORT_MESSAGES } from './import-columns';
import type { ImportRow } from './import-read';
import { registrationInputSchema, type RegistrationValues } from './schema';

/** The DDI providers, by id (→ name) and by name (→ id). */
export type ProviderDirectory = { byId: ReadonlyMap<number, string>; byName: ReadonlyMap<string, number> };

export type ValidRow = { row: number; line?: number; values: RegistrationValues };

type At = (field: string | null, message: string) => void;

/** `input` with the provider's name turned into its id; false when the name is at fault (reported). */
function resolveProvider(input: Record<string, unknown>, providers: ProviderDirectory, at: At): boolean {
  const { ddiProviderName: name } = input;
  delete input.ddiProviderName;
  if (name === undefined || name === null || name === '') return true;
  if (typeof name !== 'string') {
    at('ddiProviderName', IMPORT_MESSAGES.providerNameType);
    return false;
  }
  const id = providers.byName.get(name.trim());
  if (id === undefined) {
    at('ddiProviderName', IMPORT_MESSAGES.providerName(name.trim()));
    return false;
  }
  if (input.ddiProviderId !== undefined && input.ddiProviderId !== id) {
    at('ddiProviderId', IMPORT_MESSAGES.providerMismatch);
    return false;
  }
  input.ddiProviderId = id;
  return true;
}

function validateRow(row: ImportRow, providers: ProviderDirectory, errors: RowError[]): RegistrationValues | null {
  const before = errors.length;
  const at: At = (field, message) => errors.push(row.line === undefined ? { row: row.row, field, message } : { row: row.row, line: row.line, field, message });
  const input = { ...row.input };
  const providerOk = resolveProvider(input, providers, at);
  const parsed = registrationInputSchema.safeParse(input);
  if (!parsed.success) {
    for (const [field, message] of Object.entries(zodFields(parsed.error))) {
      if (field === 'ddiProviderId' && !providerOk) continue;
      at(field, message);
    }
  } else if (providerOk && !providers.byId.has(parsed.data.ddiProviderId)) {
    at('ddiProviderId', 'This DDI provider does not exist.');
  }
  return errors.length === before && parsed.success ? parsed.data : null;
}

/** The rows that pass, and an error per bad field of the others (file order). */
export function validateRows(rows: readonly ImportRow[], providers: ProviderDirectory): { valid: ValidRow[]; errors: RowError[] } {
  const valid: ValidRow[] = [];
  const errors: RowError[] = [];
  const ddis = new Map<string, number>();
  const accounts = new Map<string, number>();
  for (const row of rows) {
    const values = validateRow(row, providers, errors);
    if (!values) continue;
    const ddiRow = ddis.get(values.ddi);
    const account = `${values.username}\u0000${values.domain}`;
    const accountRow = accounts.get(account);
    const where = row.line === undefined ? { row: row.row } : { row: row.row, line: row.line };
    if (ddiRow !== undefined) errors.push({ ...where, field: 'ddi', message: IMPORT_MESSAGES.ddiInFile(values.ddi, ddiRow) });
    if (accountRow !== undefined) errors.push({ ...where, field: 'username', message: IMPORT_MESSAGES.accountInFile(values.username, values.domain, accountRow) });
    if (ddiRow !== undefined || accountRow !== undefined) continue;
    ddis.set(values.ddi, row.row);
    accounts.set(account, row.row);
    valid.push({ ...where, values });
  }
  return { valid, errors };
}
