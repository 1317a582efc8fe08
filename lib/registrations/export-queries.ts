import 'server-only';
import { getDb } from '../db/client';
import * as service from './export-service';

/** Every registration as CSV, without passwords. */
export async function exportRegistrationsCsv(): Promise<string> {
  return service.exportCsv(getDb());
}

export const exportFilename = service.exportFilename;
