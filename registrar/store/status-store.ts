// Persists engine output: the latest status per registration, the timeline of transitions and
// the recent (redacted) SIP messages worth keeping. A steady state costs almost nothing:
//  - a refresh that changes nothing (same state, code, reason and server; only the expiry and
//    the next attempt moved) updates the status row but writes no timeline row, so the live
//    stream (which tails the timeline) pushes nothing either;
//  - the SIP messages of an exchange are held here until its outcome is known, and written only
//    when it ended in a transition or a failure, or when the registration is watched (someone has
//    its SIP messages open: a `watch` lease from the journal), or as a sample of a routine
//    exchange at most every `routineTraceMs` per registration, which replaces the previous
//    sample (so routine refreshes never grow the table). The rest stay in the engine's in-memory
//    ring (Engine.trace), which a new watch copies in.
//  - a request's retransmissions (Timer E) are told once its transaction ended: they go on the
//    request's own message while it is held or queued, else one UPDATE of its row; never a row
//    per retransmission.
// Writes are batched, and a batch is committed in transactions of at most `writeChunk` rows,
// yielding to the event loop between them, so a burst never stalls the SIP transactions that
// share the loop for long.
import type Database from 'better-sqlite3';
import type { RegistrationState, RegistrationStatus, TraceEntry, TraceEvent, TraceRetransmits } from '../registration/status';

export interface StatusStoreOptions {
  /** SIP messages kept per registration. */
  traceKeep?: number;
  /** Timeline retention, ms (default 8 days: covers the 7-day availability figure). */
  eventRetentionMs?: number;
  /** A routine exchange's messages are written at most this often per registration, ms (default 10 min). */
  routineTraceMs?: number;
  /** Rows committed per transaction before yielding to the event loop (default 50: ≈ 1 ms each, measured by tests/bench/store-burst.ts). */
  writeChunk?: number;
  /** Wall clock (tests). */
  now?: () => number;
}

/** Messages of an exchange whose outcome no status followed (binding audits, OPTIONS) are settled as routine after this long. */
const OPEN_HOLD_MS = 40_000;

type StatusParams = [
  number, string, number | null, string | null, number, number, number, number | null,
  number | null, number | null, string | null, number | null, number,
];

/** What makes a timeline entry: a status differing in one of these from the last one written is a transition. */
interface Transition {
  state: RegistrationState;
  code: number | null;
  reason: string | null;
  target: string | null;
  at: number;
}

interface QueuedStatus {
  status: RegistrationStatus;
  /** A transition: also appended to the timeline. */
  event: boolean;
}

/**
 * A message to write; `sample` marks one of a routine exchange (it replaces the registration's
 * previous sample). `amend`: not a message but the retransmissions of one already written.
 */
type QueuedTrace = (TraceEvent & { sample?: number; amend?: undefined }) | { amend: TraceRetransmits; registrationId: string };

interface OpenExchange {
  since: number;
  items: TraceEvent[];
}

