// Tails the registration_events timeline and fans new events out to subscribers, coalesced:
// within one read, only the latest event of each registration is delivered. Reading the
// database (not an in-process bus) serves both deployments: engine inside the portal process
// or apart (`npm run registrar`).
import type Database from 'better-sqlite3';
import type { StatusEvent } from './types';

const BATCH = 5000;

interface EventRow {
  id: number;
  registration_id: number;
  state: StatusEvent['state'];
  code: number | null;
  reason: string | null;
  at: number;
  expires_at: number | null;
  next_attempt_at: number | null;
  target: string | null;
}

function toEvent(row: EventRow): StatusEvent {
  return {
    id: row.id,
    registrationId: row.registration_id,
    state: row.state,
    code: row.code,
    reason: row.reason,
    expiresAt: row.expires_at,
    nextAttemptAt: row.next_attempt_at,
    target: row.target,
    at: row.at,
  };
}

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
  private readonly after: Database.Statement<[number, number], EventRow>;
  private readonly bounds: Database.Statement<[], { min: number | null; max: number | null }>;
  private readonly subscribers = new Set<Subscriber>();
  private cursor: number;
  private timer: NodeJS.Timeout | null = null;
  /** Events delivered to subscribers (each subscriber counted), for /metrics. */
  delivered = 0;

  constructor(sqlite: Database.Database, private readonly pollMs = 100) {
    this.after = sqlite.prepare('SELECT * FROM registration_events WHERE id > ? ORDER BY id LIMIT ?');
    this.bounds = sqlite.prepare('SELECT min(id) AS min, max(id) AS max FROM registration_events');
    this.cursor = this.bounds.get()?.max ?? 0;
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
  replay(lastId: number, limit = 20_000): StatusEvent[] | null {
    const { min } = this.bounds.get() ?? { min: null };
    if (min !== null && lastId < min - 1) return null;
    const rows = this.after.all(lastId, limit + 1).filter((r) => r.id <= this.cursor);
    if (rows.length > limit) return null;
    return coalesce(rows.map(toEvent));
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    this.timer ??= setInterval(() => this.poll(), this.pollMs);
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** Reads what is new and delivers it; called on a timer and when the engine flushes. */
  poll(): void {
    if (this.subscribers.size === 0) {
      this.cursor = this.bounds.get()?.max ?? this.cursor;
      return;
    }
    for (;;) {
      const rows = this.after.all(this.cursor, BATCH);
      if (rows.length === 0) return;
      this.cursor = rows[rows.length - 1]!.id;
      const events = coalesce(rows.map(toEvent));
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
