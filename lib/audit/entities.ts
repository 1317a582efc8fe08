/**
 * How registrations and DDI providers appear in the audit log: their label, the fields whose
 * before/after is recorded, and the action name of an update.
 */
import type { Actor } from '../auth/principal';
import type { Conn } from '../db/conn';
import { registrations, type AuditChanges } from '../db/schema';
import { removedChanges } from './changes';
import { recordAudit } from './record';

/** Recorded only as set / "changed", never with a value. */
export const registrationSecretKeys = ['password'] as const;

/** The registration columns an audit entry records (select them with drizzle). */
export const auditedRegistrationColumns = {
  ddiProviderId: registrations.ddiProviderId,
  username: registrations.username,
  domain: registrations.domain,
  ddi: registrations.ddi,
  authUsername: registrations.authUsername,
  password: registrations.password,
  registerServerUri: registrations.registerServerUri,
  realm: registrations.realm,
  expires: registrations.expires,
  transport: registrations.transport,
  enabled: registrations.enabled,
};

type Identity = { username: string; domain: string; ddi: string };

export function registrationLabel(r: Identity): string {
  return `${r.username}@${r.domain} (DDI ${r.ddi})`;
}

/** A change of `enabled` alone is an 'enable' or 'disable'; anything else an 'update'. */
export function registrationUpdateAction(changes: AuditChanges): 'update' | 'enable' | 'disable' {
  const keys = Object.keys(changes);
  if (keys.length !== 1 || keys[0] !== 'enabled') return 'update';
  return changes.enabled!.after ? 'enable' : 'disable';
}

/** The 'delete' entry of a registration, with its fields as they were; call inside the deleting transaction. */
export async function recordRegistrationDeleted(tx: Conn, actor: Actor, id: number, row: Identity & Record<string, unknown>): Promise<void> {
  await recordAudit(tx, actor, {
    action: 'delete',
    entityType: 'registration',
    entityId: id,
    entityLabel: registrationLabel(row),
    changes: removedChanges(row, registrationSecretKeys),
  });
}
