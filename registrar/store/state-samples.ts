// The state history behind the dashboard's 24-hour chart: once a minute the engine counts the
// registrations per effective state (registered past its expiry reads as retrying, as the portal
// shows it: lib/registrations/lapse.ts) and writes one `state_samples` row for that minute,
// dropping rows older than the retention. Written by the engine, so a minute without a row is a
// minute no engine ran; the portal only reads (lib/registrations/history.ts).
import { count, eq, lt, sql } from 'drizzle-orm';
import { rows, type Conn } from '../../lib/db/conn';
import { registrations, registrationStatus, stateSamples } from '../../lib/db/schema';
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
  private readonly now: () => number;
  private readonly intervalMs: number;
  private readonly retentionMs: number;
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: Conn,
    options: StateSamplerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
    this.retentionMs = options.retentionMs ?? SAMPLE_RETENTION_MS;
    this.log = toLogger(options.log ?? enginePort());
  }

  /** Writes the sample of the current minute (replacing an earlier one of the same minute). */
  async sample(): Promise<StateCounts & { at: number }> {
    const now = this.now();
    const at = now - (now % this.intervalMs);
    const s = registrationStatus;
    // `disabled` from the registrations themselves (a disabled one may have no status row yet).
    const [counts] = await rows<{ registered: number; retrying: number; rejected: number }>(
      this.db,
      sql`select
        coalesce(sum(case when ${s.state} = 'registered' and (${s.expiresAt} is null or ${s.expiresAt} > ${now}) then 1 else 0 end), 0) as "registered",
        coalesce(sum(case when ${s.state} = 'retrying' or (${s.state} = 'registered' and ${s.expiresAt} <= ${now}) then 1 else 0 end), 0) as "retrying",
        coalesce(sum(case when ${s.state} = 'rejected' then 1 else 0 end), 0) as "rejected"
      from ${s}`,
    );
    const [total] = await this.db.select({ n: count() }).from(registrations);
    const [disabled] = await this.db.select({ n: count() }).from(registrations).where(eq(registrations.enabled, false));
    const row = {
      at,
      total: total!.n,
      registered: Number(counts?.registered ?? 0),
      retrying: Number(counts?.retrying ?? 0),
      rejected: Number(counts?.rejected ?? 0),
      disabled: disabled!.n,
    };
    const { at: _at, ...set } = row;
    await this.db.insert(stateSamples).values(row).onConflictDoUpdate({ target: stateSamples.at, set });
    await this.db.delete(stateSamples).where(lt(stateSamples.at, now - this.retentionMs));
    return row;
  }

  /** Samples now and every interval; a failed write is logged, never thrown. */
  start(): void {
    const tick = () => {
      if (this.running) return;
      this.running = this.sample()
        .catch((err: unknown) => this.log.error(`registrar: state sample write failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => (this.running = null));
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
