// The StatusStore (status-store.ts) on the asynchronous data layer (lib/db), for PostgreSQL: the
// same policy and public interface, each batch written through drizzle in a transaction of its own.
// (SQLite keeps status-store.ts: its writes go to a worker thread with a connection of its own.)
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
// share the loop for long. Transactions run one after the other (a status is never overtaken by
// an older one), on SQLite or PostgreSQL alike (lib/db).
import { and, between, eq, inArray, lt, max, sql } from 'drizzle-orm';
import type { Db } from '../../lib/db/client';
import { rows, type Conn } from '../../lib/db/conn';
import { registrationEvents, registrationLeases, registrations, registrationStatus, registrationTraces } from '../../lib/db/schema';
import { dialectSql } from '../../lib/db/sql-dialect';
import { KeptBindings } from './kept-bindings';
import type { Fencing } from './status-store';
import type { RegistrationState, RegistrationStatus, TraceEntry, TraceEvent, TraceRetransmits } from '../registration/status';
import { yieldToIo } from '../util/yield-to-io';

export interface AsyncStatusStoreOptions {
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

export class AsyncStatusStore {
  /** The write in progress (writes run one at a time, in order), and how many rows it holds. */
  private writing: Promise<void> = Promise.resolve();
  private inFlight = 0;
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
  /** The bindings in the lease rows: an unchanged one is not written again (its token is checked FOR SHARE anyway). */
  private readonly kept = new KeptBindings();
  private draining = false;
  /** Called after each transaction that wrote something (the live stream wakes up on it). */
  onFlush: (() => void) | null = null;
  /** A chunk written after yielding failed (the first chunk of a flush throws to its caller). */
  onError: ((err: unknown) => void) | null = null;
  /** Rows written and what was left out, for benchmarks and metrics (`fenced`: refused or not sent, the lease being another node's). */
  readonly counters = { statusRows: 0, eventRows: 0, traceRows: 0, traceAmends: 0, tracesDropped: 0, transactions: 0, fenced: 0 };
  /** See Fencing in status-store.ts (set by the Supervisor when registrations are leased). */
  fencing: Fencing | null = null;

  constructor(
    private readonly db: Db,
    options: AsyncStatusStoreOptions = {},
  ) {
    this.traceKeep = options.traceKeep ?? 40;
    this.eventRetentionMs = options.eventRetentionMs ?? 8 * 24 * 3600 * 1000;
    this.routineTraceMs = options.routineTraceMs ?? 10 * 60 * 1000;
    this.writeChunk = Math.max(1, options.writeChunk ?? 50);
    this.now = options.now ?? Date.now;
  }

  /**
   * One transaction: the statuses (with their timeline entries) and the messages of registrations
   * that still exist (a deleted one's are dropped, and its bookkeeping forgotten), then the
   * messages beyond `traceKeep` per registration pruned.
   */
  private async writeBatch(queuedStatuses: QueuedStatus[], queuedTraces: QueuedTrace[]): Promise<void> {
    const statuses = this.fenced(queuedStatuses, (q) => q.status.registrationId);
    const traces = this.fenced(queuedTraces, (t) => t.registrationId);
    try {
      await this.transact(statuses, traces);
    } catch (err) {
      this.kept.clear();
      throw err;
    }
    this.counters.transactions++;
  }

  private async transact(statuses: Array<[QueuedStatus, number | null]>, traces: Array<[QueuedTrace, number | null]>): Promise<void> {
    await this.db.transaction(
      async (tx) => {
        const ids = [...new Set([...statuses.map(([q]) => Number(q.status.registrationId)), ...traces.map(([t]) => Number(t.registrationId))])];
        const existing = this.fencing ? await this.currentTokens(tx, ids) : await this.existing(tx, ids);
        const writable = (id: number, token: number | null) => {
          if (existing.has(id) && (token === null || existing.get(id) === token)) return true;
          if (token !== null) this.counters.fenced++;
          return false;
        };
        // A status followed by another of its registration here only adds its timeline row (see status-writer.ts).
        const last = new Map<string, QueuedStatus>();
        for (const [q] of statuses) last.set(q.status.registrationId, q);
        for (const [q, token] of statuses) {
          await this.writeStatus(tx, q, token, writable(Number(q.status.registrationId), token), last.get(q.status.registrationId) !== q);
        }
        const touched = new Set<number>();
        for (const [t, token] of traces) {
          const id = Number(t.registrationId);
          if (!writable(id, token)) continue;
          if (t.amend) {
            await this.amendTrace(tx, id, t.amend);
            continue;
          }
          this.counters.traceRows++;
          const [row] = await tx
            .insert(registrationTraces)
            .values({ registrationId: id, direction: t.direction, at: t.at, remote: t.remote, text: t.text, retransmits: t.retransmits ?? null })
            .returning({ id: registrationTraces.id });
          if (t.sample !== undefined) await this.keepSample(tx, id, t.sample, row!.id);
          touched.add(id);
        }
        for (const id of touched) await this.pruneTraces(tx, id);
      },
      { behavior: 'immediate' },
    );
  }