export class StatusStore {
  private readonly upsertStatus: Database.Statement<StatusParams>;
  private readonly insertEvent: Database.Statement<
    [number, string, number | null, string | null, number, number | null, number | null, string | null]
  >;
  private readonly insertTrace: Database.Statement<[number, string, number, string, string, string | null, number]>;
  private readonly amendTrace: Database.Statement<[string, number, number]>;
  private readonly pruneTraces: Database.Statement<[number, number, number]>;
  private readonly lastTraceAt: Database.Statement<[number], { at: number | null }>;
  private readonly pruneEvents: Database.Statement<[number]>;
  private readonly writeBatch: (statuses: QueuedStatus[], traces: QueuedTrace[]) => void;
  private readonly deleteTraces: Database.Statement<[number, number, number]>;
  private readonly traceKeep: number;
  private readonly eventRetentionMs: number;
  private readonly routineTraceMs: number;
  private readonly writeChunk: number;
  private readonly now: () => number;
  private statuses: QueuedStatus[] = [];
  private traces: QueuedTrace[] = [];
  /** The batch being written chunk by chunk, with how far it got. */
  private batch: { statuses: QueuedStatus[]; traces: QueuedTrace[]; s: number; t: number } = { statuses: [], traces: [], s: 0, t: 0 };
  /** Rows of the routine sample stored last per registration (replaced by the next one). */
  private readonly sampleRows = new Map<number, { sample: number; from: number; to: number }>();
  private sampleSeq = 0;
  private readonly lastTransition = new Map<number, Transition>();
  private readonly open = new Map<number, OpenExchange>();
  private readonly tracedAt = new Map<number, number>();
  private readonly watchedUntil = new Map<number, number>();
  private draining = false;
  /** Called after each transaction that wrote something (the live stream wakes up on it). */
  onFlush: (() => void) | null = null;
  /** A chunk written after yielding failed (the first chunk of a flush throws to its caller). */
  onError: ((err: unknown) => void) | null = null;
  /** Rows written and what was left out, for benchmarks and metrics. */
  readonly counters = { statusRows: 0, eventRows: 0, traceRows: 0, traceAmends: 0, tracesDropped: 0, transactions: 0 };

