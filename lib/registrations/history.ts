/**
 * The pictures' data, with the database handle passed in (no 'server-only': tests use it; the app
 * goes through ./history-queries.ts): a registration's state bands over 24 h or 7 days, from its
 * timeline (registration_events), and the per-minute state counts of the last 24 hours written
 * by the engine (state_samples, registrar/store/state-samples.ts).
 */
import { and, asc, desc, eq, gte, lt } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { registrationEvents, stateSamples } from '../db/schema';

const HOUR_MS = 3600 * 1000;
export const BAND_RANGES = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS } as const;
export type BandRange = keyof typeof BAND_RANGES;

/** The bands of the availability chart; `other`: pending, registering, unregistering or unregistered. */
export const BANDS = ['registered', 'retrying', 'rejected', 'disabled', 'other'] as const;
export type Band = (typeof BANDS)[number];

export function bandOf(state: string): Band {
  return state === 'registered' || state === 'retrying' || state === 'rejected' || state === 'disabled' ? state : 'other';
}

/** From `from` to `to` the registration was in `band`; `state`, `code` and `reason` as the engine reported them at the start. */
export type BandSegment = { band: Band; state: string; from: number; to: number; code: number | null; reason: string | null };

/** At most this many transitions are read per window (a registration flapping for days): older ones read as no data. */
export const MAX_BAND_EVENTS = 5000;

/**
 * The state bands of one registration over the last `range`: consecutive transitions with the
 * same band, code and reason are one segment; time before the first known transition has none.
 */
export async function availabilityBands(db: Conn, id: number, range: BandRange, now = Date.now()): Promise<{ from: number; to: number; segments: BandSegment[] }> {
  const from = now - BAND_RANGES[range];
  const columns = { state: registrationEvents.state, code: registrationEvents.code, reason: registrationEvents.reason, at: registrationEvents.at };
  const inWindow = (
    await db
      .select(columns)
      .from(registrationEvents)
      .where(and(eq(registrationEvents.registrationId, id), gte(registrationEvents.at, from), lt(registrationEvents.at, now)))
      .orderBy(desc(registrationEvents.at), desc(registrationEvents.id))
      .limit(MAX_BAND_EVENTS)
  ).reverse();
  const truncated = inWindow.length === MAX_BAND_EVENTS;
  const before = truncated
    ? undefined
    : (
        await db
          .select(columns)
          .from(registrationEvents)
          .where(and(eq(registrationEvents.registrationId, id), lt(registrationEvents.at, from)))
          .orderBy(desc(registrationEvents.at), desc(registrationEvents.id))
          .limit(1)
      )[0];
  const points = before ? [{ ...before, at: from }, ...inWindow] : inWindow;
  const segments: BandSegment[] = [];
  for (const [i, p] of points.entries()) {
    const end = points[i + 1]?.at ?? now;
    const last = segments[segments.length - 1];
    const band = bandOf(p.state);
    if (last && last.state === p.state && last.code === p.code && last.reason === p.reason) {
      last.to = end;
      continue;
    }
    if (end > p.at || i === points.length - 1) segments.push({ band, state: p.state, from: p.at, to: end, code: p.code, reason: p.reason });
  }
  return { from, to: now, segments };
}

export const HISTORY_WINDOW_MS = 24 * HOUR_MS;

/** The engine's per-minute samples of the last 24 hours, oldest first (`failing`: retrying + rejected). */
export async function stateHistory(db: Conn, now = Date.now()) {
  const from = now - HISTORY_WINDOW_MS;
  const samples = (
    await db
      .select()
      .from(stateSamples)
      .where(and(gte(stateSamples.at, from), lt(stateSamples.at, now + 1)))
      .orderBy(asc(stateSamples.at))
  ).map((s) => ({ ...s, failing: s.retrying + s.rejected }));
  return { from, to: now, samples };
}
