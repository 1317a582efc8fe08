// Is the registrar engine running? Read from its heartbeat (`engine_nodes`, written by
// registrar/store/heartbeat.ts), whether it runs inside the portal or apart. Used by
// GET /api/health, /metrics, the live stream and the page layout.
import type { Conn } from '../db/conn';
import { engineNodes, type EngineNodeRow } from '../db/schema';

/** A running engine whose heartbeat is older than this many intervals is taken for dead. */
export const MISSED_BEATS = 3;

export type EngineState = 'running' | 'stopped' | 'unknown';

export interface EngineHealth {
  /** `unknown`: no engine has ever written a heartbeat to this database. */
  state: EngineState;
  /** Last heartbeat, epoch ms (null when unknown). */
  heartbeatAt: number | null;
  /** The engine's SIP_BIND as served (null when unknown). */
  bind: string | null;
  /** When stopped: since when (its last heartbeat), epoch ms. */
  since?: number;
  /** When stopped: why, e.g. "SIP_BIND 127.0.0.1:5060 is in use". */
  reason?: string;
  /**
   * Calls since the engine started (running: summed over live engines; stopped: its last
   * count): relayed to the forward target, refused with 480 for want of one.
   */
  calls?: { relayed: number; refused: number };
}

const UNKNOWN_ENGINE: EngineHealth = { state: 'unknown', heartbeatAt: null, bind: null };

type NodeRow = Pick<EngineNodeRow, 'state' | 'bind' | 'heartbeatAt' | 'intervalMs' | 'reason'> & Partial<Pick<EngineNodeRow, 'callsRelayed' | 'callsRefused'>>;

const callsOf = (rows: readonly NodeRow[]) => ({
  relayed: rows.reduce((n, r) => n + (r.callsRelayed ?? 0), 0),
  refused: rows.reduce((n, r) => n + (r.callsRefused ?? 0), 0),
});

const isFresh = (row: NodeRow, now: number) => row.state === 'running' && now - row.heartbeatAt <= MISSED_BEATS * row.intervalMs;

/**
 * The health of the engine from its nodes' rows: running when some node beats fresh; else what
 * the most recent row says (a running row gone silent counts as stopped since its last beat).
 */
export function engineHealth(rows: readonly NodeRow[], now: number): EngineHealth {
  const latest = (list: readonly NodeRow[]) => list.reduce<NodeRow | null>((a, b) => (a && a.heartbeatAt >= b.heartbeatAt ? a : b), null);
  const fresh = rows.filter((r) => isFresh(r, now));
  const live = latest(fresh);
  if (live) return { state: 'running', heartbeatAt: live.heartbeatAt, bind: live.bind, calls: callsOf(fresh) };
  const last = latest(rows);
  if (!last) return UNKNOWN_ENGINE;
  const reason = last.state === 'stopped' ? (last.reason ?? 'stopped') : 'its heartbeat stopped (process killed or hung)';
  return { state: 'stopped', heartbeatAt: last.heartbeatAt, bind: last.bind, since: last.heartbeatAt, reason, calls: callsOf([last]) };
}

/** Reads the engine's health from the database now (a few rows: one per engine process). */
export function createEngineHealthReader(db: Conn, clock: () => number = Date.now): () => Promise<EngineHealth> {
  const n = engineNodes;
  const select = () =>
    db
      .select({ state: n.state, bind: n.bind, heartbeatAt: n.heartbeatAt, intervalMs: n.intervalMs, reason: n.reason, callsRelayed: n.callsRelayed, callsRefused: n.callsRefused })
      .from(n);
  return async () => engineHealth(await select(), clock());
}
