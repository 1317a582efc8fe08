/**
 * Writing the audit log: call inside the transaction that makes the change, so the entry exists
 * exactly when the change does. Secret fields are recorded as "changed", never with a value.
 */
import type { Conn } from '../db/conn';
import { auditLog, type AuditChanges, type AuditEntityType } from '../db/schema';
import type { Actor } from '../auth/principal';

export type AuditEntry = {
  action: string;
  entityType: AuditEntityType;
  entityId: number;
  entityLabel: string;
  changes?: AuditChanges;
};

const SECRET_MARK = 'changed';

export async function recordAudit(tx: Conn, actor: Actor, entry: AuditEntry, now = Date.now()): Promise<void> {
  await tx
    .insert(auditLog)
    .values({ at: now, operatorId: actor.operatorId, actor: actor.label, via: actor.via, changes: entry.changes ?? {}, ...entry });
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Field-level before/after of the keys of `after` that differ from `before`. For `secretKeys`
 * only the fact is kept: `{ before: null|"set", after: "changed"|null }`.
 */
export function diffChanges<T extends Record<string, unknown>>(before: Partial<T>, after: Partial<T>, secretKeys: readonly string[] = []): AuditChanges {
  const changes: AuditChanges = {};
  for (const key of Object.keys(after)) {
    const b = before[key];
    const a = after[key];
    if (a === undefined || same(b, a)) continue;
    changes[key] = secretKeys.includes(key) ? { before: b == null ? null : 'set', after: a == null ? null : SECRET_MARK } : { before: b ?? null, after: a ?? null };
  }
  return changes;
}
