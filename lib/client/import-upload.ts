/**
 * Sends a file to POST /api/registrations/import with upload progress (XMLHttpRequest: fetch
 * reports none). Answers the report, or throws the same ApiError as apiFetch (its `details` is
 * the error body's `error`, with `rows` when rows were refused).
 */
import type { ImportReportJson, ImportRowErrorJson } from '@/lib/api/contracts';
import { ApiError } from './api';

export type UploadProgress = { loaded: number; total: number };

/** `.json` files are sent as a JSON array, anything else as CSV. */
export function importContentType(fileName: string): string {
  return /\.json$/i.test(fileName) ? 'application/json' : 'text/csv';
}

/** The refused rows carried by an import's ApiError (empty for any other error). */
export function refusedRows(error: unknown): ImportRowErrorJson[] {
  if (!(error instanceof ApiError)) return [];
  const rows = (error.details as { rows?: unknown } | undefined)?.rows;
  return Array.isArray(rows) ? (rows as ImportRowErrorJson[]) : [];
}

export function uploadImport(file: File, opts: { dryRun: boolean; onProgress?: (p: UploadProgress) => void }): Promise<ImportReportJson> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/registrations/import${opts.dryRun ? '?dryRun=1' : ''}`);
    xhr.setRequestHeader('content-type', importContentType(file.name));
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (e) => opts.onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The portal server cannot be reached. Check your connection and try again.'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as ImportReportJson);
      const err = (body as { error?: { code?: string; message?: string; fields?: Record<string, string> } } | undefined)?.error;
      reject(new ApiError(xhr.status, err?.code ?? `http_${xhr.status}`, err?.message ?? `The server answered ${xhr.status}.`, err?.fields, err));
    };
    xhr.send(file);
  });
}
