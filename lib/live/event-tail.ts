// Tails the registration_events timeline and fans new events out to subscribers, coalesced:
// within one read, only the latest event of each registration is delivered. Reading the
// database (not an in-process bus) serves every deployment: the engine inside the portal process,
// apart (`npm run registrar`), or several engine nodes on several hosts (issue 14): whoever wrote
// an event, every portal's stream reads it within a poll (100 ms while someone listens; the IPC
// message of a local engine child only makes it read at once).
//
// Event ids are a monotonic cursor only if events commit in id order. Every write transaction
// holds the write lock (BEGIN IMMEDIATE on SQLite, pg_advisory_xact_lock in lib/db/postgres.ts), so
// they do; but an id can be handed out and committed later than a higher one if a writer ever
// inserts without that lock (PostgreSQL sequences are not transactional). The tail does not rely
// on it: an id skipped by a read is remembered as missing and looked for again at every poll for
// GAP_MS (a rolled-back insert, or a row deleted with its registration, never shows up and is
// given up then). `position` is the watermark: every event up to it was read (or given up), so a
// snapshot or a Last-Event-ID taken there misses nothing. A late event is delivered unless a later
// event of its registration already was (it would take the page back to an older state).
import { asc, gt, inArray, max, min } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { registrationEvents as e } from '../db/schema';
import type { StatusEvent } from './types';

const BATCH = 5000;
/** How long an id skipped by a read is looked for (a transaction that took it may commit late). */
export const GAP_MS = 10_000;
/** At most this many missing ids are remembered (the oldest are given up first). */
const MAX_MISSING = 5000;

const eventColumns = {
  id: e.id,
  registrationId: e.registrationId,
  state: e.state,
  code: e.code,
  reason: e.reason,
  expiresAt: e.expiresAt,
  nextAttemptAt: e.nextAttemptAt,
  target: e.target,
  at: e.at,
};

/** Keeps the last event per registration, returned in increasing id order. */
export function coalesce(events: Iterable<StatusEvent>): StatusEvent[] {
  const latest = new Map<number, StatusEvent>();
  for (const e of events) {
    latest.delete(e.registrationId);
    latest.set(e.registrationId, e);
  }
  return [...latest.values()];
}

export type Subscriber = (events: StatusEvent[]) => void;

export class EventTail {
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | null = null;
  /** The poll in progress (polls never overlap: the cursor moves in order). */
  private polling: Promise<void> | null = null;
  private again = false;
  /** The highest event id read. */
  private high: number;
  /** Ids in (cursor, high] not read yet, with when they were first missed (ms). */
  private readonly missing = new Map<number, number>();
  /** While ids are missing: the highest event id delivered per registration (a late event older than it is dropped). */
  private readonly lastDelivered = new Map<number, number>();
  /** Events delivered to subscribers (each subscriber counted), for /metrics. */
  delivered = 0;

  private constructor(
    private readonly db: Conn,
    private cursor: number,
    private readonly pollMs: number,
    private readonly clock: () => number,
  ) {
    this.high = cursor;
  }

  /** A tail starting after the newest event stored now. */
  static async open(db: Conn, pollMs = 100, clock: () => number = Date.now): Promise<EventTail> {
    return new EventTail(db, (await EventTail.bounds(db)).max ?? 0, pollMs, clock);
  }

  private static async bounds(db: Conn): Promise<{ min: number | null; max: number | null }> {
    const [row] = await db.select({ min: min(e.id), max: max(e.id) }).from(e);
    return { min: row?.min ?? null, max: row?.max ?? null };
  }

  private after(id: number, limit: number): Promise<StatusEvent[]> {
    return this.db.select(eventColumns).from(e).where(gt(e.id, id)).orderBy(asc(e.id)).limit(limit);
  }

  private async byIds(ids: number[]): Promise<StatusEvent[]> {
    const rows: StatusEvent[] = [];
    for (let i = 0; i < ids.length; i += 500) rows.push(...(await this.db.select(eventColumns).from(e).where(inArray(e.id, ids.slice(i, i + 500)))));
    return rows;
  }

  /** The watermark: every event up to this id was delivered (or given up); a snapshot taken now is consistent with it. */
  get position(): number {
    return this.cursor;
  }

  get clients(): number {
    return this.subscribers.size;
  }

  /**
   * Coalesced events after `lastId` (as far as this tail has read), or null when they can no
   * longer be replayed (pruned by retention, or more than `limit` behind): the caller then sends
   * a snapshot instead.
   */
  async replay(lastId: number, limit = 20_000): Promise<StatusEvent[] | null> {
    const { min: first } = await EventTail.bounds(this.db);
    if (first !== null && lastId < first - 1) return null;
    const high = this.high;
    const rows = (await this.after(lastId, limit + 1)).filter((r) => r.id <= high);
    if (rows.length > limit) return null;
    return coalesce(rows);
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /**
   * Reads what is new and delivers it; called on a timer and when the engine flushes. A call
   * during a poll runs one more poll after it (what it should see may have been written since).
   * Never rejects: a failed read (database busy) is retried by the next poll.
   */
  poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        try {
          await this.pollOnce();
        } catch {
          return;
        }
      } while (this.again);
    })().finally(() => (this.polling = null));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    if (this.subscribers.size === 0) {
      this.cursor = this.high = (await EventTail.bounds(this.db)).max ?? this.high;
      this.missing.clear();
      this.lastDelivered.clear();
      return;
    }
    const late = this.missing.size > 0 ? await this.byIds([...this.missing.keys()]) : [];
    for (let first = true; ; first = false) {
      const rows = await this.after(this.high, BATCH);
      if (!first && rows.length === 0) return;
      const now = this.clock();
      const fresh: StatusEvent[] = [];
      for (const r of first ? late.sort((a, b) => a.id - b.id) : []) {
        this.missing.delete(r.id);
        if ((this.lastDelivered.get(r.registrationId) ?? -1) < r.id) fresh.push(r);
      }
      for (const r of rows) {
        for (let id = Math.max(this.high + 1, r.id - MAX_MISSING); id < r.id; id++) this.missing.set(id, now);
        this.high = r.id;
        fresh.push(r);
      }
      this.advance(now);
      const events = coalesce(fresh);
      this.noteDelivered(events);
      if (events.length > 0) {
        for (const fn of this.subscribers) fn(events);
        this.delivered += events.length * this.subscribers.size;
      }
      if (rows.length < BATCH) return;
    }
  }

  /** Gives up missing ids older than GAP_MS (or beyond MAX_MISSING), and moves the watermark. */
  private advance(now: number): void {
    for (const [id, since] of this.missing) {
      if (now - since <= GAP_MS && this.missing.size <= MAX_MISSING) break; // oldest first (insertion order)
      this.missing.delete(id);
    }
    if (this.missing.size === 0) {
      this.cursor = this.high;
      this.lastDelivered.clear();
      return;
    }
    // ids enter in increasing order (above `high`) and leave in any: the first left is the lowest
    this.cursor = this.missing.keys().next().value! - 1;
  }

  /** Records what was delivered while ids are missing (a late event of the same registration must not go back to an older state). */
  private noteDelivered(events: StatusEvent[]): void {
    if (this.missing.size === 0) return;
    for (const ev of events) this.lastDelivered.set(ev.registrationId, Math.max(ev.id, this.lastDelivered.get(ev.registrationId) ?? -1));
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subscribers.clear();
  }
}
