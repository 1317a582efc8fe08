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
/**
 * What the timeline said about a registration's current status (its state and `at`): the first
 * failure after it was last fine. Valid while the status is the same; a memo the evaluator keeps
 * between rounds so a long outage does not re-read every timeline every few seconds (after a
 * restart it is rebuilt from the database).
 */
export type FirstFailureMemo = Map<number, { state: string; at: number; first: number | null }>;

export function loadCandidates(db: Conn, now: number, defaultHoldMs: number, memo: FirstFailureMemo = new Map()): Candidate[] {
  const rows = db.all<Omit<CandidateRow, 'firstFailureAt'>>(sql`
    select r.id as registrationId, r.ddi_provider_id as providerId, p.name as providerName, p.alert_hold_s as holdS,
      r.username, r.domain, r.ddi, s.state, s.code, s.reason, s.at, s.expires_at as expiresAt
    from registration_status s
    join registrations r on r.id = s.registration_id
    join ddi_providers p on p.id = r.ddi_provider_id
    where r.enabled = 1
      and (s.state in ('pending','registering','retrying','rejected','unregistering')
        or (s.state = 'registered' and s.expires_at is not null and s.expires_at <= ${now}))`);
  const fresh = (r: (typeof rows)[number]) => {
    const m = memo.get(r.registrationId);
    return m !== undefined && m.state === r.state && m.at === r.at;
  };
  const read = firstFailures(db, rows.filter((r) => r.state !== 'registered' && !fresh(r)).map((r) => r.registrationId));
  const seen = new Set<number>();
  const candidates = rows.map((r) => {
    seen.add(r.registrationId);
    let first: number | null;
    if (r.state === 'registered') first = null;
    else if (fresh(r)) first = memo.get(r.registrationId)!.first;
    else {
      first = read.get(r.registrationId) ?? null;
      memo.set(r.registrationId, { state: r.state, at: r.at, first });
    }
    let failingSince: number | null;
    if (r.state === 'registered') failingSince = r.expiresAt;
    else if (FAILURE_STATES.has(r.state)) failingSince = first ?? r.at;
    else failingSince = first;
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
  for (const id of memo.keys()) if (!seen.has(id)) memo.delete(id);
  return candidates;
}

/**
 * For each registration, the time of its first `retrying`/`rejected` event after its last
 * registered, disabled or unregistered one (none: absent). Two grouped passes over the given
 * registrations' timeline (index on registration_id), not a subquery per row.
 */
function firstFailures(db: Conn, ids: number[]): Map<number, number> {
  if (ids.length === 0) return new Map();
  const rows = db.all<{ rid: number; first: number }>(sql`
    with ids(id) as (select value from json_each(${JSON.stringify(ids)})),
    last_ok as (
      select e.registration_id as rid, max(e.id) as ok
      from ids join registration_events e on e.registration_id = ids.id
      where e.state in ${sql.raw(RESET_STATES)}
      group by e.registration_id
    )
    select e.registration_id as rid, min(e.at) as first
    from ids join registration_events e on e.registration_id = ids.id
    left join last_ok l on l.rid = e.registration_id
    where e.state in ('retrying','rejected') and e.id > coalesce(l.ok, 0)
    group by e.registration_id`);
  return new Map(rows.map((r) => [r.rid, r.first]));
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