  constructor(sqlite: Database.Database, options: StatusStoreOptions = {}) {
    this.traceKeep = options.traceKeep ?? 40;
    this.eventRetentionMs = options.eventRetentionMs ?? 8 * 24 * 3600 * 1000;
    this.routineTraceMs = options.routineTraceMs ?? 10 * 60 * 1000;
    this.writeChunk = Math.max(1, options.writeChunk ?? 50);
    this.now = options.now ?? Date.now;
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
      INSERT INTO registration_traces (registration_id, direction, at, remote, text, retransmits)
      SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?)`);
    // The newest request of the registration sent at `at` (the index covers registration_id, id).
    this.amendTrace = sqlite.prepare(`
      UPDATE registration_traces SET retransmits = ? WHERE id = (
        SELECT id FROM registration_traces WHERE registration_id = ? AND direction = 'out' AND at = ? ORDER BY id DESC LIMIT 1)`);
    this.pruneTraces = sqlite.prepare(`
      DELETE FROM registration_traces WHERE registration_id = ? AND id <= coalesce((
        SELECT id FROM registration_traces WHERE registration_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)`);
    this.lastTraceAt = sqlite.prepare('SELECT max(at) AS at FROM registration_traces WHERE registration_id = ?');
    this.pruneEvents = sqlite.prepare('DELETE FROM registration_events WHERE at < ?');
    this.deleteTraces = sqlite.prepare('DELETE FROM registration_traces WHERE registration_id = ? AND id BETWEEN ? AND ?');
    this.writeBatch = sqlite.transaction((statuses: QueuedStatus[], traces: QueuedTrace[]) => {
      for (const s of statuses) this.writeStatus(s);
      const touched = new Set<number>();
      for (const t of traces) {
        const id = Number(t.registrationId);
        if (t.amend) {
          this.amendTrace.run(JSON.stringify(t.amend.retransmits), id, t.amend.at);
          this.counters.traceAmends++;
          continue;
        }
        this.counters.traceRows++;
        const { changes, lastInsertRowid } = this.insertTrace.run(id, t.direction, t.at, t.remote, t.text, t.retransmits ? JSON.stringify(t.retransmits) : null, id);
        if (changes > 0 && t.sample !== undefined) this.keepSample(id, t.sample, Number(lastInsertRowid));
        touched.add(id);
      }
      for (const id of touched) this.pruneTraces.run(id, id, this.traceKeep);
      this.counters.transactions++;
    });
  }

  /**
   * Queues a status. A transition (state, code, reason or server differ from the last one) also
   * goes on the timeline; a refresh that changed nothing keeps the row's `at` (the transition's
   * time) and only moves its expiry and next attempt. Settles the messages of the exchange behind it.
   */
  pushStatus(status: RegistrationStatus): void {
    const id = Number(status.registrationId);
    const last = this.lastTransition.get(id);
    const changed =
      !last || last.state !== status.state || last.code !== status.code || last.reason !== status.reason || last.target !== status.target;
    if (changed) {
      this.lastTransition.set(id, { state: status.state, code: status.code, reason: status.reason, target: status.target, at: status.at });
      this.statuses.push({ status, event: true });
    } else {
      this.statuses.push({ status: { ...status, at: last.at }, event: false });
    }
    const failed = status.state === 'retrying' || status.state === 'rejected';
    this.settle(id, changed || failed, this.now());
  }

  /** Holds a message until its exchange's outcome is known (written at once for a watched registration). */
  pushTrace(trace: TraceEvent): void {
    const id = Number(trace.registrationId);
    const now = this.now();
    if (this.watched(id, now)) {
      this.traces.push(trace);
      this.tracedAt.set(id, now);
      return;
    }
    let open = this.open.get(id);
    if (!open) {
      open = { since: now, items: [] };
      this.open.set(id, open);
    }
    open.items.push(trace);
    if (open.items.length > this.traceKeep) {
      open.items.shift();
      this.counters.tracesDropped++;
    }
  }

  /**
   * A request's retransmissions, told when its transaction ended: set on its message while that
   * is held or queued here, else (written already: a watched registration) one UPDATE of its row.
   */
  pushRetransmits(r: TraceRetransmits): void {
    const id = Number(r.registrationId);
    const isIt = (t: QueuedTrace): t is TraceEvent => !t.amend && t.direction === 'out' && t.at === r.at && Number(t.registrationId) === id;
    const held = this.open.get(id)?.items.findLast(isIt) ?? this.traces.findLast(isIt) ?? this.batch.traces.slice(this.batch.t).findLast(isIt);
    if (held) held.retransmits = r.retransmits;
    else this.traces.push({ amend: r, registrationId: r.registrationId });
  }

  /**
   * Someone is looking at this registration's SIP messages until `until`: its messages are written
   * as they come. `recent` (the engine's ring) fills in what was only kept in memory so far.
   */
  watch(registrationId: string, until: number, recent: readonly TraceEntry[]): void {
    const id = Number(registrationId);
    this.watchedUntil.set(id, until);
    this.settle(id, true, this.now());
    const after = this.lastTraceAt.get(id)?.at ?? -Infinity;
    const queuedAfter = this.traces.reduce((max, t) => (!t.amend && Number(t.registrationId) === id ? Math.max(max, t.at) : max), after);
    for (const e of recent) if (e.at > queuedAfter) this.traces.push({ registrationId, ...e });
  }

  get pending(): number {
    const b = this.batch;
    return this.statuses.length + this.traces.length + (b.statuses.length - b.s) + (b.traces.length - b.t);
  }

  /** Writes everything queued now, in chunks of `writeChunk` rows (one transaction each) without yielding (shutdown, tests). */
  flush(): void {
    this.settleStale(this.now());
    while (this.pending > 0) this.writeSome();
  }

  /**
   * Writes what is queued in transactions of at most `writeChunk` rows, yielding to the event loop
   * (setImmediate) between them. The first chunk runs now and throws to the caller; a later one
   * that fails goes to onError, and what it held is lost, as with a failed flush.
   */
  drain(): void {
    this.settleStale(this.now());
    if (this.draining || this.pending === 0) return;
    this.writeSome();
    if (this.pending === 0) return;
    this.draining = true;
    const step = () => {
      // a full flush() (shutdown) may have written the rest meanwhile
      if (this.pending === 0) {
        this.draining = false;
        return;
      }
      try {
        this.writeSome();
      } catch (err) {
        this.draining = false;
        this.onError?.(err);
        return;
      }
      if (this.pending > 0) setImmediate(step);
      else this.draining = false;
    };
    setImmediate(step);
  }

  /** Drops timeline entries older than the retention bound, and leases and bookkeeping gone stale. */
  expire(now: number): void {
    this.pruneEvents.run(now - this.eventRetentionMs);
    for (const [id, until] of this.watchedUntil) if (until <= now) this.watchedUntil.delete(id);
  }

  private watched(id: number, now: number): boolean {
    const until = this.watchedUntil.get(id);
    return until !== undefined && until > now;
  }

  /** The held messages of `id`'s exchange: written when it mattered, when watched, or as the routine sample due; dropped otherwise. */
  private settle(id: number, mattered: boolean, now: number): void {
    const open = this.open.get(id);
    if (!open) return;
    this.open.delete(id);
    const last = this.tracedAt.get(id);
    if (mattered || this.watched(id, now)) {
      for (const t of open.items) this.traces.push(t);
      this.tracedAt.set(id, now);
    } else if (last === undefined || now - last >= this.routineTraceMs) {
      const sample = ++this.sampleSeq;
      // Fields copied one by one: an engine trace event's text is a getter (redacted when read).
      for (const t of open.items) {
        this.traces.push({ registrationId: t.registrationId, direction: t.direction, at: t.at, remote: t.remote, text: t.text, retransmits: t.retransmits, sample });
      }
      this.tracedAt.set(id, now);
    } else {
      this.counters.tracesDropped += open.items.length;
    }
  }

  /** Exchanges no status followed (a binding audit that found the binding, an OPTIONS) are settled as routine. */
  private settleStale(now: number): void {
    // Insertion order is arrival order of each exchange's first message: stop at the first young one.
    for (const [id, open] of this.open) {
      if (now - open.since < OPEN_HOLD_MS) break;
      this.settle(id, false, now);
    }
  }

  /** One transaction of at most `writeChunk` rows (a status with its timeline entry counts one). */
  private writeSome(): void {
    let b = this.batch;
    if (b.s >= b.statuses.length && b.t >= b.traces.length) {
      b = this.batch = { statuses: this.statuses, traces: this.traces, s: 0, t: 0 };
      this.statuses = [];
      this.traces = [];
    }
    const statuses = b.statuses.slice(b.s, b.s + this.writeChunk);
    b.s += statuses.length;
    const traces = b.traces.slice(b.t, b.t + this.writeChunk - statuses.length);
    b.t += traces.length;
    this.writeBatch(statuses, traces);
    this.onFlush?.();
  }

  private writeStatus({ status: s, event }: QueuedStatus): void {
    const id = Number(s.registrationId);
    const { changes } = this.upsertStatus.run(
      id, s.state, s.code, s.reason, s.at, s.attempts, s.requestedExpires, s.grantedExpires,
      s.expiresAt, s.nextAttemptAt, s.target, s.lastSuccessAt, id,
    );
    this.counters.statusRows += changes;
    // A deleted registration's final transitions are not kept (its timeline went with it).
    if (changes === 0) {
      this.forget(id);
      return;
    }
    if (!event) return;
    this.insertEvent.run(id, s.state, s.code, s.reason, s.at, s.expiresAt, s.nextAttemptAt, s.target);
    this.counters.eventRows++;
  }

  /** Rows of a routine sample: the registration's previous sample is deleted when its next one is stored. */
  private keepSample(id: number, sample: number, rowId: number): void {
    const kept = this.sampleRows.get(id);
    if (kept?.sample === sample) {
      kept.to = rowId;
      return;
    }
    if (kept) this.deleteTraces.run(id, kept.from, kept.to);
    this.sampleRows.set(id, { sample, from: rowId, to: rowId });
  }

  private forget(id: number): void {
    this.sampleRows.delete(id);
    this.lastTransition.delete(id);
    this.tracedAt.delete(id);
    this.watchedUntil.delete(id);
    this.open.delete(id);
  }
}
