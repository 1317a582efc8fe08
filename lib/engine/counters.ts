// The engine's counters (transactions, requests at the Contact, flows, binding audits) as each
// node's heartbeat last wrote them to `engine_nodes` (registrar/store/heartbeat.ts): the same
// whether the engine is the portal's child process or runs apart (`npm run registrar`). At most
// one heartbeat interval old. One entry per engine node that beats fresh (/metrics labels its
// series with the node id).
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { engineNodes as n } from '../db/schema';
import type { EngineCounters } from '../../registrar';
import { MISSED_BEATS } from './health';

type Row = { nodeId: string; counters: string | null; heartbeatAt: number; intervalMs: number };

export interface NodeCounters {
  nodeId: string;
  counters: EngineCounters;
}

/** Reads the counters of the engine nodes that beat fresh now (none: an empty list). */
export function createEngineCountersReader(db: Conn, clock: () => number = Date.now): () => Promise<NodeCounters[]> {
  const rows = (): Promise<Row[]> =>
    db
      .select({ nodeId: n.nodeId, counters: n.counters, heartbeatAt: n.heartbeatAt, intervalMs: n.intervalMs })
      .from(n)
      .where(and(eq(n.state, 'running'), isNotNull(n.counters)));
  return async () => {
    const now = clock();
    return (await rows())
      .filter((r) => now - r.heartbeatAt <= MISSED_BEATS * r.intervalMs)
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId))
      .map((r) => ({ nodeId: r.nodeId, counters: JSON.parse(r.counters!) as EngineCounters }));
  };
}
