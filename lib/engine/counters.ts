// The engine's counters (transactions, requests at the Contact, flows, binding audits) as its
// heartbeat last wrote them to `engine_nodes` (registrar/store/heartbeat.ts): the same whether the
// engine is the portal's child process or runs apart (`npm run registrar`). At most one heartbeat
// interval old. Summed over the engines that beat fresh.
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { engineNodes as n } from '../db/schema';
import type { EngineCounters } from '../../registrar';
import { MISSED_BEATS } from './health';

type Row = { counters: string | null; heartbeatAt: number; intervalMs: number };

/** Adds `b` into `a`: numbers summed, objects and arrays member by member. */
function addInto(a: Record<string, unknown>, b: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(b)) {
    if (typeof value === 'number') a[key] = (typeof a[key] === 'number' ? (a[key] as number) : 0) + value;
    else if (value && typeof value === 'object') {
      a[key] ??= Array.isArray(value) ? [] : {};
      addInto(a[key] as Record<string, unknown>, value as Record<string, unknown>);
    }
  }
}

/** Reads the running engines' counters now; null when no engine beats fresh. */
export function createEngineCountersReader(db: Conn, clock: () => number = Date.now): () => Promise<EngineCounters | null> {
  const rows = (): Promise<Row[]> =>
    db
      .select({ counters: n.counters, heartbeatAt: n.heartbeatAt, intervalMs: n.intervalMs })
      .from(n)
      .where(and(eq(n.state, 'running'), isNotNull(n.counters)));
  return async () => {
    const now = clock();
    const fresh = (await rows()).filter((r) => now - r.heartbeatAt <= MISSED_BEATS * r.intervalMs);
    if (fresh.length === 0) return null;
    const sum: Record<string, unknown> = {};
    for (const r of fresh) addInto(sum, JSON.parse(r.counters!) as Record<string, unknown>);
    return sum as unknown as EngineCounters;
  };
}
