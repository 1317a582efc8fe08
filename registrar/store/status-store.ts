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
// Writes are batched, and a batch is committed in transactions of at most `writeChunk` rows.
// The SQL is in status-writer.ts. With `writeThread` (what the registrar runs) the batches go to
// a worker thread with its own connection (write-worker.ts), so the SIP transactions that share
// this event loop never wait for SQLite: measured with tests/bench/product.ts, the writes were
// the largest share of the loop's long tasks during a 10,000 burst. Inline (tests, tools), the
// chunks run here, yielding to the event loop between them.
//
// Public interface (what another database backend keeps): pushStatus, pushTrace, watch, drain,
// flush, expire, close, pending, counters, onFlush, onError.
import type Database from 'better-sqlite3';
import type { BindingState } from '../registration/config';
import type { RegistrationState, RegistrationStatus, TraceEntry, TraceEvent, TraceRetransmits } from '../registration/status';
import { StatusWriter, type StatusRow, type TraceRow, type WriteOutcome } from './status-writer';
import { WriteThread, type WriteResult } from './write-thread';

export interface StatusStoreOptions {
  /** SIP messages kept per registration. */
  traceKeep?: number;
  /** Timeline retention, ms (default 8 days: covers the 7-day availability figure). */
  eventRetentionMs?: number;
  /** A routine exchange's messages are written at most this often per registration, ms (default 10 min). */
  routineTraceMs?: number;
  /**
   * Rows committed per transaction. Inline, before yielding to the event loop (default 50: ≈ 1 ms
   * each, measured by tests/bench/store-burst.ts); in the write thread, which blocks no event loop,
   * default 500 (≈ 2.5 ms of the database's write lock each: the 80,000 rows of 10,000 first
   * registrations cost it 323–406 ms of CPU instead of 447–642 with 50, tests/bench/writer.ts).
   */
  writeChunk?: number;
  /** Wall clock (tests). */
  now?: () => number;
  /**
   * Write in a worker thread with its own connection to this database file (the registrar does);
   * default false: inline, in this thread. Not for an in-memory database.
   */
  writeThread?: boolean;
}

/**
 * Fencing for engine nodes sharing registrations (registrar/cluster/): every row is written under
 * the lease token this node holds for its registration when the row is handed to the database,
 * and refused there unless that token is still current; a registration this node does not hold
 * (token null) has nothing written at all. With each status the binding as sent so far goes to
 * the lease row. Without fencing (tests, tools) rows are written while their registration exists.
 */
export interface Fencing {
  token(registrationId: string): number | null;
  binding(registrationId: string): BindingState | null;
}

/** Default rows per transaction in the write thread (StatusStoreOptions.writeChunk). */
const THREAD_WRITE_CHUNK = 500;

/**
 * Rows per message to the write thread; drain() posts one per event-loop turn. In profiles of
 * the 10,000 burst (tests/bench/profile-top.ts --longest, wall time with preemption), a stretch
 * inside post() lasted up to 25.5 ms with 2,000 rows (p99 7.3), up to 6.8–10.9 ms with 500 (p99 5.1–6.1).
 */
const POST_ROWS = 500;

/** Messages of an exchange whose outcome no status followed (binding audits, OPTIONS) are settled as routine after this long. */
const OPEN_HOLD_MS = 40_000;

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

