// The engine's heartbeat in `engine_nodes`: one row per engine process, upserted as running at
// start and every interval, set to stopped (with why) on a clean stop or a start that failed.
// The portal reads it (lib/engine/health.ts) to tell a live engine from a dead one, whether the
// engine runs inside the portal or apart (`npm run registrar`), and the engine's call counters
// (relayed / refused) with it: the dashboard and /metrics read them from here.
import type Database from 'better-sqlite3';
import { hostname } from 'node:os';
import { enginePort } from '../../lib/log';
import { toLogger, type Logger, type LogSink } from '../util/log';

export interface HeartbeatOptions {
  /** SIP_BIND as configured, e.g. 0.0.0.0:5060,[::]:5060 (the node id, and the bind of a failed start). */
  bind: string;
  intervalMs: number;
  /** Logs a failed periodic write (default: the portal's logger). */
  log?: LogSink;
  now?: () => number;
}

export interface CallCounts {
  relayed: number;
  refused: number;
}

type Params = [nodeId: string, state: string, bind: string, pid: number, startedAt: number, heartbeatAt: number, intervalMs: number, reason: string | null, callsRelayed: number, callsRefused: number, counters: string | null];

export class Heartbeat {
  readonly nodeId: string;
  private readonly upsert: Database.Statement<Params>;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly startedAt: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private calls: () => CallCounts = () => ({ relayed: 0, refused: 0 });
  private counters: () => object | null = () => null;
  private bind: string;

  constructor(
    sqlite: Database.Database,
    private readonly options: HeartbeatOptions,
  ) {
    this.nodeId = `${hostname()}/${options.bind}`;
    this.bind = options.bind;
    this.now = options.now ?? Date.now;
    this.log = toLogger(options.log ?? enginePort());
    this.startedAt = this.now();
    this.upsert = sqlite.prepare(`
      INSERT INTO engine_nodes (node_id, state, bind, pid, started_at, heartbeat_at, interval_ms, reason, calls_relayed, calls_refused, counters)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, bind = excluded.bind, pid = excluded.pid,
        started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at,
        interval_ms = excluded.interval_ms, reason = excluded.reason,
        calls_relayed = excluded.calls_relayed, calls_refused = excluded.calls_refused, counters = excluded.counters`);
  }

  /** Calls relayed and refused since the engine started (its proxy's counters), written with every beat. */
  reportCalls(read: () => CallCounts): void {
    this.calls = read;
  }

  /** The engine's counters (Engine.counters()), written as JSON with every beat: /metrics reads them from here. */
  reportCounters(read: () => object): void {
    this.counters = read;
  }

  /**
   * Writes `running` now and every interval, with the bind as served (default as configured; without
   * IPv6 on the host only the IPv4 entries). A failed periodic write is logged, never thrown.
   */
  start(bind = this.options.bind): void {
    this.bind = bind;
    this.write('running', null);
    this.timer = setInterval(() => {
      try {
        this.write('running', null);
      } catch (err) {
        this.log.error(`registrar: heartbeat write failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes `stopped` with `reason` (e.g. "shut down", "SIP_BIND … is in use"). */
  stopped(reason: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.write('stopped', reason);
  }

  private write(state: 'running' | 'stopped', reason: string | null): void {
    const calls = this.calls();
    const counters = this.counters();
    this.upsert.run(this.nodeId, state, this.bind, process.pid, this.startedAt, this.now(), this.options.intervalMs, reason, calls.relayed, calls.refused, counters && JSON.stringify(counters));
  }
}
