/**
 * Live-status data access (timeline, uptime, SIP trace) and operator commands, with the database
 * handle passed in. No 'server-only' here so tests can use it; the app goes through
 * ./live-queries.ts and ./live-actions.ts.
 */
import { and, desc, eq, gte, lt } from 'drizzle-orm';
import type { Db } from '../db/client';
import { first } from '../db/conn';
import { registrationChanges, registrationEvents, registrations, registrationTraces, type RegistrationCommand } from '../db/schema';
import { fail, ok, type ActionResult } from '../api/result';
import type { Actor } from '../auth/principal';
import { registrationLabel } from '../audit/entities';
import { recordAudit } from '../audit/record';
import { nudgeRegistrar } from './service';
import { registeredRatio } from './uptime';

const DAY_MS = 24 * 3600 * 1000;

/** Newest first. */
export async function listEvents(db: Db, id: number, limit: number) {
  return await db
    .select({
      id: registrationEvents.id,
      state: registrationEvents.state,
      code: registrationEvents.code,
      reason: registrationEvents.reason,
      at: registrationEvents.at,
      expiresAt: registrationEvents.expiresAt,
      nextAttemptAt: registrationEvents.nextAttemptAt,
      target: registrationEvents.target,
    })
    .from(registrationEvents)
    .where(eq(registrationEvents.registrationId, id))
    .orderBy(desc(registrationEvents.id))
    .limit(limit);
}

async function ratioSince(db: Db, id: number, from: number, now: number): Promise<number | null> {
  const before =
    (await first(
      db
        .select({ state: registrationEvents.state, at: registrationEvents.at })
        .from(registrationEvents)
        .where(and(eq(registrationEvents.registrationId, id), lt(registrationEvents.at, from)))
        .orderBy(desc(registrationEvents.id))
        .limit(1),
    )) ?? null;
  const points = await db
    .select({ state: registrationEvents.state, at: registrationEvents.at })
    .from(registrationEvents)
    .where(and(eq(registrationEvents.registrationId, id), gte(registrationEvents.at, from)))
    .orderBy(registrationEvents.id);
  return registeredRatio(before, points, from, now);
}

/** Share of time `registered` over the last 24 hours and 7 days (null: no data). */
export async function uptime(db: Db, id: number, now = Date.now()) {
  return { last24h: await ratioSince(db, id, now - DAY_MS, now), last7d: await ratioSince(db, id, now - 7 * DAY_MS, now) };
}

/** Recent SIP messages, oldest first; already redacted by the engine. */
export async function listTrace(db: Db, id: number) {
  return await db
    .select({
      id: registrationTraces.id,
      direction: registrationTraces.direction,
      at: registrationTraces.at,
      remote: registrationTraces.remote,
      text: registrationTraces.text,
      retransmits: registrationTraces.retransmits,
    })
    .from(registrationTraces)
    .where(eq(registrationTraces.registrationId, id))
    .orderBy(registrationTraces.id);
}

/** A `watch` journal entry is renewed at most this often per registration (the engine's lease lasts longer). */
export const WATCH_RENEW_MS = 60_000;

/**
 * Tells the engine someone is reading this registration's SIP messages: routine exchanges are
 * otherwise kept in its memory only, and written for a while after this (a lease, renewed by the
 * page's reads). One journal row per registration per WATCH_RENEW_MS at most. True when written.
 */
export async function watchTrace(db: Db, id: number, now = Date.now()): Promise<boolean> {
  const recent = await first(
    db
      .select({ seq: registrationChanges.seq })
      .from(registrationChanges)
      .where(and(eq(registrationChanges.registrationId, id), eq(registrationChanges.command, 'watch'), gte(registrationChanges.at, now - WATCH_RENEW_MS)))
      .limit(1),
  );
  if (recent) return false;
  await db.insert(registrationChanges).values({ registrationId: id, command: 'watch', at: now });
  nudgeRegistrar();
  return true;
}

export async function registrationExists(db: Db, id: number): Promise<boolean> {
  return (await first(db.select({ id: registrations.id }).from(registrations).where(eq(registrations.id, id)))) !== undefined;
}

const commandActions = { register: 'register_now', unregister: 'unregister' } as const;

/** Queues "register now" / "unregister" for the engine (it tails the journal), audited as `actor`. */
export async function queueCommand(
  db: Db,
  id: number,
  command: Exclude<RegistrationCommand, 'sync' | 'watch' | 'test'>,
  actor: Actor,
): Promise<ActionResult<{ queued: true }>> {
  const outcome = await db.transaction(
    async (tx) => {
      const row = await first(
        tx
          .select({ enabled: registrations.enabled, username: registrations.username, domain: registrations.domain, ddi: registrations.ddi })
          .from(registrations)
          .where(eq(registrations.id, id)),
      );
      if (!row) return fail('not_found', 'This registration does not exist.');
      if (!row.enabled) return fail('conflict', 'This registration is disabled: enable it first.', { enabled: 'Disabled registrations are not registered.' });
      await tx.insert(registrationChanges).values({ registrationId: id, command });
      await recordAudit(tx, actor, { action: commandActions[command], entityType: 'registration', entityId: id, entityLabel: registrationLabel(row) });
      return ok({ queued: true as const });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome) nudgeRegistrar();
  return outcome;
}

