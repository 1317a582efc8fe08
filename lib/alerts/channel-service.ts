/**
 * Notification channel data access, with the database handle passed in (importable by tsx tests;
 * the app goes through ./channel-actions.ts). Secrets are sealed with the keyring (lib/secrets)
 * before they are stored and never leave this module in clear except to the senders.
 */
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Conn } from '../db/conn';
import { notificationChannels, notificationDeliveries, type NotificationChannelRow, type NotificationDeliveryRow } from '../db/schema';
import type { DeliveryJson, NotificationChannelJson } from '../api/contracts-alerts';
import { fail, ok, type ActionResult, type ApiError } from '../api/result';
import type { Actor } from '../auth/principal';
import { createdChanges, removedChanges } from '../audit/changes';
import { diffChanges, recordAudit } from '../audit/record';
import { openSecret, sealSecret } from '../secrets/cipher';
import type { Keyring } from '../secrets/key';
import { sqliteCode } from '../registrations/service';
import type { ChannelPatch, ChannelValues, EmailConfig, StarttlsMode, WebhookConfig } from './channel-schema';

export const channelSecretKeys = ['secret', 'smtpPassword'] as const;

export function deliveryJson(row: NotificationDeliveryRow): DeliveryJson {
  return {
    id: row.id,
    channelId: row.channelId,
    alertId: row.alertId,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.status === 'pending' || row.status === 'sending' ? row.nextAttemptAt : null,
    lastCode: row.lastCode,
    lastError: row.lastError,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

/** The channel's settings as flat fields (the API's and the audit log's view; secrets only as set or not). */
function flatFields(row: Pick<NotificationChannelRow, 'kind' | 'config' | 'secret'>) {
  const web = row.kind === 'webhook' ? (row.config as WebhookConfig) : null;
  const mail = row.kind === 'email' ? (row.config as EmailConfig) : null;
  return {
    url: web?.url ?? null,
    hasSecret: row.kind === 'webhook' && row.secret !== null,
    smtpHost: mail?.host ?? null,
    smtpPort: mail?.port ?? null,
    smtpStarttls: (mail?.starttls ?? null) as StarttlsMode | null,
    smtpUser: mail?.user ?? null,
    hasSmtpPassword: row.kind === 'email' && row.secret !== null,
    mailFrom: mail?.from ?? null,
    mailTo: mail?.to ?? [],
  };
}

function lastDelivery(db: Conn, channelId: number): DeliveryJson | null {
  const row = db.select().from(notificationDeliveries).where(eq(notificationDeliveries.channelId, channelId)).orderBy(desc(notificationDeliveries.id)).limit(1).get();
  return row ? deliveryJson(row) : null;
}

function toJson(db: Conn, row: NotificationChannelRow): NotificationChannelJson {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    enabled: row.enabled,
    ...flatFields(row),
    revision: row.revision,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastDelivery: lastDelivery(db, row.id),
  };
}

export function listChannels(db: Conn): { items: NotificationChannelJson[] } {
  return { items: db.select().from(notificationChannels).orderBy(asc(notificationChannels.name), asc(notificationChannels.id)).all().map((r) => toJson(db, r)) };
}

export function getChannel(db: Conn, id: number): NotificationChannelJson | null {
  const row = db.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get();
  return row ? toJson(db, row) : null;
}

/** The last `limit` deliveries of a channel, newest first; null when the channel does not exist. */
export function listDeliveries(db: Conn, channelId: number, limit: number): { items: DeliveryJson[] } | null {
  if (!db.select({ id: notificationChannels.id }).from(notificationChannels).where(eq(notificationChannels.id, channelId)).get()) return null;
  const rows = db.select().from(notificationDeliveries).where(eq(notificationDeliveries.channelId, channelId)).orderBy(desc(notificationDeliveries.id)).limit(limit).all();
  return { items: rows.map(deliveryJson) };
}

type Settings = Omit<ChannelValues, 'name' | 'kind' | 'enabled' | 'secret' | 'smtpPassword'>;

function configOf(kind: NotificationChannelRow['kind'], v: Partial<Settings>): Record<string, unknown> {
  if (kind === 'webhook') return { url: v.url! } satisfies WebhookConfig;
  return { host: v.smtpHost!, port: v.smtpPort ?? 587, starttls: v.smtpStarttls ?? 'required', user: v.smtpUser || null, from: v.mailFrom!, to: v.mailTo ?? [] } satisfies EmailConfig;
}

/** The audited view of a channel: its flat settings, the secret as a value to diff as "changed". */
function audited(row: Pick<NotificationChannelRow, 'name' | 'kind' | 'enabled' | 'config' | 'secret'>): Record<string, unknown> {
  const { hasSecret: _s, hasSmtpPassword: _p, ...flat } = flatFields(row);
  const secretField = row.kind === 'webhook' ? 'secret' : 'smtpPassword';
  const kindFields = row.kind === 'webhook' ? { url: flat.url } : { smtpHost: flat.smtpHost, smtpPort: flat.smtpPort, smtpStarttls: flat.smtpStarttls, smtpUser: flat.smtpUser, mailFrom: flat.mailFrom, mailTo: flat.mailTo };
  return { name: row.name, kind: row.kind, enabled: row.enabled, ...kindFields, [secretField]: row.secret };
}

function nameConflict(db: Conn, name: string, excludeId?: number): { error: ApiError } | null {
  const other = db
    .select({ id: notificationChannels.id })
    .from(notificationChannels)
    .where(and(eq(notificationChannels.name, name), excludeId === undefined ? undefined : ne(notificationChannels.id, excludeId)))
    .get();
  if (!other) return null;
  const message = `A notification channel named "${name}" already exists (#${other.id}).`;
  return fail('conflict', message, { name: message });
}

function uniqueNameError(db: Conn, err: unknown, name: string, excludeId?: number): { error: ApiError } | null {
  if (sqliteCode(err) !== 'SQLITE_CONSTRAINT_UNIQUE') return null;
  return nameConflict(db, name, excludeId) ?? fail('conflict', `A notification channel named "${name}" already exists.`, { name: 'Already used.' });
}

export function createChannel(db: Db, values: ChannelValues, actor: Actor, keyring: Keyring): ActionResult<NotificationChannelJson> {
  const plain = values.kind === 'webhook' ? values.secret : values.smtpPassword;
  const row = { name: values.name, kind: values.kind, enabled: values.enabled, config: configOf(values.kind, values), secret: plain ? sealSecret(plain, keyring) : null };
  try {
    const outcome = db.transaction(
      (tx) => {
        const conflict = nameConflict(tx, row.name);
        if (conflict) return conflict;
        const id = tx.insert(notificationChannels).values(row).returning({ id: notificationChannels.id }).get().id;
        recordAudit(tx, actor, { action: 'create', entityType: 'notification_channel', entityId: id, entityLabel: row.name, changes: createdChanges(audited(row), channelSecretKeys) });
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    return ok(getChannel(db, outcome.data)!);
  } catch (err) {
    const mapped = uniqueNameError(db, err, row.name);
    if (mapped) return mapped;
    throw err;
  }
}

/** Updates a channel; `kind` cannot change. A patch that changes nothing writes nothing. */
export function updateChannel(db: Db, id: number, patch: ChannelPatch, actor: Actor, keyring: Keyring): ActionResult<NotificationChannelJson> {
  try {
    const outcome = db.transaction(
      (tx) => {
        const current = tx.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get();
        if (!current) return fail('not_found', `Notification channel #${id} does not exist.`);
        if (patch.revision !== undefined && patch.revision !== current.revision) {
          return { error: { code: 'stale' as const, message: 'Someone else changed this channel since you opened it.', current: toJson(tx, current) } };
        }
        const flat = flatFields(current);
        const merged: Partial<Settings> = {
          url: patch.url !== undefined ? patch.url : flat.url,
          smtpHost: patch.smtpHost !== undefined ? patch.smtpHost : flat.smtpHost,
          smtpPort: patch.smtpPort ?? flat.smtpPort ?? 587,
          smtpStarttls: patch.smtpStarttls ?? flat.smtpStarttls ?? 'required',
          smtpUser: patch.smtpUser !== undefined ? patch.smtpUser : flat.smtpUser,
          mailFrom: patch.mailFrom !== undefined ? patch.mailFrom : flat.mailFrom,
          mailTo: patch.mailTo ?? flat.mailTo,
        };
        const missing: Record<string, string> | null =
          current.kind === 'webhook'
            ? !merged.url
              ? { url: 'Enter the URL the alerts are POSTed to.' }
              : null
            : !merged.smtpHost
              ? { smtpHost: 'Enter the SMTP server host.' }
              : !merged.mailFrom
                ? { mailFrom: 'Enter the sender address.' }
                : merged.mailTo!.length === 0
                  ? { mailTo: 'Enter at least one recipient.' }
                  : null;
        if (missing) return fail('validation', 'Some fields are not valid.', missing);
        const secretPatch = current.kind === 'webhook' ? patch.secret : patch.smtpPassword;
        const secret = secretPatch === null ? null : typeof secretPatch === 'string' && secretPatch !== '' ? sealSecret(secretPatch, keyring) : current.secret;
        const next = { name: patch.name ?? current.name, kind: current.kind, enabled: patch.enabled ?? current.enabled, config: configOf(current.kind, merged), secret };
        const before = audited(current);
        const after = audited(next);
        // A new secret is a change even when it is the same text (sealed anew, it cannot be compared).
        const secretField = current.kind === 'webhook' ? 'secret' : 'smtpPassword';
        const changes = diffChanges<Record<string, unknown>>(before, after, channelSecretKeys);
        if (typeof secretPatch === 'string' && secretPatch !== '') changes[secretField] = { before: current.secret === null ? null : 'set', after: 'changed' };
        if (Object.keys(changes).length === 0) return ok(id);
        if (next.name !== current.name) {
          const conflict = nameConflict(tx, next.name, id);
          if (conflict) return conflict;
        }
        tx.update(notificationChannels)
          .set({ name: next.name, enabled: next.enabled, config: next.config, secret: next.secret, revision: sql`${notificationChannels.revision} + 1`, updatedAt: Date.now() })
          .where(eq(notificationChannels.id, id))
          .run();
        const keys = Object.keys(changes);
        const action = keys.length === 1 && keys[0] === 'enabled' ? (next.enabled ? 'enable' : 'disable') : 'update';
        recordAudit(tx, actor, { action, entityType: 'notification_channel', entityId: id, entityLabel: next.name, changes });
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    return ok(getChannel(db, id)!);
  } catch (err) {
    const mapped = patch.name !== undefined ? uniqueNameError(db, err, patch.name, id) : null;
    if (mapped) return mapped;
    throw err;
  }
}

/** Deletes a channel with its delivery log (alerts stay). */
export function deleteChannel(db: Db, id: number, actor: Actor): ActionResult<{ id: number }> {
  return db.transaction(
    (tx) => {
      const current = tx.select().from(notificationChannels).where(eq(notificationChannels.id, id)).get();
      if (!current) return fail('not_found', `Notification channel #${id} does not exist.`);
      tx.delete(notificationChannels).where(eq(notificationChannels.id, id)).run();
      recordAudit(tx, actor, { action: 'delete', entityType: 'notification_channel', entityId: id, entityLabel: current.name, changes: removedChanges(audited(current), channelSecretKeys) });
      return ok({ id });
    },
    { behavior: 'immediate' },
  );
}

/** What a sender needs: the settings and the secret in clear (null when none, or when no configured key opens it). */
export type ChannelTarget =
  | { id: number; name: string; kind: 'webhook'; config: WebhookConfig; secret: string | null; secretUnreadable: boolean }
  | { id: number; name: string; kind: 'email'; config: EmailConfig; secret: string | null; secretUnreadable: boolean };

export function channelTarget(row: NotificationChannelRow, keyring: Keyring): ChannelTarget {
  let secret: string | null = null;
  let secretUnreadable = false;
  if (row.secret !== null) {
    try {
      secret = openSecret(row.secret, keyring);
    } catch {
      secretUnreadable = true;
    }
  }
  return { id: row.id, name: row.name, kind: row.kind, config: row.config, secret, secretUnreadable } as ChannelTarget;
}
