// The state history behind the dashboard's 24-hour chart: once a minute the engine counts the
// registrations per effective state (registered past its expiry reads as retrying, as the portal
// shows it: lib/registrations/lapse.ts) and writes one `state_samples` row for that minute,
// dropping rows older than the retention. Written by the engine, so a minute without a row is a
// minute no engine ran; the portal only reads (lib/registrations/history.ts).
import type Database from 'better-sqlite3';
import { enginePort } from '../../lib/log';
import { toLogger, type Logger, type LogSink } from '../util/log';

export const SAMPLE_INTERVAL_MS = 60_000;
/** Eight days: the 24-hour chart with room to spare, and the size stays small (11,520 rows). */
export const SAMPLE_RETENTION_MS = 8 * 24 * 3600 * 1000;

export interface StateSamplerOptions {
  intervalMs?: number;
  retentionMs?: number;
  now?: () => number;
  /** Logs a failed write (default: the portal's logger). */
  log?: LogSink;
}

export interface StateCounts {
  total: number;
  registered: number;
  retrying: number;
  rejected: number;
  disabled: number;
}

export class StateSampler {
  private readonly count: Database.Statement<{ now: number }, StateCounts>;
  private readonly upsert: Database.Statement<StateCounts & { at: number }>;
  private readonly prune: Database.Statement<[number]>;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly retentionMs: number;
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(sqlite: Database.Database, options: StateSamplerOptions = {}) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
    this.retentionMs = options.retentionMs ?? SAMPLE_RETENTION_MS;
    this.log = toLogger(options.log ?? enginePort());
    // `disabled` from the registrations themselves (a disabled one may have no status row yet).
    this.count = sqlite.prepare(`
      SELECT
        (SELECT count(*) FROM registrations) AS total,
        coalesce(sum(state = 'registered' AND (expires_at IS NULL OR expires_at > :now)), 0) AS registered,
        coalesce(sum(state = 'retrying' OR (state = 'registered' AND expires_at <= :now)), 0) AS retrying,
        coalesce(sum(state = 'rejected'), 0) AS rejected,
        (SELECT count(*) FROM registrations WHERE enabled = 0) AS disabled
      FROM registration_status`);
    this.upsert = sqlite.prepare(`
      INSERT INTO state_samples (at, total, registered, retrying, rejected, disabled)
      VALUES (:at, :total, :registered, :retrying, :rejected, :disabled)
      ON CONFLICT (at) DO UPDATE SET total = excluded.total, registered = excluded.registered,
        retrying = excluded.retrying, rejected = excluded.rejected, disabled = excluded.disabled`);
    this.prune = sqlite.prepare('DELETE FROM state_samples WHERE at < ?');
  }

  /** Writes the sample of the current minute (replacing an earlier one of the same minute). */
  sample(): StateCounts & { at: number } {
    const now = this.now();
    const at = now - (now % this.intervalMs);
    const row = { at, ...this.count.get({ now })! };
    this.upsert.run(row);
    this.prune.run(now - this.retentionMs);
    return row;
  }

  /** Samples now and every interval; a failed write is logged, never thrown. */
  start(): void {
    const tick = () => {
      try {
        this.sample();
      } catch (err) {
        this.log.error(`registrar: state sample write failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    tick();
    this.timer = setInterval(tick, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
