// Tails the `registration_changes` journal that the portal appends to on every edit, so the
// engine re-reads only the registrations that changed (no whole-table reload).
import type Database from 'better-sqlite3';

export class ChangeFeed {
  private readonly latest: Database.Statement<[], { seq: number | null }>;
  private readonly since: Database.Statement<[number], { seq: number; registration_id: number }>;
  private readonly prune: Database.Statement<[number, number]>;
  private cursor = 0;

  constructor(sqlite: Database.Database) {
    this.latest = sqlite.prepare('SELECT max(seq) AS seq FROM registration_changes');
    this.since = sqlite.prepare('SELECT seq, registration_id FROM registration_changes WHERE seq > ? ORDER BY seq');
    this.prune = sqlite.prepare('DELETE FROM registration_changes WHERE seq <= ? AND at < ?');
  }

  /** Starts the cursor at the journal's end: everything before is covered by a full load. */
  markLoaded(): void {
    this.cursor = this.latest.get()?.seq ?? 0;
  }

  /** Ids of the registrations changed since the last call, each once, in journal order. */
  take(): number[] {
    const rows = this.since.all(this.cursor);
    if (rows.length === 0) return [];
    this.cursor = rows[rows.length - 1]!.seq;
    return [...new Set(rows.map((r) => r.registration_id))];
  }

  /** Drops journal rows already consumed and older than `olderThan` (epoch ms). */
  compact(olderThan: number): void {
    this.prune.run(this.cursor, olderThan);
  }
}
