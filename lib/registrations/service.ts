/**
 * Registration data access, with the database handle passed in. No 'server-only' here so tests
 * (run with tsx) can use it; the app imports it through ./queries.ts and ./actions.ts.
 */
import { randomInt } from 'node:crypto';
import { and, asc, count, desc, eq, getTableColumns, inArray, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { first, type Conn } from '../db/conn';
import { dialectSql } from '../db/sql-dialect';
import { dialectName } from '../db/dialect';
import { ddiProviders, registrationChanges, registrationLeases, registrations, registrationStatus } from '../db/schema';
import type { Availability, DdiSuggestion, Holder, RegistrationJson, RegistrationList } from '../api/contracts';
import { fail, ok, type ActionResult, type ApiError } from '../api/result';
import type { Actor } from '../auth/principal';
import { errorText, log } from '../log';
import { createdChanges } from '../audit/changes';
import {
  auditedRegistrationColumns,
  recordRegistrationDeleted,
  registrationLabel,
  registrationSecretKeys,
  registrationUpdateAction,
} from '../audit/entities';
import { diffChanges, recordAudit } from '../audit/record';
import { parseStateFilter, STATE_FILTER_VALUES, type AvailabilityQuery, type RegistrationListQuery, type RegistrationPatch, type RegistrationValues, type StateFilterValue } from './schema';
import { sealSecret } from '../secrets/cipher';
import { getKeyring } from '../secrets/keyring';
import { wakeEngine } from '../engine/wake';
import { withLapse } from './lapse';
import { searchCondition } from './search';
import { newestEventId } from '../live/snapshot';
import { PASSWORD_SCOPE_MESSAGE, scopeChanges } from './password-scope';

export type { Conn };


/** Wakes the in-process registrar engine (it sets the hook) after a committed change. */
export function nudgeRegistrar(): void {
  try {
    wakeEngine();
  } catch (err) {
    log.error({ error: errorText(err) }, 'registrar nudge failed');
  }
}

/** Appends one journal row per registration id; call inside the transaction that changes them. */
export async function journal(tx: Conn, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.insert(registrationChanges).values(ids.map((registrationId) => ({ registrationId })));
}

const { password: _password, ...publicColumns } = getTableColumns(registrations);
const { registrationId: _statusId, ...statusColumns } = getTableColumns(registrationStatus);

const selection = {
  ...publicColumns,
  ddiProviderName: ddiProviders.name,
  hasPassword: sql<boolean>`(${registrations.password} is not null)`.mapWith(Boolean),
  status: statusColumns,
  lease: { nodeId: registrationLeases.nodeId, expiresAt: registrationLeases.expiresAt },
};

/**
 * Registrations with provider name, status and lease (which engine node holds it). The lease is
 * joined by its primary key, one probe per row read: a page of 200 costs no measurable time at
 * 100,000 registrations (tests/bench/lease-column.ts), and the count query does not join it.
 */
function baseSelect(db: Conn) {
  return db
    .select(selection)
    .from(registrations)
    .innerJoin(ddiProviders, eq(ddiProviders.id, registrations.ddiProviderId))
    .leftJoin(registrationStatus, eq(registrationStatus.registrationId, registrations.id))
    .leftJoin(registrationLeases, eq(registrationLeases.registrationId, registrations.id));
}

type Selected = Awaited<ReturnType<typeof baseSelect>>[number];

function toJson(row: Selected, now = Date.now()): RegistrationJson {
  const { status, lease, ...rest } = row;
  return {
    id: rest.id,
    ddiProviderId: rest.ddiProviderId,
    ddiProviderName: rest.ddiProviderName,
    username: rest.username,
    domain: rest.domain,
    ddi: rest.ddi,
    authUsername: rest.authUsername,
    registerServerUri: rest.registerServerUri,
    realm: rest.realm,
    expires: rest.expires,
    transport: rest.transport,
    enabled: rest.enabled,
    hasPassword: rest.hasPassword,
    revision: rest.revision,
    createdAt: rest.createdAt,
    updatedAt: rest.updatedAt,
    status: status && status.state !== null ? withLapse({ ...status }, now) : null,
    lease: lease && lease.nodeId !== null && lease.expiresAt !== null ? { nodeId: lease.nodeId, expiresAt: lease.expiresAt, live: lease.expiresAt > now } : null,
  };
}

export async function getRegistration(db: Conn, id: number): Promise<RegistrationJson | null> {
  const row = await first(baseSelect(db).where(eq(registrations.id, id)));
  return row ? toJson(row) : null;
}

export { likePattern } from './search';

const sortColumns = {
  id: registrations.id,
  username: registrations.username,
  domain: registrations.domain,
  ddi: registrations.ddi,
  provider: ddiProviders.name,
  updatedAt: registrations.updatedAt,
} as const;

/**
 * The state a status reads as at `now` (SQL): `registered` past its `expiresAt` is `retrying`, as
 * withLapse says on the read side; NULL when there is no status row.
 */
export function effectiveStateSql(now: number): SQL<string | null> {
  return sql<string | null>`(case when ${registrationStatus.state} = 'registered' and ${registrationStatus.expiresAt} <= ${now} then 'retrying' else ${registrationStatus.state} end)`;
}

/**
 * The effective state is `state` at `now`, written so the registration_status_state_idx index
 * answers it: `registered` only while not past expiresAt; `retrying` includes those past it.
 * `unindexed` (SQLite): the same condition with the columns behind a unary `+`, which keeps SQLite
 * from reading the rows through that index (see listRegistrations).
 */
function isState(state: StateFilterValue, now: number, unindexed = false): SQL {
  const st = unindexed ? sql`+${registrationStatus.state}` : registrationStatus.state;
  const exp = unindexed ? sql`+${registrationStatus.expiresAt}` : registrationStatus.expiresAt;
  if (state === 'none') return sql`${registrationStatus.state} is null`;
  if (state === 'registered') return sql`(${st} = 'registered' and (${exp} is null or ${exp} > ${now}))`;
  if (state === 'retrying') return sql`(${st} = 'retrying' or (${st} = 'registered' and ${exp} <= ${now}))`;
  return sql`${st} = ${state}`;
}

/** `state` filter: the effective state is one of `states` (`none`: no status yet). */
function stateCondition(states: StateFilterValue[], now: number, unindexed = false): SQL {
  return states.length === 1 ? isState(states[0]!, now, unindexed) : or(...states.map((s) => isState(s, now, unindexed)))!;
}

/**
 * Whether a page of a state filter alone is cheaper read in id order, checking each row's status,
 * than through the state index (which hands over all `matching` rows to be sorted first): reading
 * by id visits about (offset + limit) × all / matching rows, the index `matching`. For
 * `state=registered` at 100,000 (98 % of them) page 1 goes from a sort of 98,000 to 102 rows.
 * SQLite only: its planner takes the index whenever the condition allows; PostgreSQL weighs both
 * with its statistics.
 */
async function stateReadById(db: Conn, matching: number, end: number): Promise<boolean> {
  if (dialectName !== 'sqlite' || matching === 0) return false;
  const all = (await db.select({ n: count() }).from(registrations))[0]!.n;
  return end * all < matching * matching;
}

/** What a list (or a bulk action on "all matching") is filtered by. */
export type RegistrationFilter = Pick<RegistrationListQuery, 'q' | 'ddiProviderId' | 'state'>;

/**
 * The WHERE of a registrations filter (undefined: every registration). The search matches the
 * provider name through the (few) providers' ids, so it needs no join; a state filter reads the
 * lapse-aware effective state and needs registration_status joined (`needsStatus`).
 */
export async function registrationFilterSql(
  db: Conn,
  filter: RegistrationFilter,
  now: number,
): Promise<{ where: SQL | undefined; needsStatus: boolean; states: ReturnType<typeof parseStateFilter>; stateOnly: boolean }> {
  const filters: SQL[] = [];
  if (filter.ddiProviderId !== undefined) filters.push(eq(registrations.ddiProviderId, filter.ddiProviderId));
  const q = filter.q?.trim();
  if (q) filters.push(await searchCondition(db, q));
  const states = parseStateFilter(filter.state);
  if (states) filters.push(stateCondition(states, now));
  return { where: filters.length ? and(...filters) : undefined, needsStatus: states !== null, states, stateOnly: states !== null && filters.length === 1 };
}

/**
 * One page of registrations plus the total matching the filter (COUNT, LIMIT/OFFSET); see
 * registrationFilterSql.
 */
export async function listRegistrations(db: Conn, query: RegistrationListQuery, now = Date.now()): Promise<RegistrationList> {
  // read first: the rows read after it include every event up to it (the stream follows from there)
  const lastEventId = await newestEventId(db);
  const { where, needsStatus, states, stateOnly } = await registrationFilterSql(db, query, now);
  const direction = query.order === 'desc' ? desc : asc;
  const orderBy = query.sort === 'id' ? [direction(registrations.id)] : [direction(sortColumns[query.sort]), direction(registrations.id)];

  const countQuery = db.select({ n: count() }).from(registrations);
  const total =
    states && stateOnly
      ? await stateTotal(db, states, now)
      : (await (needsStatus ? countQuery.leftJoin(registrationStatus, eq(registrationStatus.registrationId, registrations.id)).where(where) : countQuery.where(where)))[0]!.n;
  const byId = states && stateOnly && query.sort === 'id' && (await stateReadById(db, total, query.page * query.pageSize));
  const rowsWhere = byId ? stateCondition(states, now, true) : where;
  const offset = (query.page - 1) * query.pageSize;
  if (offset < DEFERRED_OFFSET) {
    const rows = await baseSelect(db).where(rowsWhere).orderBy(...orderBy).limit(query.pageSize).offset(offset);
    return { items: rows.map((r) => toJson(r, now)), total, page: query.page, pageSize: query.pageSize, lastEventId };
  }
  // A deep page: its ids first, the OFFSET walking registrations (and what the filter and the sort
  // need) instead of fully joined rows, then those rows by id (PostgreSQL, page 500 of 100 at
  // 100,000: the provider join of 50,000 rows was most of its 100 ms).
  let ids = db.select({ id: registrations.id }).from(registrations).$dynamic();
  if (query.sort === 'provider') ids = ids.innerJoin(ddiProviders, eq(ddiProviders.id, registrations.ddiProviderId));
  if (needsStatus) ids = ids.leftJoin(registrationStatus, eq(registrationStatus.registrationId, registrations.id));
  const pageIds = (await ids.where(rowsWhere).orderBy(...orderBy).limit(query.pageSize).offset(offset)).map((r) => r.id);
  const byKey = new Map((pageIds.length ? await baseSelect(db).where(inArray(registrations.id, pageIds)) : []).map((r) => [r.id, r]));
  const rows = pageIds.map((id) => byKey.get(id)).filter((r) => r !== undefined);
  return { items: rows.map((r) => toJson(r, now)), total, page: query.page, pageSize: query.pageSize, lastEventId };
}

/** From this OFFSET on a page is read as ids first (listRegistrations). */
export const DEFERRED_OFFSET = 1000;

/**
 * How many registrations a state filter alone matches, from the status table's (state,
 * expires_at) index instead of a join of every registration (`state=registered` at 100,000 rows:
 * 98 % of them). `none` = registrations without a status row.
 */
async function stateTotal(db: Conn, states: StateFilterValue[], now: number): Promise<number> {
  const st = registrationStatus.state;
  const exp = registrationStatus.expiresAt;
  // Disjoint index ranges, each counted on its own (an OR of them makes SQLite collect row ids first: 3× slower).
  const ranges: SQL[] = [];
  for (const state of states) {
    if (state === 'registered') ranges.push(sql`${st} = 'registered' and ${exp} is null`, sql`${st} = 'registered' and ${exp} > ${now}`);
    else if (state === 'retrying') ranges.push(sql`${st} = 'retrying'`, sql`${st} = 'registered' and ${exp} <= ${now}`);
    else if (state !== 'none') ranges.push(sql`${st} = ${state}`);
  }
  let n = 0;
  for (const range of ranges) n += (await db.select({ n: count() }).from(registrationStatus).where(range))[0]!.n;
  if (states.includes('none')) n += (await db.select({ n: count() }).from(registrations))[0]!.n - (await db.select({ n: count() }).from(registrationStatus))[0]!.n;
  return n;
}

/**
 * Registrations per effective state, `none` for those without a status yet: a count per stored
 * state and one of the lapsed (`registered` past expiresAt, read as `retrying`), from the index.
 */
export async function stateCounts(db: Conn, now = Date.now()): Promise<{ total: number; counts: Record<StateFilterValue, number> }> {
  const total = (await db.select({ n: count() }).from(registrations))[0]!.n;
  const counts = Object.fromEntries(STATE_FILTER_VALUES.map((s) => [s, 0])) as Record<StateFilterValue, number>;
  let withStatus = 0;
  for (const row of await db.select({ state: registrationStatus.state, n: count() }).from(registrationStatus).groupBy(registrationStatus.state)) {
    if (!(row.state in counts)) continue;
    counts[row.state] = row.n;
    withStatus += row.n;
  }
  const lapsed = (
    await db
      .select({ n: count() })
      .from(registrationStatus)
      .where(sql`${registrationStatus.state} = 'registered' and ${registrationStatus.expiresAt} <= ${now}`)
  )[0]!.n;
  counts.registered -= lapsed;
  counts.retrying += lapsed;
  counts.none = Math.max(0, total - withStatus);
  return { total, counts };
}

/**
 * The registrations with a problem (effective state rejected or retrying): rejected first, then
 * the longest in their state first; `limit` of them plus how many there are.
 */
export async function problemRegistrations(db: Conn, limit: number, now = Date.now()): Promise<{ items: RegistrationJson[]; total: number }> {
  const state = effectiveStateSql(now);
  const problem = stateCondition(['rejected', 'retrying'], now);
  const since = sql`(case when ${state} = ${registrationStatus.state} then ${registrationStatus.at} else ${registrationStatus.expiresAt} end)`;
  const total = (await db.select({ n: count() }).from(registrationStatus).where(problem))[0]!.n;
  if (limit === 0 || total === 0) return { items: [], total };
  // Ranked on the status table alone (its state index finds the problems), then the `limit` rows
  // read by id: the same condition on the three-table join made SQLite walk every registration.
  const ids = (
    await db
      .select({ id: registrationStatus.registrationId })
      .from(registrationStatus)
      .where(problem)
      .orderBy(sql`(case when ${state} = 'rejected' then 0 else 1 end)`, asc(since), asc(registrationStatus.registrationId))
      .limit(limit)
  ).map((r) => r.id);
  const byId = new Map((await baseSelect(db).where(inArray(registrations.id, ids))).map((r) => [r.id, r]));
  const rows = ids.map((id) => byId.get(id)).filter((r) => r !== undefined);
  return { items: rows.map((r) => toJson(r, now)), total };
}

function holderSelect(db: Conn) {
  return db
    .select({ registrationId: registrations.id, ddiProviderId: registrations.ddiProviderId, ddiProviderName: ddiProviders.name })
    .from(registrations)
    .innerJoin(ddiProviders, eq(ddiProviders.id, registrations.ddiProviderId));
}

const notId = (excludeId?: number) => (excludeId === undefined ? undefined : ne(registrations.id, excludeId));

async function findDdiHolder(db: Conn, ddi: string, excludeId?: number): Promise<Holder | null> {
  return (await first(holderSelect(db).where(and(eq(registrations.ddi, ddi), notId(excludeId))))) ?? null;
}

async function findAccountHolder(db: Conn, username: string, domain: string, excludeId?: number): Promise<Holder | null> {
  return (
    (await first(holderSelect(db).where(and(eq(registrations.username, username), eq(registrations.domain, domain), notId(excludeId))))) ??
    null
  );
}


export async function checkAvailability(db: Conn, query: AvailabilityQuery): Promise<Availability> {
  const holder =
    'ddi' in query ? await findDdiHolder(db, query.ddi, query.excludeId) : await findAccountHolder(db, query.username, query.domain, query.excludeId);
  return holder ? { available: false, heldBy: holder } : { available: true };
}

export const conflictMessages = {
  ddi: (ddi: string, h: Holder) => `DDI ${ddi} is already used by registration #${h.registrationId} of provider "${h.ddiProviderName}".`,
  account: (username: string, domain: string, h: Holder) =>
    `Username ${username} at domain ${domain} is already used by registration #${h.registrationId} of provider "${h.ddiProviderName}".`,
};

type Identity = { ddi: string; username: string; domain: string };

/** Field errors for values already used by another registration (null when none). */
async function findConflicts(db: Conn, v: Identity, excludeId?: number): Promise<Record<string, string> | null> {
  const fields: Record<string, string> = {};
  const ddiHolder = await findDdiHolder(db, v.ddi, excludeId);
  if (ddiHolder) fields.ddi = conflictMessages.ddi(v.ddi, ddiHolder);
  const accountHolder = await findAccountHolder(db, v.username, v.domain, excludeId);
  if (accountHolder) {
    const message = conflictMessages.account(v.username, v.domain, accountHolder);
    fields.username = message;
    fields.domain = message;
  }
  return Object.keys(fields).length ? fields : null;
}

function conflictError(fields: Record<string, string>): { error: ApiError } {
  const message = fields.ddi ?? fields.username ?? fields.name ?? 'A value is already used.';
  return fail('conflict', message, fields);
}

/**
 * Maps a UNIQUE / FOREIGN KEY violation raised by the database (a race the checks before the
 * write did not see, e.g. another process) to the same field errors as the checks; null if `err`
 * is something else.
 */
async function constraintError(db: Conn, err: unknown, v: Identity, excludeId?: number): Promise<{ error: ApiError } | null> {
  const violation = dialectSql.constraintViolation(err);
  if (violation?.kind === 'foreign_key') {
    return fail('validation', 'Some fields are not valid.', { ddiProviderId: 'This DDI provider does not exist (any more).' });
  }
  if (violation?.kind !== 'unique') return null;
  const found = await findConflicts(db, v, excludeId);
  if (found) return conflictError(found);
  // The holder is gone again by now: still answer with the field the index named.
  if (/registrations[._]ddi\b/.test(violation.detail)) return conflictError({ ddi: `DDI ${v.ddi} is already used by another registration.` });
  const message = `Username ${v.username} at domain ${v.domain} is already used by another registration.`;
  return conflictError({ username: message, domain: message });
}

async function providerExists(db: Conn, id: number): Promise<boolean> {
  return !!(await first(db.select({ id: ddiProviders.id }).from(ddiProviders).where(eq(ddiProviders.id, id))));
}

const unknownProvider = () =>
  fail('validation', 'Some fields are not valid.', { ddiProviderId: 'This DDI provider does not exist.' });

/** Creates a registration (values already parsed with registrationInputSchema), audited as `actor`. */
export async function createRegistration(db: Db, values: RegistrationValues, actor: Actor): Promise<ActionResult<RegistrationJson>> {
  const { password, ...rest } = values;
  let id: number;
  try {
    const stored = { ...rest, password: password ? sealSecret(password, getKeyring()) : null };
    const outcome = await db.transaction(
      async (tx) => {
        if (!(await providerExists(tx, rest.ddiProviderId))) return unknownProvider();
        const conflicts = await findConflicts(tx, rest);
        if (conflicts) return conflictError(conflicts);
        // One instant for both (PostgreSQL's column default reads the clock once per column).
        const at = Date.now();
        const [row] = await tx.insert(registrations).values({ ...stored, createdAt: at, updatedAt: at }).returning({ id: registrations.id });
        await journal(tx, [row!.id]);
        await recordAudit(tx, actor, {
          action: 'create',
          entityType: 'registration',
          entityId: row!.id,
          entityLabel: registrationLabel(rest),
          changes: createdChanges(stored, registrationSecretKeys),
        });
        return ok(row!.id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
    id = outcome.data;
  } catch (err) {
    const mapped = await constraintError(db, err, rest);
    if (mapped) return mapped;
    throw err;
  }
  nudgeRegistrar();
  return ok((await getRegistration(db, id))!);
}

/** The 409 `stale` answer to an edit made on an old revision, with the registration as it is now. */
async function staleRegistration(tx: Conn, id: number): Promise<{ error: ApiError }> {
  return { error: { code: 'stale', message: 'Someone else changed this registration since you opened it.', current: await getRegistration(tx, id) } };
}

/** The columns a patch writes: absent fields are left out; password '' keeps the stored one. */
function patchValues(fields: Omit<RegistrationPatch, 'revision'>): Partial<typeof registrations.$inferInsert> {
  const { password, ...rest } = fields;
  const set: Partial<typeof registrations.$inferInsert> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) (set as Record<string, unknown>)[key] = value;
  }
  if (password === null) set.password = null;
  else if (typeof password === 'string' && password !== '') set.password = sealSecret(password, getKeyring());
  return set;
}

/**
 * Updates a registration (patch parsed with registrationPatchSchema), audited as `actor`.
 * Password: absent or '' keeps the stored one, null clears it, a string replaces it. With
 * `revision`, an edit made on another revision than the stored one is refused (409 `stale`).
 * A patch that changes nothing writes nothing (no revision bump, no journal, no audit entry);
 * any other bumps `revision` and sets `updatedAt`.
 */
export async function updateRegistration(db: Db, id: number, patch: RegistrationPatch, actor: Actor): Promise<ActionResult<RegistrationJson>> {
  const { revision, ...fields } = patch;
  const set = patchValues(fields);
  let identity: Identity | undefined;
  let written = false;
  try {
    const outcome = await db.transaction(
      async (tx) => {
        const current = await first(
          tx.select({ ...auditedRegistrationColumns, revision: registrations.revision }).from(registrations).where(eq(registrations.id, id)),
        );
        if (!current) return fail('not_found', `Registration #${id} does not exist.`);
        if (revision !== undefined && revision !== current.revision) return staleRegistration(tx, id);
        const changes = diffChanges<Record<string, unknown>>(current, set, registrationSecretKeys);
        if (Object.keys(changes).length === 0) return ok(id);
        // A kept password goes only where it was saved for (see password-scope.ts).
        if (current.password !== null && set.password === undefined && scopeChanges(current, set).length > 0) {
          return fail('validation', PASSWORD_SCOPE_MESSAGE, { password: PASSWORD_SCOPE_MESSAGE });
        }
        identity = { ddi: set.ddi ?? current.ddi, username: set.username ?? current.username, domain: set.domain ?? current.domain };
        if (set.ddiProviderId !== undefined && !(await providerExists(tx, set.ddiProviderId))) return unknownProvider();
        const conflicts = await findConflicts(tx, identity, id);
        if (conflicts) return conflictError(conflicts);
        await tx
          .update(registrations)
          .set({ ...set, revision: sql`${registrations.revision} + 1`, updatedAt: Date.now() })
          .where(eq(registrations.id, id));
        await journal(tx, [id]);
        await recordAudit(tx, actor, {
          action: registrationUpdateAction(changes),
          entityType: 'registration',
          entityId: id,
          entityLabel: registrationLabel(identity),
          changes,
        });
        written = true;
        return ok(id);
      },
      { behavior: 'immediate' },
    );
    if ('error' in outcome) return outcome;
  } catch (err) {
    const mapped = identity ? await constraintError(db, err, identity, id) : null;
    if (mapped) return mapped;
    throw err;
  }
  if (written) nudgeRegistrar();
  return ok((await getRegistration(db, id))!);
}

/** Deletes a registration, audited as `actor` with the fields it had. */
export async function deleteRegistration(db: Db, id: number, actor: Actor): Promise<ActionResult<{ id: number }>> {
  const outcome = await db.transaction(
    async (tx) => {
      const [removed] = await tx.delete(registrations).where(eq(registrations.id, id)).returning(auditedRegistrationColumns);
      if (!removed) return fail('not_found', `Registration #${id} does not exist.`);
      await journal(tx, [id]);
      await recordRegistrationDeleted(tx, actor, id, removed);
      return ok({ id });
    },
    { behavior: 'immediate' },
  );
  if ('data' in outcome) nudgeRegistrar();
  return outcome;
}

/** True when no registration uses `ddi` and no provider lists it. */
export async function isDdiFree(db: Conn, ddi: string): Promise<boolean> {
  if (await findDdiHolder(db, ddi)) return false;
  const listed = await first(db.select({ id: ddiProviders.id }).from(ddiProviders).where(dialectSql.jsonArrayHas(ddiProviders.ddis, ddi)).limit(1));
  return !listed;
}

/**
 * A DDI value no registration uses: the first of the provider's own DDIs that is free (the one
 * held by `excludeId` counts as free), else a generated free numeric value.
 */
export async function suggestDdi(db: Db, opts: { ddiProviderId?: number; excludeId?: number } = {}): Promise<ActionResult<DdiSuggestion>> {
  if (opts.ddiProviderId !== undefined) {
    const provider = await first(db.select({ ddis: ddiProviders.ddis }).from(ddiProviders).where(eq(ddiProviders.id, opts.ddiProviderId)));
    if (!provider) return fail('not_found', `DDI provider #${opts.ddiProviderId} does not exist.`);
    if (provider.ddis.length > 0) {
      const used = new Set(
        (
          await db
            .select({ ddi: registrations.ddi })
            .from(registrations)
            .where(and(inArray(registrations.ddi, provider.ddis), notId(opts.excludeId)))
        ).map((r) => r.ddi),
      );
      const free = provider.ddis.find((d) => !used.has(d));
      if (free !== undefined) return ok({ ddi: free, source: 'provider' });
    }
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = String(randomInt(900_000_000, 1_000_000_000));
    if (await isDdiFree(db, candidate)) return ok({ ddi: candidate, source: 'generated' });
  }
  // Practically unreachable: walk upwards from the largest numeric DDI in use.
  const [max] = await db.select({ m: dialectSql.maxDigits(registrations.ddi) }).from(registrations);
  let n = BigInt(Math.max(max?.m ?? 0, 999_999_999)) + 1n;
  while (!(await isDdiFree(db, String(n)))) n++;
  return ok({ ddi: String(n), source: 'generated' });
}
