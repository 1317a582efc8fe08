// Tails the `registration_changes` journal that the portal appends to on every edit, so the
// engine re-reads only the registrations that changed (no whole-table reload).
import { and, asc, gt, lt, lte, max } from 'drizzle-orm';
import type { Conn } from '../../lib/db/conn';
import { registrationChanges as c } from '../../lib/db/schema';

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
  private cursor = 0;

  constructor(private readonly db: Conn) {}

  /** Starts the cursor at the journal's end: everything before is covered by a full load. */
  async markLoaded(): Promise<void> {
    const [row] = await this.db.select({ seq: max(c.seq) }).from(c);
    this.cursor = row?.seq ?? 0;
  }

  /**
   * Entries since the last call, in journal order; repeated `sync`s of one registration are
   * folded into the first (the engine re-reads the row anyway).
   */
  async take(): Promise<Change[]> {
    const rows = await this.db
      .select({ seq: c.seq, registration_id: c.registrationId, command: c.command })
      .from(c)
      .where(gt(c.seq, this.cursor))
      .orderBy(asc(c.seq));
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
  async compact(olderThan: number): Promise<void> {
    await this.db.delete(c).where(and(lte(c.seq, this.cursor), lt(c.at, olderThan)));
  }
}
