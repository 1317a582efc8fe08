// Is the registrar engine running? Read from its heartbeat (`engine_nodes`, written by
// registrar/store/heartbeat.ts), whether it runs inside the portal or apart. Used by
// GET /api/health, /metrics, the live stream and the page layout. With several engine nodes
// (each `npm run registrar` is one) the engine runs while any node beats fresh; the nodes that
// died meanwhile are listed (`down`) so the banner names them without claiming all is down.
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
  /**
   * Engine nodes that died (their heartbeat went silent, or they stopped other than by a clean
   * shutdown) in the last DOWN_NOTICE_MS, newest first: while another node runs, so the page can
   * say which node is down (its registrations move to the live nodes within the lease time);
   * when none runs, only if more than one node ever reported (one node is the engine itself).
   */
  down?: EngineNodeDown[];
}

export interface EngineNodeDown {
  nodeId: string;
  bind: string;
  /** Its last heartbeat, epoch ms. */
  since: number;
  reason: string;
}

/** The reason a node writes when it stops cleanly (registrar/start.ts): not a failure to report. */
export const CLEAN_STOP_REASON = 'shut down';
/** A node that died longer ago than this is no longer reported in `down` (the Nodes page still lists it). */
export const DOWN_NOTICE_MS = 24 * 3600 * 1000;

const UNKNOWN_ENGINE: EngineHealth = { state: 'unknown', heartbeatAt: null, bind: null };

type NodeRow = Pick<EngineNodeRow, 'state' | 'bind' | 'heartbeatAt' | 'intervalMs' | 'reason'> & Partial<Pick<EngineNodeRow, 'nodeId' | 'callsRelayed' | 'callsRefused'>>;

const callsOf = (rows: readonly NodeRow[]) => ({
  relayed: rows.reduce((n, r) => n + (r.callsRelayed ?? 0), 0),
  refused: rows.reduce((n, r) => n + (r.callsRefused ?? 0), 0),
});

export const isFresh = (row: NodeRow, now: number) => row.state === 'running' && now - row.heartbeatAt <= MISSED_BEATS * row.intervalMs;

/** A node's state as the Nodes panel shows it: `stale` is a running row whose heartbeat went silent. */
export function nodeState(row: Pick<NodeRow, 'state' | 'heartbeatAt' | 'intervalMs'>, now: number): 'running' | 'stale' | 'stopped' {
  if (row.state !== 'running') return 'stopped';
  return isFresh(row as NodeRow, now) ? 'running' : 'stale';
}

const SILENT_REASON = 'its heartbeat stopped (process killed or hung)';

/** The nodes that died (not a clean shutdown) within DOWN_NOTICE_MS, newest first. */
export function downNodes(rows: readonly NodeRow[], now: number): EngineNodeDown[] {
  return rows
    .filter((r) => !isFresh(r, now) && now - r.heartbeatAt <= DOWN_NOTICE_MS && !(r.state === 'stopped' && (r.reason ?? '').startsWith(CLEAN_STOP_REASON)))
    .sort((a, b) => b.heartbeatAt - a.heartbeatAt)
    .map((r) => ({ nodeId: r.nodeId ?? r.bind, bind: r.bind, since: r.heartbeatAt, reason: r.state === 'stopped' ? (r.reason ?? 'stopped') : SILENT_REASON }));
}

/**
 * The health of the engine from its nodes' rows: running when some node beats fresh; else what
 * the most recent row says (a running row gone silent counts as stopped since its last beat).
 */
export function engineHealth(rows: readonly NodeRow[], now: number): EngineHealth {
  const latest = (list: readonly NodeRow[]) => list.reduce<NodeRow | null>((a, b) => (a && a.heartbeatAt >= b.heartbeatAt ? a : b), null);
  const fresh = rows.filter((r) => isFresh(r, now));
  const live = latest(fresh);
  const down = downNodes(rows, now);
  if (live) return { state: 'running', heartbeatAt: live.heartbeatAt, bind: live.bind, calls: callsOf(fresh), ...(down.length > 0 ? { down } : {}) };
  const last = latest(rows);
  if (!last) return UNKNOWN_ENGINE;
  const reason = last.state === 'stopped' ? (last.reason ?? 'stopped') : SILENT_REASON;
  const several = rows.length > 1 && down.length > 0;
  return { state: 'stopped', heartbeatAt: last.heartbeatAt, bind: last.bind, since: last.heartbeatAt, reason, calls: callsOf([last]), ...(several ? { down } : {}) };
}

/** Reads the engine's health from the database now (a few rows: one per engine process). */
export function createEngineHealthReader(db: Conn, clock: () => number = Date.now): () => Promise<EngineHealth> {
  const n = engineNodes;
  const select = () =>
    db
      .select({ nodeId: n.nodeId, state: n.state, bind: n.bind, heartbeatAt: n.heartbeatAt, intervalMs: n.intervalMs, reason: n.reason, callsRelayed: n.callsRelayed, callsRefused: n.callsRefused })
      .from(n);
  return async () => engineHealth(await select(), clock());
}
