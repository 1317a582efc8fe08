// Tails the `registration_changes` journal that the portal appends to on every edit, so the
// engine re-reads only the registrations that changed (no whole-table reload).
import type Database from 'better-sqlite3';

/**
 * `watch`: someone opened the registration's SIP messages (a lease, see Supervisor); `test`: run
 * the test registration whose test_registrations id is the entry's registration_id.
 */
export type ChangeCommand = 'sync' | 'register' | 'unregister' | 'watch' | 'test';
export interface Change {
  registrationId: number;
  command: ChangeCommand;
}

export class ChangeFeed {
  private readonly latest: Database.Statement<[], { seq: number | null }>;
  private readonly since: Database.Statement<[number], { seq: number; registration_id: number; command: ChangeCommand }>;
  private readonly prune: Database.Statement<[number, number]>;
  private cursor = 0;

  constructor(sqlite: Database.Database) {
    this.latest = sqlite.prepare('SELECT max(seq) AS seq FROM registration_changes');
    this.since = sqlite.prepare('SELECT seq, registration_id, command FROM registration_changes WHERE seq > ? ORDER BY seq');
    this.prune = sqlite.prepare('DELETE FROM registration_changes WHERE seq <= ? AND at < ?');
  }

  /** Starts the cursor at the journal's end: everything before is covered by a full load. */
  markLoaded(): void {
    this.cursor = this.latest.get()?.seq ?? 0;
  }

  /**
   * Entries since the last call, in journal order; repeated `sync`s of one registration are
   * folded into the first (the engine re-reads the row anyway).
   */
  take(): Change[] {
    const rows = this.since.all(this.cursor);
    if (rows.length === 0) return [];
    this.cursor = rows[rows.length - 1]!.seq;
    const synced = new Set<number>();
    const changes: Change[] = [];
    for (const r of rows) {
      if (r.command === 'sync') {
        if (synced.has(r.registration_id)) continue;
        synced.add(r.registration_id);
      }
      changes.push({ registrationId: r.registration_id, command: r.command });
    }
    return changes;
  }

  /** Drops journal rows already consumed and older than `olderThan` (epoch ms). */
  compact(olderThan: number): void {
    this.prune.run(this.cursor, olderThan);
  }
}
