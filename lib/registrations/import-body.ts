/**
 * Reading the body of POST /api/registrations/import: its type (CSV or JSON), at most
 * IMPORT_MAX_BYTES (413 past it), strict UTF-8, then the rows (import-read.ts).
 */
import { decodeUtf8, readBodyBytes } from '../api/http';
import { fail } from '../api/result';
import { IMPORT_MAX_BYTES } from './import-columns';
import { importFormat, readImport, type ReadImport } from './import-read';

const MIB = 1024 * 1024;

export async function readImportBody(req: Request): Promise<ReadImport> {
  const format = importFormat(req.headers.get('content-type'));
  if (format === 'bad-charset') return { ok: false, error: fail('unsupported_media_type', 'Send the file as UTF-8 (charset=utf-8).').error };
  if (format === null) return { ok: false, error: fail('unsupported_media_type', 'Send a CSV file (Content-Type: text/csv) or a JSON array (application/json).').error };
  const tooLarge = fail('too_large', `The file exceeds ${IMPORT_MAX_BYTES / MIB} MiB; split it into several imports.`).error;
  const body = await readBodyBytes(req, IMPORT_MAX_BYTES, tooLarge);
  if (!body.ok) return body;
  const text = decodeUtf8(body.bytes);
  if (text === null) return { ok: false, error: fail('validation', 'The file is not valid UTF-8: save it as UTF-8 and try again.').error };
  return readImport(text, format);
}
