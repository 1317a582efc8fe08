// Persists engine output: the latest status per registration, the timeline of transitions and
// the recent (redacted) SIP messages. Writes are batched into one transaction per flush so a
// burst of thousands of transitions costs a handful of commits.
import type Database from 'better-sqlite3';
import type { RegistrationStatus, TraceEvent } from '../registration/status';

export interface StatusStoreOptions {
  /** SIP messages kept per registration. */
  traceKeep?: number;
  /** Timeline retention, ms (default 8 days: covers the 7-day availability figure). */
  eventRetentionMs?: number;
}

type StatusParams = [
  number, string, number | null, string | null, number, number, number, number | null,
  number | null, number | null, string | null, number | null, number,
];

export class StatusStore {
  private readonly upsertStatus: Database.Statement<StatusParams>;
  private readonly insertEvent: Database.Statement<
    [number, string, number | null, string | null, number, number | null, number | null, string | null]
  >;
  private readonly insertTrace: Database.Statement<[number, string, number, string, string, number]>;
  private readonly pruneTraces: Database.Statement<[number, number, number]>;
  private readonly pruneEvents: Database.Statement<[number]>;
  private readonly writeBatch: (statuses: RegistrationStatus[], traces: TraceEvent[]) => void;
  private readonly traceKeep: number;
  private readonly eventRetentionMs: number;
  private statuses: RegistrationStatus[] = [];
  private traces: TraceEvent[] = [];
  /** Called after each flush that wrote something (the live stream wakes up on it). */
  onFlush: (() => void) | null = null;

  constructor(sqlite: Database.Database, options: StatusStoreOptions = {}) {
    this.traceKeep = options.traceKeep ?? 40;
    this.eventRetentionMs = options.eventRetentionMs ?? 8 * 24 * 3600 * 1000;
    // Anonymous `?` only: better-sqlite3 treats `?NNN` as a *named* parameter and refuses
    // positional values for it ("Too many parameter values were provided").
    this.upsertStatus = sqlite.prepare(`
      INSERT INTO registration_status (registration_id, state, code, reason, at, attempts, requested_expires,
        granted_expires, expires_at, next_attempt_at, target, last_success_at)
      SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
      WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?)
      ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code,
        reason = excluded.reason, at = excluded.at, attempts = excluded.attempts,
        requested_expires = excluded.requested_expires, granted_expires = excluded.granted_expires,
        expires_at = excluded.expires_at, next_attempt_at = excluded.next_attempt_at,
        target = excluded.target, last_success_at = excluded.last_success_at`);
    this.insertEvent = sqlite.prepare(`
      INSERT INTO registration_events (registration_id, state, code, reason, at, expires_at, next_attempt_at, target)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertTrace = sqlite.prepare(`
      INSERT INTO registration_traces (registration_id, direction, at, remote, text)
      SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?)`);
    this.pruneTraces = sqlite.prepare(`
      DELETE FROM registration_traces WHERE registration_id = ? AND id <= coalesce((
        SELECT id FROM registration_traces WHERE registration_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)`);
    this.pruneEvents = sqlite.prepare('DELETE FROM registration_events WHERE at < ?');
    this.writeBatch = sqlite.transaction((statuses: RegistrationStatus[], traces: TraceEvent[]) => {
      for (const s of statuses) this.writeStatus(s);
      const touched = new Set<number>();
      for (const t of traces) {
        const id = Number(t.registrationId);
        this.insertTrace.run(id, t.direction, t.at, t.remote, t.text, id);
        touched.add(id);
      }
      for (const id of touched) this.pruneTraces.run(id, id, this.traceKeep);
    });
  }

  pushStatus(status: RegistrationStatus): void {
    this.statuses.push(status);
  }

  pushTrace(trace: TraceEvent): void {
    this.traces.push(trace);
  }

  get pending(): number {
    return this.statuses.length + this.traces.length;
  }

  /** Writes everything queued in one transaction. */
  flush(): void {
    if (this.pending === 0) return;
    const statuses = this.statuses;
    const traces = this.traces;
    this.statuses = [];
    this.traces = [];
    this.writeBatch(statuses, traces);
    this.onFlush?.();
  }

  /** Drops timeline entries older than the retention bound. */
  expire(now: number): void {
    this.pruneEvents.run(now - this.eventRetentionMs);
  }

  private writeStatus(s: RegistrationStatus): void {
    const id = Number(s.registrationId);
    const { changes } = this.upsertStatus.run(
      id, s.state, s.code, s.reason, s.at, s.attempts, s.requestedExpires, s.grantedExpires,
      s.expiresAt, s.nextAttemptAt, s.target, s.lastSuccessAt, id,
    );
    // A deleted registration's final transitions are not kept (its timeline went with it).
    if (changes === 0) return;
    this.insertEvent.run(id, s.state, s.code, s.reason, s.at, s.expiresAt, s.nextAttemptAt, s.target);
  }
}
