// The engine nodes as the Nodes panel and GET /api/nodes show them: one row per engine process
// that ever beat to this database (`engine_nodes`, registrar/store/heartbeat.ts), with how many
// registrations it holds now (its unexpired leases in `registration_leases`, counted through the
// (node_id, expires_at) index). A few rows: one per node.
import { and, count, eq, gt } from 'drizzle-orm';
import type { Conn } from '../db/conn';
import { engineNodes as n, registrationLeases as l, registrations } from '../db/schema';
import { nodeState } from './health';

export interface EngineNodeInfo {
  nodeId: string;
  bind: string;
  /** `stale`: its row says running but its heartbeat is more than three intervals old (killed or hung). */
  state: 'running' | 'stale' | 'stopped';
  reason: string | null;
  pid: number;
  version: string | null;
  startedAt: number;
  heartbeatAt: number;
  intervalMs: number;
  /** Registrations whose lease it holds now (unexpired). */
  held: number;
}

export interface EngineNodeList {
  items: EngineNodeInfo[];
  /** Enabled registrations, and how many of them no node holds now (no lease, or an expired one). */
  registrations: { enabled: number; unheld: number };
  at: number;
}

/** Holds per node: unexpired leases, grouped by node id. */
export async function leasesHeld(db: Conn, now: number): Promise<Map<string, number>> {
  const rows = await db.select({ nodeId: l.nodeId, n: count() }).from(l).where(gt(l.expiresAt, now)).groupBy(l.nodeId);
  return new Map(rows.map((r) => [r.nodeId, r.n]));
}

const STATE_ORDER = { running: 0, stale: 1, stopped: 2 } as const;

export async function listEngineNodes(db: Conn, now = Date.now()): Promise<EngineNodeList> {
  const [rows, held, enabled, enabledHeld] = await Promise.all([
    db
      .select({
        nodeId: n.nodeId,
        bind: n.bind,
        state: n.state,
        reason: n.reason,
        pid: n.pid,
        version: n.version,
        startedAt: n.startedAt,
        heartbeatAt: n.heartbeatAt,
        intervalMs: n.intervalMs,
      })
      .from(n),
    leasesHeld(db, now),
    db.select({ n: count() }).from(registrations).where(eq(registrations.enabled, true)),
    db
      .select({ n: count() })
      .from(l)
      .innerJoin(registrations, eq(registrations.id, l.registrationId))
      .where(and(gt(l.expiresAt, now), eq(registrations.enabled, true))),
  ]);
  const items = rows
    .map((r) => ({ ...r, state: nodeState(r, now), reason: r.state === 'running' ? null : r.reason, held: held.get(r.nodeId) ?? 0 }))
    .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.nodeId.localeCompare(b.nodeId));
  const enabledCount = enabled[0]?.n ?? 0;
  return { items, registrations: { enabled: enabledCount, unheld: Math.max(0, enabledCount - (enabledHeld[0]?.n ?? 0)) }, at: now };
}
