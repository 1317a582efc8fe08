// Tails the registration_events timeline and fans new events out to subscribers, coalesced:
// within one read, only the latest event of each registration is delivered. Reading the
// database (not an in-process bus) serves both deployments: engine inside the portal process
// or apart (`npm run registrar`).
import { asc, gt, max, min } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { registrationEvents as e } from '../db/schema';
import type { StatusEvent } from './types';

const BATCH = 5000;

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
  /** Events delivered to subscribers (each subscriber counted), for /metrics. */
  delivered = 0;

  private constructor(
    private readonly db: Conn,
    private cursor: number,
    private readonly pollMs: number,
  ) {}

  /** A tail starting after the newest event stored now. */
  static async open(db: Conn, pollMs = 100): Promise<EventTail> {
    return new EventTail(db, (await EventTail.bounds(db)).max ?? 0, pollMs);
  }

  private static async bounds(db: Conn): Promise<{ min: number | null; max: number | null }> {
    const [row] = await db.select({ min: min(e.id), max: max(e.id) }).from(e);
    return { min: row?.min ?? null, max: row?.max ?? null };
  }

  private after(id: number, limit: number): Promise<StatusEvent[]> {
    return this.db.select(eventColumns).from(e).where(gt(e.id, id)).orderBy(asc(e.id)).limit(limit);
  }

  /** Id of the newest event already delivered: a snapshot taken now is consistent with it. */
  get position(): number {
    return this.cursor;
  }

  get clients(): number {
    return this.subscribers.size;
  }

  /**
   * Coalesced events after `lastId`, or null when they can no longer be replayed (pruned by
   * retention, or more than `limit` behind): the caller then sends a snapshot instead.
   */
  async replay(lastId: number, limit = 20_000): Promise<StatusEvent[] | null> {
    const { min: first } = await EventTail.bounds(this.db);
    if (first !== null && lastId < first - 1) return null;
    const cursor = this.cursor;
    const rows = (await this.after(lastId, limit + 1)).filter((r) => r.id <= cursor);
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
      this.cursor = (await EventTail.bounds(this.db)).max ?? this.cursor;
      return;
    }
    for (;;) {
      const rows = await this.after(this.cursor, BATCH);
      if (rows.length === 0) return;
      this.cursor = rows[rows.length - 1]!.id;
      const events = coalesce(rows);
      for (const fn of this.subscribers) fn(events);
      this.delivered += events.length * this.subscribers.size;
      if (rows.length < BATCH) return;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.subscribers.clear();
  }
}
