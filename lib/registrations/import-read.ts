/**
 * The body of POST /api/registrations/import as rows of untyped registration input: a CSV file
 * (header row of API field names) or a JSON array of objects. File-level faults (unknown or
 * missing columns, too many rows, not an array) refuse the whole file; faults of one row
 * (wrong number of fields, not an object) become that row's error and the others are still read.
 */
import { fail, type ApiError, type RowError } from '../api/result';
import { parseCsv } from '../csv/parse';
import { cellValue, IMPORT_COLUMNS, IMPORT_MAX_ROWS, IMPORT_MESSAGES, REQUIRED_COLUMNS } from './import-columns';

/** One data row: its number (from 1), the CSV line it starts on, and its fields. */
export type ImportRow = { row: number; line?: number; input: Record<string, unknown> };

export type ReadImport = { ok: true; total: number; rows: ImportRow[]; errors: RowError[] } | { ok: false; error: ApiError };

export type ImportFormat = 'csv' | 'json';

const tooManyRows = () => fail('too_large', `The file has more than ${IMPORT_MAX_ROWS.toLocaleString('en')} rows; split it into several imports.`).error;
const invalid = (message: string, fields?: Record<string, string>) => fail('validation', message, fields).error;

function checkHeader(header: string[]): ApiError | null {
  const fields: Record<string, string> = {};
  const seen = new Set<string>();
  for (const name of header) {
    if (!IMPORT_COLUMNS.includes(name)) fields[name || '(empty)'] = `Unknown column "${name}". Columns are named like the API fields: ${IMPORT_COLUMNS.join(', ')}.`;
    else if (seen.has(name)) fields[name] = `The column ${name} appears twice.`;
    seen.add(name);
  }
  for (const name of REQUIRED_COLUMNS) if (!seen.has(name)) fields[name] = `The file has no ${name} column.`;
  if (!seen.has('ddiProviderName') && !seen.has('ddiProviderId')) fields.ddiProviderName = 'The file has neither a ddiProviderName nor a ddiProviderId column.';
  return Object.keys(fields).length ? invalid('The header row is not valid: nothing was imported.', fields) : null;
}

export function readCsvImport(text: string): ReadImport {
  const parsed = parseCsv(text, IMPORT_MAX_ROWS + 1);
  if (!parsed.ok) {
    if ('tooMany' in parsed) return { ok: false, error: tooManyRows() };
    // Past a syntax error the rows cannot be told apart: it is the only one reported.
    const { line, record, message } = parsed.error;
    if (record === 0) return { ok: false, error: invalid(`The header row is not valid: ${message}`) };
    return { ok: false, error: { ...invalid(`Row ${record} (line ${line}) is not valid CSV: nothing was imported.`), rows: [{ row: record, line, field: null, message }] } };
  }
  const [head, ...records] = parsed.records;
  if (!head) return { ok: false, error: invalid('The file is empty: it needs a header row and at least one registration.') };
  const header = head.fields.map((h) => h.trim());
  const headerError = checkHeader(header);
  if (headerError) return { ok: false, error: headerError };
  if (records.length === 0) return { ok: false, error: invalid('The file has a header row but no registrations.') };
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  records.forEach(({ line, fields }, i) => {
    const row = i + 1;
    if (fields.length !== header.length) {
      errors.push({ row, line, field: null, message: IMPORT_MESSAGES.fieldCount(fields.length, header.length) });
      return;
    }
    const input: Record<string, unknown> = {};
    header.forEach((column, k) => {
      const value = cellValue(column, fields[k]!);
      if (value !== undefined) input[column] = value;
    });
    rows.push({ row, line, input });
  });
  return { ok: true, total: records.length, rows, errors };
}

export function readJsonImport(text: string): ReadImport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: fail('invalid_json', 'The request body is not valid JSON.').error };
  }
  if (!Array.isArray(value)) return { ok: false, error: invalid('The body must be a JSON array of registrations.') };
  if (value.length > IMPORT_MAX_ROWS) return { ok: false, error: tooManyRows() };
  if (value.length === 0) return { ok: false, error: invalid('The array has no registrations.') };
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  value.forEach((item: unknown, i) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) errors.push({ row: i + 1, field: null, message: IMPORT_MESSAGES.notObject });
    else rows.push({ row: i + 1, input: item as Record<string, unknown> });
  });
  return { ok: true, total: value.length, rows, errors };
}

/** `text/csv` or `application/json` (a charset other than UTF-8 is refused); null: neither. */
export function importFormat(contentType: string | null): ImportFormat | 'bad-charset' | null {
  const [type = '', ...params] = (contentType ?? '').toLowerCase().split(';').map((p) => p.trim());
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return 'bad-charset';
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json') return 'json';
  return null;
}

/** The rows of a decoded body in `format`; a leading byte order mark is dropped. */
export function readImport(text: string, format: ImportFormat): ReadImport {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return format === 'csv' ? readCsvImport(body) : readJsonImport(body);
}
