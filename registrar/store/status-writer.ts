// The SQL side of the StatusStore: rows in, statements out, on one better-sqlite3 connection.
// The StatusStore (the policy: what is a transition, which messages are kept) hands it plain rows;
// it runs either in the engine's thread (inline) or in write-worker.ts, a worker thread with a
// connection of its own, so the engine's event loop never waits for SQLite. Everything crossing
// the thread boundary is in the row types below (structured-clone friendly tuples). A port to
// another database implements `write` with the same rules.
import type Database from 'better-sqlite3';
import type { RegistrationState, TraceEntry } from '../registration/status';
import { KeptBindings } from './kept-bindings';

/**
 * One status row: registration id, state, code, reason, at, attempts, requested expires,
 * granted expires, expires at, next attempt at, target, last success at, whether it is a
 * transition (also appended to the timeline), then the fence: the lease token it was made under
 * (null: unfenced, written while the registration exists) and the binding as sent so far
 * (Call-ID, CSeq, Contact; kept in the lease row for the next owner; callId null: unknown, left as is).
 */
export type StatusRow = [
  id: number, state: RegistrationState, code: number | null, reason: string | null, at: number, attempts: number,
  requestedExpires: number, grantedExpires: number | null, expiresAt: number | null, nextAttemptAt: number | null,
  target: string | null, lastSuccessAt: number | null, event: boolean,
  token: number | null, callId: string | null, cseq: number | null, contact: string | null,
];

/**
 * One SIP message: registration id, direction, at, remote, redacted text, the routine sample it
 * belongs to (0: none; a sample replaces the registration's previous one), and its
 * retransmissions (JSON array of ms after the first send, or null).
 * Or an amendment: [id, 'amend', at, retransmits JSON] — the retransmissions of a request already
 * written (its newest outgoing row sent at `at` is updated; never a row per retransmission).
 */
export type TraceRow =
  | [id: number, direction: TraceEntry['direction'], at: number, remote: string, text: string, sample: number, retransmits: string | null, token: number | null]
  | [id: number, direction: 'amend', at: number, retransmits: string, token: number | null];

/**
 * What a write did. `deleted`: registrations whose row is gone, or whose lease token is no longer
 * current (another engine node owns them: fenced), whose late writes were dropped; `fenced`: rows
 * refused for a token no longer current.
 */
export interface WriteOutcome {
  statusRows: number;
  eventRows: number;
  traceRows: number;
  traceAmends: number;
  transactions: number;
  fenced: number;
  deleted: number[];
}

export const emptyOutcome = (): WriteOutcome => ({ statusRows: 0, eventRows: 0, traceRows: 0, traceAmends: 0, transactions: 0, fenced: 0, deleted: [] });

export function addOutcome(into: WriteOutcome, more: WriteOutcome): void {
  into.statusRows += more.statusRows;
  into.eventRows += more.eventRows;
  into.traceRows += more.traceRows;
  into.traceAmends += more.traceAmends;
  into.transactions += more.transactions;
  into.fenced += more.fenced;
  for (const id of more.deleted) into.deleted.push(id);
}

type StatusRowParams = [
  number, string, number | null, string | null, number, number, number, number | null,
  number | null, number | null, string | null, number | null,
];
/** StatusRowParams, then the registration id again (the EXISTS check). */
type StatusParams = [...StatusRowParams, number];

export class StatusWriter {
  private readonly upsertStatus: Database.Statement<StatusParams>;
  /** The same for a registration known to exist (its lease token checked in this transaction): no EXISTS lookup. */
  private readonly upsertStatusHeld: Database.Statement<StatusRowParams>;
  private readonly insertEvent: Database.Statement<
    [number, string, number | null, string | null, number, number | null, number | null, string | null]
  >;
  private readonly insertTrace: Database.Statement<[number, string, number, string, string, string | null, number]>;
  private readonly insertTraceHeld: Database.Statement<[number, string, number, string, string, string | null]>;
  private readonly amendTrace: Database.Statement<[string, number, number]>;
  private readonly pruneTraces: Database.Statement<[number, number, number]>;
  private readonly deleteTraces: Database.Statement<[number, number, number]>;
  private readonly countTraces: Database.Statement<[number], { n: number }>;
  private readonly leaseCurrent: Database.Statement<[number, number], 1>;
  private readonly keepBinding: Database.Statement<[string, number | null, string | null, number, number, number]>;
  private readonly transaction: (statuses: readonly StatusRow[], traces: readonly TraceRow[], out: WriteOutcome) => void;
  /** Rows of the routine sample stored last per registration (replaced by the next one). */
  private readonly sampleRows = new Map<number, { sample: number; from: number; to: number }>();
  /**
   * Rows of registration_traces per registration, as far as this writer knows (counted once at the
   * registration's first message, then kept: only the StatusStore's writer adds rows). The prune
   * runs when a registration is over `traceKeep`, not after every transaction that touched it: a
   * first registration's 4 messages cost 4 inserts and one count instead of 2–4 prunes (issue 12:
   * the prunes were a fifth of the write thread's statements in a 10,000 burst). A transaction
   * rolled back leaves the count too high, which only costs a prune that deletes nothing.
   */
  private readonly traceRows = new Map<number, number>();
  /**
   * Lease tokens found current in the transaction under way (cleared at its start): under
   * BEGIN IMMEDIATE a token checked stays current until the commit, so a registration's status
   * and messages in one transaction cost one check, not one per row.
   */
  private readonly verified = new Map<number, number>();
  /** The bindings in the lease rows: an unchanged one is not written again, only its token checked. */
  private readonly kept = new KeptBindings();