  /** The queued items with the lease token each is written under (null: unfenced); those of registrations not held here are left out. */
  private fenced<T>(queued: readonly T[], idOf: (item: T) => string): Array<[T, number | null]> {
    const fencing = this.fencing;
    if (!fencing) return queued.map((q) => [q, null]);
    const out: Array<[T, number | null]> = [];
    for (const q of queued) {
      const token = fencing.token(idOf(q));
      if (token === null) this.counters.fenced++;
      else out.push([q, token]);
    }
    return out;
  }

  /** Registrations of `ids` that exist (unfenced writes), as id → null. */
  private async existing(tx: Conn, ids: number[]): Promise<Map<number, number | null>> {
    if (ids.length === 0) return new Map();
    const found = await tx.select({ id: registrations.id }).from(registrations).where(inArray(registrations.id, ids));
    return new Map(found.map((r) => [r.id, null]));
  }

  /**
   * The current lease token of each of `ids`, the rows locked FOR SHARE on PostgreSQL until the
   * commit (a claim skips them meanwhile), so a token checked here stays current while it is used.
   */
  private async currentTokens(tx: Conn, ids: number[]): Promise<Map<number, number | null>> {
    if (ids.length === 0) return new Map();
    const list = sql.join(ids.map((id) => sql`${id}`), sql`, `);
    const found = await rows<{ registration_id: number | string; token: number | string }>(
      tx,
      sql`select registration_id, token from registration_leases where registration_id in (${list}) ${dialectSql.lockShared()}`,
    );
    return new Map(found.map((r) => [Number(r.registration_id), Number(r.token)]));
  }

  /** Sets the retransmissions on the newest request of registration `id` sent at `amend.at`. */
  private async amendTrace(tx: Conn, id: number, amend: TraceRetransmits): Promise<void> {
    const t = registrationTraces;
    const [row] = await tx
      .select({ id: t.id })
      .from(t)
      .where(and(eq(t.registrationId, id), eq(t.direction, 'out'), eq(t.at, amend.at)))
      .orderBy(sql`${t.id} desc`)
      .limit(1);
    if (row) await tx.update(t).set({ retransmits: amend.retransmits }).where(eq(t.id, row.id));
    this.counters.traceAmends++;
  }