/** A message to write; `sample` marks one of a routine exchange (it replaces the registration's previous sample). */
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
  private readonly lastTraceAt: Database.Statement<[number], { at: number | null }>;
  private readonly pruneEvents: Database.Statement<[number]>;
  /** Inline writer (null with a write thread). */
  private readonly writer: StatusWriter | null;
  private readonly thread: WriteThread | null;
  private readonly traceKeep: number;
  private readonly eventRetentionMs: number;
  private readonly routineTraceMs: number;
  private readonly writeChunk: number;
  private readonly now: () => number;
  private statuses: QueuedStatus[] = [];
  private traces: QueuedTrace[] = [];
  /** The batch being written chunk by chunk, with how far it got. */
  private batch: { statuses: QueuedStatus[]; traces: QueuedTrace[]; s: number; t: number } = { statuses: [], traces: [], s: 0, t: 0 };
  private sampleSeq = 0;
  private readonly lastTransition = new Map<number, Transition>();
  private readonly open = new Map<number, OpenExchange>();
  private readonly tracedAt = new Map<number, number>();
  private readonly watchedUntil = new Map<number, number>();
  private draining = false;
  /** Called after each transaction that wrote something (the live stream wakes up on it); with a write thread, after each batch. */
  onFlush: (() => void) | null = null;
  /** A chunk written after yielding failed, or a batch in the write thread (the first chunk of an inline flush throws to its caller). */
  onError: ((err: unknown) => void) | null = null;
  /** Rows written and what was left out, for benchmarks and metrics (`fenced`: refused or not sent, the lease being another node's). */
  readonly counters = { statusRows: 0, eventRows: 0, traceRows: 0, traceAmends: 0, tracesDropped: 0, transactions: 0, fenced: 0 };
  /** See Fencing (set by the Supervisor when registrations are leased). */
  fencing: Fencing | null = null;

  constructor(sqlite: Database.Database, options: StatusStoreOptions = {}) {
    this.traceKeep = options.traceKeep ?? 40;
    this.eventRetentionMs = options.eventRetentionMs ?? 8 * 24 * 3600 * 1000;
    this.routineTraceMs = options.routineTraceMs ?? 10 * 60 * 1000;
    this.writeChunk = Math.max(1, options.writeChunk ?? (options.writeThread ? THREAD_WRITE_CHUNK : 50));
    this.now = options.now ?? Date.now;
    this.lastTraceAt = sqlite.prepare('SELECT max(at) AS at FROM registration_traces WHERE registration_id = ?');
    this.pruneEvents = sqlite.prepare('DELETE FROM registration_events WHERE at < ?');
    if (options.writeThread) {
      if (sqlite.memory) throw new Error('StatusStore: writeThread needs a database file, not an in-memory database');
      this.writer = null;
      this.thread = new WriteThread({ databasePath: sqlite.name, traceKeep: this.traceKeep, writeChunk: this.writeChunk }, (r) => this.taken(r));
    } else {
      this.writer = new StatusWriter(sqlite, this.traceKeep);
      this.thread = null;
    }
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
      trace.persisted?.();
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
   * is held or queued here, else (written already, or handed to the write thread) one UPDATE of
   * its row, after it.
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
    // What the write thread holds must be in the table before it is compared (a watch is rare: an operator opens a page).
    this.thread?.wait();
    const after = this.lastTraceAt.get(id)?.at ?? -Infinity;
    const queuedAfter = this.traces.reduce((max, t) => (!t.amend && Number(t.registrationId) === id ? Math.max(max, t.at) : max), after);
    for (const e of recent) if (e.at > queuedAfter) this.traces.push({ registrationId, ...e });
  }

  /** Rows queued or being written. */
  get pending(): number {
    const b = this.batch;
    return this.statuses.length + this.traces.length + (b.statuses.length - b.s) + (b.traces.length - b.t) + (this.thread?.inFlight ?? 0);
  }

  /**
   * Writes everything queued now, in chunks of `writeChunk` rows (one transaction each) without
   * yielding (shutdown, tests); with a write thread, hands it over and waits until it is written.
   */
  flush(): void {
    this.settleStale(this.now());
    if (this.thread) {
      while (this.post());
      this.thread.wait();
      return;
    }
    while (this.pending > 0) this.writeSome();
  }

  /** Stops the write thread (after a flush, at shutdown). */
  async close(): Promise<void> {
    await this.thread?.close();
  }

  /**
   * Writes what is queued in transactions of at most `writeChunk` rows, yielding to the event loop
   * (setImmediate) between them. The first chunk runs now and throws to the caller; a later one
   * that fails goes to onError, and what it held is lost, as with a failed flush. With a write
   * thread, posts it there in batches of POST_ROWS rows, one per event-loop turn (failures go to onError).
   */
  drain(): void {
    this.settleStale(this.now());
    if (this.thread) {
      if (this.draining || !this.post()) return;
      this.draining = true;
      const next = () => {
        if (this.post()) setImmediate(next);
        else this.draining = false;
      };
      setImmediate(next);
      return;
    }
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
      for (const t of open.items) {
        this.traces.push(t);
        t.persisted?.();
      }
      this.tracedAt.set(id, now);
    } else if (last === undefined || now - last >= this.routineTraceMs) {
      const sample = ++this.sampleSeq;
      // Fields copied one by one: an engine trace event's text is a getter (redacted when read).
      for (const t of open.items) {
        this.traces.push({ registrationId: t.registrationId, direction: t.direction, at: t.at, remote: t.remote, text: t.text, retransmits: t.retransmits, sample });
        t.persisted?.();
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
    this.account((this.writer as StatusWriter).write(this.statusRows(statuses), this.traceRows(traces)));
    this.onFlush?.();
  }

  /**
   * Hands the write thread one batch of at most POST_ROWS queued rows (converting and copying a
   * batch to the thread costs this thread ≈ 1 µs a row: the 500,000 rows of 100,000 first
   * registrations in one message blocked it for over a second). Whether it posted anything.
   */
  private post(): boolean {
    if (this.statuses.length === 0 && this.traces.length === 0) return false;
    const statuses = this.statuses.splice(0, POST_ROWS);
    const traces = this.traces.splice(0, POST_ROWS - statuses.length);
    (this.thread as WriteThread).post(this.statusRows(statuses), this.traceRows(traces));
    return true;
  }

  /** A batch answered by the write thread. */
  private taken(result: WriteResult): void {
    if (result.error !== undefined) {
      this.onError?.(new Error(result.error));
      return;
    }
    this.account(result.outcome);
    this.onFlush?.();
  }

  private account(outcome: WriteOutcome): void {
    this.counters.statusRows += outcome.statusRows;
    this.counters.eventRows += outcome.eventRows;
    this.counters.traceRows += outcome.traceRows;
    this.counters.traceAmends += outcome.traceAmends;
    this.counters.transactions += outcome.transactions;
    this.counters.fenced += outcome.fenced;
    for (const id of outcome.deleted) this.forget(id);
  }

  /** The rows of queued statuses, each with its fence; those of registrations not held here are left out. */
  private statusRows(queued: readonly QueuedStatus[]): StatusRow[] {
    const fencing = this.fencing;
    if (!fencing) return queued.map((q) => statusRow(q, null, null));
    const out: StatusRow[] = [];
    for (const q of queued) {
      const token = fencing.token(q.status.registrationId);
      if (token === null) this.counters.fenced++;
      else out.push(statusRow(q, token, fencing.binding(q.status.registrationId)));
    }
    return out;
  }

  private traceRows(queued: readonly QueuedTrace[]): TraceRow[] {
    const fencing = this.fencing;
    if (!fencing) return queued.map((t) => traceRow(t, null));
    const out: TraceRow[] = [];
    for (const t of queued) {
      const token = fencing.token(t.registrationId);
      if (token === null) this.counters.fenced++;
      else out.push(traceRow(t, token));
    }
    return out;
  }

  private forget(id: number): void {
    this.lastTransition.delete(id);
    this.tracedAt.delete(id);
    this.watchedUntil.delete(id);
    this.open.delete(id);
  }
}

function statusRow({ status: s, event }: QueuedStatus, token: number | null, binding: BindingState | null): StatusRow {
  return [
    Number(s.registrationId), s.state, s.code, s.reason, s.at, s.attempts, s.requestedExpires, s.grantedExpires,
    s.expiresAt, s.nextAttemptAt, s.target, s.lastSuccessAt, event,
    token, binding?.callId ?? null, binding?.cseq ?? null, binding?.contact ?? null,
  ];
}

/** Reads `text` (an engine trace event redacts it when read). */
function traceRow(t: QueuedTrace, token: number | null): TraceRow {
  if (t.amend) return [Number(t.registrationId), 'amend', t.amend.at, JSON.stringify(t.amend.retransmits), token];
  return [Number(t.registrationId), t.direction, t.at, t.remote, t.text, t.sample ?? 0, t.retransmits ? JSON.stringify(t.retransmits) : null, token];
}
