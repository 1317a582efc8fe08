import 'server-only';
import { getDb } from '../db/client';
import type { AuditList } from '../api/contracts';
import type { AuditQuery, EntityAuditQuery } from './schema';
import * as service from './service';

/** One page of the audit log, newest first (query parsed with auditQuerySchema). */
export async function listAudit(query: AuditQuery): Promise<AuditList> {
  return service.listAudit(getDb(), query);
}

/** A registration's history, also after its deletion; null when it never existed. */
export async function registrationHistory(id: number, query: EntityAuditQuery): Promise<AuditList | null> {
  return service.registrationHistory(getDb(), id, query);
}
