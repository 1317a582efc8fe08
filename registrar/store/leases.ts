// The lease rows of one engine node (`registration_leases`, see lib/db/schema-sqlite.ts): which
// registrations it registers, claimed, renewed and handed back through the database, the same SQL
// on SQLite and PostgreSQL but for the lock clause (lib/db/sql-dialect.ts `lockSkipLocked`).
//  - A lease is held until `expires_at` (database time, ms): clocks of the nodes need not agree.
//  - A claim takes rows whose lease expired (or was handed back: expires_at = 0; a registration
//    nobody ever held gets an unowned row first: node_id '', token 0, expires_at 0), each with a
//    new `token` (the old one + 1). PostgreSQL
//    locks the candidates FOR UPDATE SKIP LOCKED, so concurrent claimers take disjoint rows
//    without waiting; on SQLite each claim is one UPDATE statement, atomic under the
//    database's single writer.
//  - A renewal moves `expires_at` of the rows this node holds and tells which ones it still holds
//    with which token: a row gone to another node (another node_id, a higher token) is lost.
//  - A hand-back (release) sets `expires_at` to 0 where the token is still ours, with the binding
//    as last sent (Call-ID, CSeq, Contact) for the next owner.
import { sql, type SQL } from 'drizzle-orm';
import { rows, execute, type Conn } from '../../lib/db/conn';
import { dialectSql } from '../../lib/db/sql-dialect';
import type { ClaimedLease, LeaseRows } from '../cluster/lease-keeper';
import type { BindingState } from '../registration/config';
import { yieldToIo } from '../util/yield-to-io';

interface LeaseSqlRow {
  registration_id: number | string;
  token: number | string;
  call_id: string | null;
  cseq: number | string | null;
  contact: string | null;
}

const RETURNING = sql.raw('returning registration_id, token, call_id, cseq, contact');
/** Ids per statement (PostgreSQL allows 65,535 parameters, SQLite 32,766). */
const ID_CHUNK = 5000;
/** Registration ids per renewal statement: ≈ 1,000 rows held by a single node, a few ms on SQLite. */
const RENEW_SPAN = 1000;

function claimedOf(r: LeaseSqlRow): ClaimedLease {
  const binding = r.call_id === null ? null : { callId: r.call_id, cseq: Number(r.cseq ?? 0), contact: r.contact };
  return { registrationId: Number(r.registration_id), token: Number(r.token), binding };
}

export class LeaseStore implements LeaseRows {
  constructor(
    private readonly db: Conn,
    /** This node's id (engine_nodes.node_id). */
    readonly nodeId: string,
    readonly leaseMs: number,
  ) {}

  private expiry(): SQL {
    return sql`${dialectSql.nowMs()} + ${this.leaseMs}`;
  }

  /**
   * Rows (unowned: node_id '', token 0, expired) for registrations that have none yet, so that every
   * claim goes through the locking UPDATE below: concurrent claimers inserting the same new rows
   * would otherwise wait for each other and come back with fewer than they asked for.
   */
  private async addMissingRows(id?: number): Promise<void> {
    const only = id === undefined ? sql`` : sql` and r.id = ${id}`;
    await execute(
      this.db,
      sql`insert into registration_leases (registration_id, node_id, token, expires_at)
        select r.id, '', 0, 0 from registrations r
        where not exists (select 1 from registration_leases l where l.registration_id = r.id)${only}
        on conflict (registration_id) do nothing`,
    );
  }

  /**
   * Claims up to `max` registrations nobody holds (never held, expired or handed back). With
   * `own`, also the rows still held under this node's id (a restart of this node, whose previous
   * process is gone: it held the same SIP port), those first, then the lowest ids. Each claimed row
   * gets a new token.
   */
  async claim(max: number, { own = false } = {}): Promise<ClaimedLease[]> {
    if (max <= 0) return [];
    await this.addMissingRows();
    const now = dialectSql.nowMs();
    const free = own ? sql`(expires_at <= ${now} or node_id = ${this.nodeId})` : sql`expires_at <= ${now}`;
    const taken = await rows<LeaseSqlRow>(
      this.db,
      sql`update registration_leases set node_id = ${this.nodeId}, token = token + 1, expires_at = ${this.expiry()}, updated_at = ${now}
        where registration_id in (
          select registration_id from registration_leases where ${free}
          order by case when node_id = ${this.nodeId} then 0 else 1 end, registration_id limit ${max} ${dialectSql.lockSkipLocked()}
        ) and ${free} ${RETURNING}`,
    );
    return taken.map(claimedOf);
  }

