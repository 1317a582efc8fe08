import 'server-only';
import { getDb } from '../db/client';
import type { AuditList } from '../api/contracts';
import type { Principal } from '../auth/principal';
import type { AuditQuery, EntityAuditQuery } from './schema';
import * as service from './service';

/** One page of the audit log, newest first (query parsed with auditQuerySchema); entries about operators and tokens for admins only. */
export async function listAudit(query: AuditQuery, reader: Principal): Promise<AuditList> {
  return service.listAudit(getDb(), query, reader.role === 'admin' ? 'all' : 'no-operators');
}

/** A registration's history, also after its deletion; null when it never existed. */
export async function registrationHistory(id: number, query: EntityAuditQuery): Promise<AuditList | null> {
  return service.registrationHistory(getDb(), id, query);
}