  /** `traceKeep`: SIP messages kept per registration. */
  constructor(sqlite: Database.Database, private readonly traceKeep: number) {
    // Anonymous `?` only: better-sqlite3 treats `?NNN` as a *named* parameter and refuses
    // positional values for it ("Too many parameter values were provided").
    const upsert = (values: string) => `
      INSERT INTO registration_status (registration_id, state, code, reason, at, attempts, requested_expires,
        granted_expires, expires_at, next_attempt_at, target, last_success_at)
      ${values}
      ON CONFLICT (registration_id) DO UPDATE SET state = excluded.state, code = excluded.code,
        reason = excluded.reason, at = excluded.at, attempts = excluded.attempts,
        requested_expires = excluded.requested_expires, granted_expires = excluded.granted_expires,
        expires_at = excluded.expires_at, next_attempt_at = excluded.next_attempt_at,
        target = excluded.target, last_success_at = excluded.last_success_at`;
    this.upsertStatus = sqlite.prepare(upsert('SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?)'));
    // A row under a lease token checked current in this transaction (BEGIN IMMEDIATE): the lease row
    // exists, so its registration does (ON DELETE CASCADE); the lookup above would only repeat the
    // foreign-key check (issue 12: one B-tree lookup less per status and message of a burst).
    this.upsertStatusHeld = sqlite.prepare(upsert('VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'));
    this.insertEvent = sqlite.prepare(`
      INSERT INTO registration_events (registration_id, state, code, reason, at, expires_at, next_attempt_at, target)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertTrace = sqlite.prepare(`
      INSERT INTO registration_traces (registration_id, direction, at, remote, text, retransmits)
      SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM registrations WHERE id = ?)`);
    this.insertTraceHeld = sqlite.prepare(`
      INSERT INTO registration_traces (registration_id, direction, at, remote, text, retransmits) VALUES (?, ?, ?, ?, ?, ?)`);
    // The newest request of the registration sent at `at` (the index covers registration_id, id).
    this.amendTrace = sqlite.prepare(`
      UPDATE registration_traces SET retransmits = ? WHERE id = (
        SELECT id FROM registration_traces WHERE registration_id = ? AND direction = 'out' AND at = ? ORDER BY id DESC LIMIT 1)`);
    this.pruneTraces = sqlite.prepare(`
      DELETE FROM registration_traces WHERE registration_id = ? AND id <= coalesce((
        SELECT id FROM registration_traces WHERE registration_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?), 0)`);
    this.deleteTraces = sqlite.prepare('DELETE FROM registration_traces WHERE registration_id = ? AND id BETWEEN ? AND ?');
    this.countTraces = sqlite.prepare('SELECT count(*) AS n FROM registration_traces WHERE registration_id = ?');
    // Fencing (registrar/cluster/): a row made under a lease token is written only while that token is current.
    this.leaseCurrent = sqlite.prepare<[number, number], 1>('SELECT 1 FROM registration_leases WHERE registration_id = ? AND token = ?').pluck();
    this.keepBinding = sqlite.prepare('UPDATE registration_leases SET call_id = ?, cseq = ?, contact = ?, updated_at = ? WHERE registration_id = ? AND token = ?');
    const transaction = sqlite.transaction((statuses: readonly StatusRow[], traces: readonly TraceRow[], out: WriteOutcome) => {
      this.verified.clear();
      // A status followed by another of its registration in this transaction only adds its timeline
      // row: the row of registration_status ends as the last one says (issue 12: a start-up writes
      // pending, registering and registered, often in one transaction).
      const last = new Map<number, StatusRow>();
      for (const s of statuses) last.set(s[0], s);
      for (const s of statuses) this.writeStatus(s, last.get(s[0]) !== s, out);
      const touched = new Set<number>();
      for (const t of traces) {
        if (!this.current(t[0], t[t.length - 1] as number | null, out)) continue;
        if (t[1] === 'amend') {
          this.amendTrace.run(t[3], t[0], t[2]);
          out.traceAmends++;
          continue;
        }
        const [id, direction, at, remote, text, sample, retransmits, token] = t;
        const before = this.traceRows.get(id) ?? this.countTraces.get(id)?.n ?? 0;
        const { changes, lastInsertRowid } =
          token !== null
            ? this.insertTraceHeld.run(id, direction, at, remote, text, retransmits)
            : this.insertTrace.run(id, direction, at, remote, text, retransmits, id);
        this.traceRows.set(id, before + changes);
        if (changes > 0 && sample !== 0) this.keepSample(id, sample, Number(lastInsertRowid));
        out.traceRows++;
        touched.add(id);
      }
      for (const id of touched) {
        if ((this.traceRows.get(id) ?? 0) <= this.traceKeep) continue;
        this.pruneTraces.run(id, id, this.traceKeep);
        this.traceRows.set(id, this.traceKeep);
      }
      out.transactions++;
    });
    // BEGIN IMMEDIATE: the write lock from the first statement, so a token checked stays current
    // until the commit (a claim by another node waits for it).
    this.transaction = transaction.immediate;
  }

  /** Writes the rows in one transaction (all or nothing). */
  write(statuses: readonly StatusRow[], traces: readonly TraceRow[]): WriteOutcome {
    const out = emptyOutcome();
    try {
      this.transaction(statuses, traces, out);
    } catch (err) {
      this.kept.clear();
      throw err;
    }
    return out;
  }

  /**
   * Writes the rows in transactions of at most `chunk` rows (a status with its timeline entry
   * counts one), so other writers of the database (the portal) wait for one chunk at most.
   */
  writeChunked(statuses: readonly StatusRow[], traces: readonly TraceRow[], chunk: number): WriteOutcome {
    const out = emptyOutcome();
    let s = 0;
    let t = 0;
    while (s < statuses.length || t < traces.length) {
      const st = statuses.slice(s, s + chunk);
      s += st.length;
      const tr = traces.slice(t, t + chunk - st.length);
      t += tr.length;
      addOutcome(out, this.write(st, tr));
    }
    return out;
  }

  /** Whether a row of registration `id` made under `token` may be written (null: unfenced). */
  private current(id: number, token: number | null, out: WriteOutcome): boolean {
    if (token === null || this.tokenCurrent(id, token)) return true;
    out.fenced++;
    return false;
  }

  /** Whether `token` is registration `id`'s lease token now (checked once per transaction). */
  private tokenCurrent(id: number, token: number): boolean {
    if (this.verified.get(id) === token) return true;
    if (this.leaseCurrent.get(id, token) === undefined) return false;
    this.verified.set(id, token);
    return true;
  }

  /** Writes the binding into the lease row when it changed (false: the token is not current). */
  private keep(id: number, token: number, callId: string, cseq: number | null, contact: string | null, at: number): boolean {
    if (!this.kept.changed(id, token, callId, cseq, contact)) return this.tokenCurrent(id, token);
    if (this.keepBinding.run(callId, cseq, contact, at, id, token).changes === 0) return false;
    this.kept.written(id, token, callId, cseq, contact);
    this.verified.set(id, token);
    return true;
  }

  private writeStatus(s: StatusRow, superseded: boolean, out: WriteOutcome): void {
    const [id, state, code, reason, at, attempts, requestedExpires, grantedExpires, expiresAt, nextAttemptAt, target, lastSuccessAt, event, token, callId, cseq, contact] = s;
    const fenced = token !== null && (callId !== null ? !this.keep(id, token, callId, cseq, contact, at) : !this.current(id, token, out));
    if (fenced) {
      if (callId !== null) out.fenced++;
      this.kept.forget(id);
      this.sampleRows.delete(id);
      out.deleted.push(id);
      return;
    }
    // Under a current token the registration exists (its lease row goes with it): the upsert needs
    // no EXISTS, and a superseded status no row of its own. Unfenced, the upsert tells whether it still exists.
    if (token !== null) {
      if (!superseded) {
        this.upsertStatusHeld.run(id, state, code, reason, at, attempts, requestedExpires, grantedExpires, expiresAt, nextAttemptAt, target, lastSuccessAt);
        out.statusRows++;
      }
    } else {
      const { changes } = this.upsertStatus.run(
        id, state, code, reason, at, attempts, requestedExpires, grantedExpires, expiresAt, nextAttemptAt, target, lastSuccessAt, id,
      );
      out.statusRows += changes;
      // A deleted registration's final transitions are not kept (its timeline went with it).
      if (changes === 0) {
        this.sampleRows.delete(id);
        this.traceRows.delete(id);
        this.kept.forget(id);
        out.deleted.push(id);
        return;
      }
    }
    if (!event) return;
    this.insertEvent.run(id, state, code, reason, at, expiresAt, nextAttemptAt, target);
    out.eventRows++;
  }

  /** Rows of a routine sample: the registration's previous sample is deleted when its next one is stored. */
  private keepSample(id: number, sample: number, rowId: number): void {
    const kept = this.sampleRows.get(id);
    if (kept?.sample === sample) {
      kept.to = rowId;
      return;
    }
    if (kept) {
      const { changes } = this.deleteTraces.run(id, kept.from, kept.to);
      this.traceRows.set(id, Math.max(0, (this.traceRows.get(id) ?? 0) - changes));
    }
    this.sampleRows.set(id, { sample, from: rowId, to: rowId });
  }
}
