/**
 * The columns of a registrations CSV file (import and export) and how a CSV cell becomes a value
 * of the registration input schema. Column names are the API's field names; the DDI provider is
 * named by `ddiProviderName` or `ddiProviderId` (both: they must name the same provider).
 */
import { registrationInputSchema } from './schema';

/** What an import accepts: the fields of POST /api/registrations plus the provider's name. */
export const IMPORT_COLUMNS = [...Object.keys(registrationInputSchema.shape), 'ddiProviderName'] as readonly string[];

/** Columns a file must have (the provider: one of ddiProviderId / ddiProviderName). */
export const REQUIRED_COLUMNS = ['username', 'domain', 'ddi'] as const;

/** At most this many bytes per import (a 100,000-row file of typical registrations fits). */
export const IMPORT_MAX_BYTES = 8 * 1024 * 1024;
/** At most this many data rows per import. */
export const IMPORT_MAX_ROWS = 100_000;

export const IMPORT_MESSAGES = {
  enabled: 'Use true or false.',
  providerName: (name: string) => `No DDI provider is named "${name}".`,
  providerNameType: 'Give the name of a DDI provider as text.',
  providerMismatch: 'ddiProviderId and ddiProviderName name different DDI providers.',
  providerMissing: 'Choose a DDI provider: give ddiProviderName or ddiProviderId.',
  fieldCount: (got: number, want: number) => `This row has ${got} field${got === 1 ? '' : 's'}; the header has ${want}.`,
  notObject: 'Each item must be a JSON object of registration fields.',
  ddiInFile: (ddi: string, row: number) => `DDI ${ddi} is already in row ${row} of this file.`,
  accountInFile: (username: string, domain: string, row: number) => `Username ${username} at domain ${domain} is already in row ${row} of this file.`,
} as const;

/** Columns whose empty cell means "not given" (the default) rather than empty text. */
const TYPED = new Set(['ddiProviderId', 'ddiProviderName', 'expires', 'enabled', 'transport']);

const BOOLEANS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false };

/**
 * A CSV cell as the value the schema expects: '' is "not given" (the field's default, or no
 * password); numbers and booleans from their text; anything else stays text, so the schema
 * refuses it with the form's message.
 */
export function cellValue(column: string, cell: string): unknown {
  if (column === 'password') return cell === '' ? undefined : cell;
  if (TYPED.has(column) && cell.trim() === '') return undefined;
  if (column === 'ddiProviderId' || column === 'expires') return /^\s*[+-]?\d{1,15}\s*$/.test(cell) ? Number(cell) : cell;
  if (column === 'enabled') return BOOLEANS[cell.trim().toLowerCase()] ?? cell;
  return cell;
}
