/**
 * What the alert evaluator reads and writes (database handle passed in). Everything it decides
 * from is in the database, so it gives the same answer in any process, after a restart, and
 * whether the engine runs in the portal or apart.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import type { Conn } from '../db/conn';
import { alerts, type AlertRow } from '../db/schema';
import { recordAudit } from '../audit/record';
import { systemActor } from '../auth/principal';
import { registrationLabel } from '../audit/entities';
import { enqueueAlertDeliveries } from './delivery-queries';
import type { Candidate, Decision, OpenAlert, ProviderTotal } from './rules';

/** States that end a failure: the binding is back, or nobody wants it (disabled, unregistered on purpose). */
const RESET_STATES = `('registered','disabled','unregistered')`;
const FAILURE_STATES = new Set(['retrying', 'rejected']);

type CandidateRow = {
  registrationId: number;
  providerId: number;
  providerName: string;
  holdS: number | null;
  username: string;
  domain: string;
  ddi: string;
  state: string;
  code: number | null;
  reason: string | null;
  at: number;
  expiresAt: number | null;
  firstFailureAt: number | null;
};

/**
 * Enabled registrations that are not plainly registered now (a `registered` one past its
 * `expiresAt` has lapsed: failing since then), with since when they fail: their first
 * `retrying`/`rejected` on the timeline after they were last registered, disabled or
 * unregistered. `registering`/`pending` after a failure is still failing; before any, it is not.
 */
export function loadCandidates(db: Conn, now: number, defaultHoldMs: number): Candidate[] {
  const rows = db.all<CandidateRow>(sql`
    select r.id as registrationId, r.ddi_provider_id as providerId, p.name as providerName, p.alert_hold_s as holdS,
      r.username, r.domain, r.ddi, s.state, s.code, s.reason, s.at, s.expires_at as expiresAt,
      (select min(e.at) from registration_events e
        where e.registration_id = r.id and e.state in ('retrying','rejected')
          and e.id > coalesce((select max(o.id) from registration_events o where o.registration_id = r.id and o.state in ${sql.raw(RESET_STATES)}), 0)
      ) as firstFailureAt
    from registration_status s
    join registrations r on r.id = s.registration_id
    join ddi_providers p on p.id = r.ddi_provider_id
    where r.enabled = 1
      and (s.state in ('pending','registering','retrying','rejected','unregistering')
        or (s.state = 'registered' and s.expires_at is not null and s.expires_at <= ${now}))`);
  return rows.map((r) => {
    let failingSince: number | null;
    if (r.state === 'registered') failingSince = r.expiresAt;
    else if (FAILURE_STATES.has(r.state)) failingSince = r.firstFailureAt ?? r.at;
    else failingSince = r.firstFailureAt;
    const lapsed = r.state === 'registered';
    return {
      registrationId: r.registrationId,
      providerId: r.providerId,
      providerName: r.providerName,
      label: registrationLabel(r),
      state: lapsed ? 'retrying' : r.state,
      code: lapsed ? null : r.code,
      reason: lapsed ? 'expired' : r.reason,
      failingSince,
      holdMs: r.holdS !== null ? r.holdS * 1000 : defaultHoldMs,
    };
  });
}

/** Enabled registrations per provider (providers without any are left out). */
export function loadProviderTotals(db: Conn): ProviderTotal[] {
  return db.all<ProviderTotal>(sql`
    select p.id as providerId, p.name as name, count(r.id) as enabled
    from ddi_providers p join registrations r on r.ddi_provider_id = p.id and r.enabled = 1
    group by p.id`);
}

export function loadOpenAlerts(db: Conn): OpenAlert[] {
  return db
    .select({ id: alerts.id, key: alerts.key, scope: alerts.scope, subjectId: alerts.subjectId, providerId: alerts.providerId, currentCount: alerts.currentCount })
    .from(alerts)
    .where(eq(alerts.state, 'open'))
    .all();
}

export type Applied = { opened: AlertRow[]; resolved: AlertRow[]; deliveries: number };

/**
 * Applies a decision in one write transaction: opens (at most one open alert per key: the
 * unique index makes a concurrent or repeated open a no-op), resolves (only what is still open),
 * recounts; each opened or resolved alert gets its audit entry and one delivery per enabled channel.
 */
export function applyDecision(db: Db, decision: Decision, now: number): Applied {
  return db.transaction(
    (tx) => {
      const applied: Applied = { opened: [], resolved: [], deliveries: 0 };
      for (const o of decision.open) {
        const row = tx
          .insert(alerts)
          .values({ ...o, state: 'open', currentCount: o.count, openedAt: now })
          .onConflictDoNothing()
          .returning()
          .get();
        if (!row) continue;
        applied.opened.push(row);
        recordAudit(tx, systemActor, { action: 'open', entityType: 'alert', entityId: row.id, entityLabel: row.summary, changes: { state: { before: null, after: 'open' }, failingSince: { before: null, after: row.failingSince } } }, now);
        applied.deliveries += enqueueAlertDeliveries(tx, row, 'opened', now);
      }
      for (const r of decision.resolve) {
        const row = tx
          .update(alerts)
          .set({ state: 'resolved', resolvedAt: now })
          .where(and(eq(alerts.id, r.id), eq(alerts.state, 'open')))
          .returning()
          .get();
        if (!row) continue;
        applied.resolved.push(row);
        recordAudit(tx, systemActor, { action: 'resolve', entityType: 'alert', entityId: row.id, entityLabel: row.summary, changes: { state: { before: 'open', after: 'resolved' } } }, now);
        applied.deliveries += enqueueAlertDeliveries(tx, row, 'resolved', now);
      }
      for (const c of decision.recount) tx.update(alerts).set({ currentCount: c.count }).where(and(eq(alerts.id, c.id), eq(alerts.state, 'open'))).run();
      return applied;
    },
    { behavior: 'immediate' },
  );
}