  /** Claims registration `id` if nobody holds it (a registration just created); null when another node holds it (or it is gone). */
  async claimOne(id: number): Promise<ClaimedLease | null> {
    await this.addMissingRows(id);
    const now = dialectSql.nowMs();
    const [taken] = await rows<LeaseSqlRow>(
      this.db,
      sql`update registration_leases set node_id = ${this.nodeId}, token = token + 1, expires_at = ${this.expiry()}, updated_at = ${now}
        where registration_id = ${id} and expires_at <= ${now} ${RETURNING}`,
    );
    return taken ? claimedOf(taken) : null;
  }

  /**
   * Renews every lease held under this node's id (not the ones handed back) and returns them:
   * registration id → token. A lease missing from the answer, or with another token, is another
   * node's now. In statements over ranges of RENEW_SPAN registration ids (the primary key), one
   * event-loop turn each: on SQLite a statement runs in the engine's thread, and one UPDATE of
   * 10,000 rows held it 60–110 ms (issue 12); the last range is open-ended, so a lease claimed
   * meanwhile is renewed too.
   */
  async renew(): Promise<Map<number, number>> {
    const held = new Map<number, number>();
    const [top] = await rows<{ id: number | string | null }>(this.db, sql`select max(registration_id) as id from registration_leases`);
    const last = Number(top?.id ?? 0);
    for (let from = 0; ; from += RENEW_SPAN) {
      const open = from + RENEW_SPAN >= last;
      const range = open ? sql`registration_id > ${from}` : sql`registration_id > ${from} and registration_id <= ${from + RENEW_SPAN}`;
      const renewed = await rows<{ registration_id: number | string; token: number | string }>(
        this.db,
        // `node_id || ''`: the range on the primary key, not the (node_id, expires_at) index (SQLite's
        // planner took that one, which reads every row of the node for each range: 3× slower at 100,000).
        sql`update registration_leases set expires_at = ${this.expiry()} where ${range} and node_id || '' = ${this.nodeId} and expires_at > 0 returning registration_id, token`,
      );
      for (const r of renewed) held.set(Number(r.registration_id), Number(r.token));
      if (open) return held;
      await yieldToIo();
    }
  }

  /**
   * Hands leases back (expires_at = 0, so any node may claim them at once), each only while its
   * token is still current, with the binding as last sent (a null binding leaves the stored one).
   * One statement per chunk, outside any transaction: it never waits behind the status writes.
   * The rows handed back.
   */
  async release(leases: ReadonlyArray<{ registrationId: number; token: number; binding: BindingState | null }>): Promise<number> {
    let released = 0;
    for (let i = 0; i < leases.length; i += ID_CHUNK) {
      const tuples = leases.slice(i, i + ID_CHUNK).map((l) => [String(l.registrationId), String(l.token), l.binding?.callId ?? null, l.binding ? String(l.binding.cseq) : null, l.binding?.contact ?? null]);
      const keep = (column: string, value: SQL) => sql`case when v.c2 is null then ${sql.raw(column)} else ${value} end`;
      released += await execute(
        this.db,
        sql`update registration_leases set expires_at = 0, updated_at = ${dialectSql.nowMs()},
          call_id = ${keep('call_id', sql`v.c2`)}, cseq = ${keep('cseq', sql`cast(v.c3 as integer)`)}, contact = ${keep('contact', sql`v.c4`)}
          from ${dialectSql.jsonTuples(JSON.stringify(tuples), 5)} as v
          where registration_id = cast(v.c0 as integer) and token = cast(v.c1 as integer)`,
      );
    }
    return released;
  }

  /** Of these registrations, the ones without a lease row (deleted: the row goes with its registration). */
  async missing(ids: readonly number[]): Promise<number[]> {
    const present = new Set<number>();
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      const chunk = ids.slice(i, i + ID_CHUNK);
      const found = await rows<{ registration_id: number | string }>(
        this.db,
        sql`select registration_id from registration_leases where registration_id in (${sql.join(chunk.map((id) => sql`${id}`), sql`, `)})`,
      );
      for (const r of found) present.add(Number(r.registration_id));
    }
    return ids.filter((id) => !present.has(id));
  }

  /**
   * Engine nodes alive now: running, with a heartbeat newer than one lease (`now`: this node's
   * clock, as the heartbeats are written). At least 1 (this node counts itself).
   */
  async liveNodes(now: number): Promise<number> {
    const [row] = await rows<{ n: number | string }>(
      this.db,
      sql`select count(*) as n from engine_nodes where state = 'running' and heartbeat_at >= ${now - this.leaseMs} and node_id <> ${this.nodeId}`,
    );
    return 1 + Number(row?.n ?? 0);
  }

  /** Registrations in the database (every one is leased, enabled or not: its status is written by its owner). */
  async registrationCount(): Promise<number> {
    const [row] = await rows<{ n: number | string }>(this.db, sql`select count(*) as n from registrations`);
    return Number(row?.n ?? 0);
  }
}
