// The engine's heartbeat in `engine_nodes`: one row per engine process, upserted as running at
// start and every interval, set to stopped (with why) on a clean stop or a start that failed.
// The portal reads it (lib/engine/health.ts) to tell a live engine from a dead one, whether the
// engine runs inside the portal or apart (`npm run registrar`), and the engine's call counters
// (relayed / refused) with it: the dashboard and /metrics read them from here.
import { hostname } from 'node:os';
import type { Conn } from '../../lib/db/conn';
import { engineNodes } from '../../lib/db/schema';
import { enginePort } from '../../lib/log';
import { version } from '../../package.json';
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

export class Heartbeat {
  readonly nodeId: string;
  private readonly now: () => number;
  private readonly log: Logger;
  private readonly startedAt: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private calls: () => CallCounts = () => ({ relayed: 0, refused: 0 });
  private counters: () => object | null = () => null;
  private bind: string;

  constructor(
    private readonly db: Conn,
    private readonly options: HeartbeatOptions,
  ) {
    this.nodeId = `${hostname()}/${options.bind}`;
    this.bind = options.bind;
    this.now = options.now ?? Date.now;
    this.log = toLogger(options.log ?? enginePort());
    this.startedAt = this.now();
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
  async start(bind = this.options.bind): Promise<void> {
    this.bind = bind;
    await this.write('running', null);
    this.timer = setInterval(() => {
      this.write('running', null).catch((err: unknown) => {
        this.log.error(`registrar: heartbeat write failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes `stopped` with `reason` (e.g. "shut down", "SIP_BIND … is in use"). */
  async stopped(reason: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.write('stopped', reason);
  }

  private async write(state: 'running' | 'stopped', reason: string | null): Promise<void> {
    const calls = this.calls();
    const counters = this.counters();
    const row = {
      state,
      bind: this.bind,
      pid: process.pid,
      startedAt: this.startedAt,
      heartbeatAt: this.now(),
      intervalMs: this.options.intervalMs,
      reason,
      callsRelayed: calls.relayed,
      callsRefused: calls.refused,
      counters: counters && JSON.stringify(counters),
      version,
    };
    await this.db
      .insert(engineNodes)
      .values({ nodeId: this.nodeId, ...row })
      .onConflictDoUpdate({ target: engineNodes.nodeId, set: row });
  }
}