  /** Keeps the newest `traceKeep` messages of registration `id`. */
  private async pruneTraces(tx: Conn, id: number): Promise<void> {
    const t = registrationTraces;
    const [edge] = await tx.select({ id: t.id }).from(t).where(eq(t.registrationId, id)).orderBy(sql`${t.id} desc`).limit(1).offset(this.traceKeep);
    if (edge) await tx.delete(t).where(and(eq(t.registrationId, id), sql`${t.id} <= ${edge.id}`));
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
  async watch(registrationId: string, until: number, recent: readonly TraceEntry[]): Promise<void> {
    const id = Number(registrationId);
    this.watchedUntil.set(id, until);
    this.settle(id, true, this.now());
    const [last] = await this.db.select({ at: max(registrationTraces.at) }).from(registrationTraces).where(eq(registrationTraces.registrationId, id));
    const after = last?.at ?? -Infinity;
    const queuedAfter = this.traces.reduce((max, t) => (!t.amend && Number(t.registrationId) === id ? Math.max(max, t.at) : max), after);
    for (const e of recent) if (e.at > queuedAfter) this.traces.push({ registrationId, ...e });
  }

  /** Rows queued or being written (0: everything pushed so far is committed, or lost with a failed write). */
  get pending(): number {
    const b = this.batch;
    return this.statuses.length + this.traces.length + (b.statuses.length - b.s) + (b.traces.length - b.t) + this.inFlight;
  }

  /** Writes everything queued now, in chunks of `writeChunk` rows (one transaction each) without pausing (shutdown, tests). */
  async flush(): Promise<void> {
    this.settleStale(this.now());
    while (this.pending > 0) await this.writeSome();
  }

  /**
   * Writes what is queued in transactions of at most `writeChunk` rows, yielding to the event loop
   * (setImmediate) between them. The first chunk runs now and throws to the caller; a later one
   * that fails goes to onError, and what it held is lost, as with a failed flush.
   */
  async drain(): Promise<void> {
    this.settleStale(this.now());
    if (this.draining || this.pending === 0) return;
    this.draining = true;
    try {
      await this.writeSome();
    } catch (err) {
      this.draining = false;
      throw err;
    }
    const step = async () => {
      // a full flush() (shutdown) may have written the rest meanwhile
      while (this.pending > 0) {
        await yieldToIo();
        try {
          await this.writeSome();
        } catch (err) {
          this.onError?.(err);
          return;
        }
      }
    };
    void step().finally(() => (this.draining = false));
  }

  /** Nothing to release (no thread, no connection of its own): for the interface status-store.ts has. */
  async close(): Promise<void> {}

  /** Drops timeline entries older than the retention bound, and leases and bookkeeping gone stale. */
  async expire(now: number): Promise<void> {
    await this.db.delete(registrationEvents).where(lt(registrationEvents.at, now - this.eventRetentionMs));
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
  private writeSome(): Promise<void> {
    const write = this.writing.then(() => this.writeNext());
    // the next write waits for this one, failed or not
    this.writing = write.catch(() => undefined);
    return write;
  }

  private async writeNext(): Promise<void> {
    if (this.pending === 0) return;
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
    this.inFlight = statuses.length + traces.length;
    try {
      await this.writeBatch(statuses, traces);
    } finally {
      this.inFlight = 0;
    }
    this.onFlush?.();
  }

  private async writeStatus(tx: Conn, { status: s, event }: QueuedStatus, token: number | null, writable: boolean, superseded: boolean): Promise<void> {
    const id = Number(s.registrationId);
    // A deleted registration's final transitions are not kept (its timeline went with it), nor those of one another node holds now.
    if (!writable) {
      this.forget(id);
      return;
    }
    const binding = token === null ? null : this.fencing?.binding(s.registrationId);
    if (binding && token !== null && this.kept.changed(id, token, binding.callId, binding.cseq, binding.contact)) {
      const l = registrationLeases;
      await tx
        .update(l)
        .set({ callId: binding.callId, cseq: binding.cseq, contact: binding.contact, updatedAt: s.at })
        .where(and(eq(l.registrationId, id), eq(l.token, token)));
      this.kept.written(id, token, binding.callId, binding.cseq, binding.contact);
    }
    // Under a current token (locked FOR SHARE) the registration exists: a superseded status needs no row of its own.
    if (!superseded || token === null) await this.upsertStatus(tx, id, s);
    if (!event) return;
    await tx.insert(registrationEvents).values({
      registrationId: id,
      state: s.state,
      code: s.code,
      reason: s.reason,
      at: s.at,
      expiresAt: s.expiresAt,
      nextAttemptAt: s.nextAttemptAt,
      target: s.target,
    });
    this.counters.eventRows++;
  }

  private async upsertStatus(tx: Conn, id: number, s: RegistrationStatus): Promise<void> {
    const row = {
      state: s.state,
      code: s.code,
      reason: s.reason,
      at: s.at,
      attempts: s.attempts,
      requestedExpires: s.requestedExpires,
      grantedExpires: s.grantedExpires,
      expiresAt: s.expiresAt,
      nextAttemptAt: s.nextAttemptAt,
      target: s.target,
      lastSuccessAt: s.lastSuccessAt,
    };
    await tx
      .insert(registrationStatus)
      .values({ registrationId: id, ...row })
      .onConflictDoUpdate({ target: registrationStatus.registrationId, set: row });
    this.counters.statusRows++;
  }

  /** Rows of a routine sample: the registration's previous sample is deleted when its next one is stored. */
  private async keepSample(tx: Conn, id: number, sample: number, rowId: number): Promise<void> {
    const kept = this.sampleRows.get(id);
    if (kept?.sample === sample) {
      kept.to = rowId;
      return;
    }
    const t = registrationTraces;
    if (kept) await tx.delete(t).where(and(eq(t.registrationId, id), between(t.id, kept.from, kept.to)));
    this.sampleRows.set(id, { sample, from: rowId, to: rowId });
  }

  private forget(id: number): void {
    this.kept.forget(id);
    this.sampleRows.delete(id);
    this.lastTransition.delete(id);
    this.tracedAt.delete(id);
    this.watchedUntil.delete(id);
    this.open.delete(id);
  }
}
