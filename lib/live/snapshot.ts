// What the live stream's `snapshot` carries. By default (`GET /api/events`) every registration's
// stored status, read by the expiry rule: a client that keeps its own map of all of them needs it,
// and it grows with N (about 2 MB at 10,000 registrations, 20 MB at 100,000). With
// `?snapshot=none` it carries no statuses, only the engine's health, and its id is the stream
// position: the caller reads the rows it shows from the API (the list and the summary say, as
// `lastEventId`, up to which event they are current), re-reads those read before that position,
// and follows the `status` events after it. Its cost does not grow with N: the dashboard's way.
import type { IncomingMessage } from 'node:http';
import { max } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { registrationEvents, registrationStatus as s } from '../db/schema';
import { withLapse } from '../registrations/lapse';
import type { StatusEvent } from './types';

export type SnapshotScope = 'all' | 'none';

/** A registration's current status as the snapshot lists it (with the granted lifetime: the page projects refreshes, which are not pushed). */
export type SnapshotRow = Omit<StatusEvent, 'id'> & { grantedExpires: number | null };

/** `?snapshot=` of the stream's URL: `none` leaves the statuses out; anything else (or nothing) is `all`. */
export function snapshotScope(req: IncomingMessage): SnapshotScope {
  return new URL(req.url ?? '/', 'http://x').searchParams.get('snapshot') === 'none' ? 'none' : 'all';
}

/** Every registration's stored status, read by the expiry rule (a dead engine's "registered" lapses). */
export async function currentStatuses(db: Conn): Promise<SnapshotRow[]> {
  const rows: SnapshotRow[] = await db
    .select({
      registrationId: s.registrationId,
      state: s.state,
      code: s.code,
      reason: s.reason,
      expiresAt: s.expiresAt,
      nextAttemptAt: s.nextAttemptAt,
      target: s.target,
      at: s.at,
      grantedExpires: s.grantedExpires,
    })
    .from(s);
  const now = Date.now();
  return rows.map((row) => withLapse(row, now));
}

/** The `data` of a `snapshot` message: `{"registrations":[…],"engine":…}`, or `{"registrations":null,"engine":…}` for scope `none`. */
export async function snapshotData(db: Conn, scope: SnapshotScope, engineJson: string): Promise<string> {
  const registrations = scope === 'none' ? 'null' : JSON.stringify(await currentStatuses(db));
  return `{"registrations":${registrations},"engine":${engineJson}}`;
}

/**
 * The newest status event stored now (0: none). Read before the rows of an answer, it says up to
 * which event the answer is current (the engine writes a status and its event in one transaction):
 * a stream opened with `Last-Event-ID` set to it misses nothing after.
 */
export async function newestEventId(db: Conn): Promise<number> {
  const [row] = await db.select({ id: max(registrationEvents.id) }).from(registrationEvents);
  return row?.id ?? 0;
}
