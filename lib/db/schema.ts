import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { REGISTRATION_STATES, ROLES, TRACE_DIRECTIONS, TRANSPORT_SETTINGS } from '../../registrar/domain/vocabulary';

const now = sql`(cast(unixepoch('subsec') * 1000 as integer))`;

export const ddiProviders = sqliteTable('ddi_providers', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  ddis: text('ddis', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
  /** Where calls to this provider's registrations' DDIs are relayed (sip:/sips: URI); null: SIP_FORWARD_TO. */
  forwardTo: text('forward_to'),
  revision: integer('revision').notNull().default(1),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
});

export const registrations = sqliteTable(
  'registrations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    ddiProviderId: integer('ddi_provider_id')
      .notNull()
      .references(() => ddiProviders.id, { onDelete: 'cascade' }),
    username: text('username').notNull(),
    domain: text('domain').notNull(),
    ddi: text('ddi').notNull(),
    authUsername: text('auth_username'),
    password: text('password'),
    registerServerUri: text('register_server_uri'),
    realm: text('realm'),
    expires: integer('expires').notNull().default(3600),
    // The setting's list is domain vocabulary (registrar/domain/vocabulary.ts). The column keeps its
    // SQL default 'udp' (changing it would rebuild the table in a migration); new registrations get
    // `auto` from the API and the form (lib/registrations/schema.ts).
    transport: text('transport', { enum: TRANSPORT_SETTINGS }).notNull().default('udp'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    revision: integer('revision').notNull().default(1),
    createdAt: integer('created_at').notNull().default(now),
    updatedAt: integer('updated_at').notNull().default(now),
  },
  (t) => [
    uniqueIndex('registrations_ddi_unique').on(t.ddi),
    uniqueIndex('registrations_account_unique').on(t.username, t.domain),
    index('registrations_provider_idx').on(t.ddiProviderId),
    // Sort keys of the registrations list (LIMIT/OFFSET pages without a full sort).
    index('registrations_domain_idx').on(t.domain),
    index('registrations_updated_at_idx').on(t.updatedAt),
  ],
);

/** Latest engine status per registration, persisted so it survives restarts. */
export const registrationStatus = sqliteTable(
  'registration_status',
  {
  registrationId: integer('registration_id')
    .primaryKey()
    .references(() => registrations.id, { onDelete: 'cascade' }),
  state: text('state', { enum: REGISTRATION_STATES }).notNull(),
  code: integer('code'),
  reason: text('reason'),
  at: integer('at').notNull(),
  attempts: integer('attempts').notNull().default(0),
  requestedExpires: integer('requested_expires'),
  grantedExpires: integer('granted_expires'),
  expiresAt: integer('expires_at'),
  nextAttemptAt: integer('next_attempt_at'),
  target: text('target'),
  lastSuccessAt: integer('last_success_at'),
  },
  // Counts per state and the problem list of the dashboard (GET /api/registrations/summary) read
  // this index only, not the 100,000 rows; expires_at for the lapse (registered past it).
  (t) => [index('registration_status_state_idx').on(t.state, t.expiresAt)],
);

/**
 * `watch`: someone opened the registration's SIP messages; the engine writes them as they come for a while (no schema change: text column).
 * `test`: run the "Test registration" in `test_registrations` whose id is the row's registration_id.
 */
export const registrationCommands = ['sync', 'register', 'unregister', 'watch', 'test'] as const;
export type RegistrationCommand = (typeof registrationCommands)[number];

/**
 * Append-only journal from the portal to the engine: `sync` after every edit (the engine re-reads
 * that registration only), `register` / `unregister` for operator actions.
 */
export const registrationChanges = sqliteTable('registration_changes', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  registrationId: integer('registration_id').notNull(),
  command: text('command', { enum: registrationCommands }).notNull().default('sync'),
  at: integer('at').notNull().default(now),
});

export type DdiProviderRow = typeof ddiProviders.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type RegistrationStatusRow = typeof registrationStatus.$inferSelect;

/** Timeline of state transitions (bounded by retention, gone with the registration); its id is the live stream's event id. */
export const registrationEvents = sqliteTable(
  'registration_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    state: text('state', { enum: REGISTRATION_STATES }).notNull(),
    code: integer('code'),
    reason: text('reason'),
    at: integer('at').notNull(),
    expiresAt: integer('expires_at'),
    nextAttemptAt: integer('next_attempt_at'),
    target: text('target'),
  },
  (t) => [index('registration_events_registration_idx').on(t.registrationId, t.at)],
);

/** Recent SIP messages per registration (redacted), bounded per registration, gone with it. */
export const registrationTraces = sqliteTable(
  'registration_traces',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    direction: text('direction', { enum: TRACE_DIRECTIONS }).notNull(),
    at: integer('at').notNull(),
    remote: text('remote').notNull(),
    text: text('text').notNull(),
    /** A request retransmitted over UDP (Timer E): when each retransmission went out, ms after `at` (JSON array); null when none was. */
    retransmits: text('retransmits', { mode: 'json' }).$type<number[]>(),
  },
  (t) => [index('registration_traces_registration_idx').on(t.registrationId, t.id)],
);

export type RegistrationEventRow = typeof registrationEvents.$inferSelect;
export type RegistrationTraceRow = typeof registrationTraces.$inferSelect;

/** People who sign in to the portal. `email` is stored lower-cased; the password only as a scrypt hash. */
export const operators = sqliteTable('operators', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  role: text('role', { enum: ROLES }).notNull(),
  passwordHash: text('password_hash').notNull(),
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  createdAt: integer('created_at').notNull().default(now),
  updatedAt: integer('updated_at').notNull().default(now),
});

/** Signed-in browser sessions; `id` is the SHA-256 of the cookie value, never the value itself. */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_operator_idx').on(t.operatorId)],
);

/** Named API tokens for scripts; only the SHA-256 of the token is kept (it is shown once). */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    createdAt: integer('created_at').notNull().default(now),
    lastUsedAt: integer('last_used_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_tokens_operator_idx').on(t.operatorId)],
);

/** Failed sign-ins per key (`ip:<address>` or `account:<email>`), for throttling. */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    key: text('key').notNull(),
    at: integer('at').notNull(),
  },
  (t) => [index('login_failures_key_idx').on(t.key, t.at)],
);

export const auditEntityTypes = ['registration', 'ddi_provider', 'operator', 'api_token'] as const;
export type AuditEntityType = (typeof auditEntityTypes)[number];

/** A field's value before and after a change; secrets are recorded only as "changed". */
export type AuditChanges = Record<string, { before: unknown; after: unknown }>;

/**
 * Who did what to which entity, and when. Kept after the entity is deleted (no foreign key to
 * it); `actor` keeps the operator's e-mail even if the operator is deleted later.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: integer('at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id, { onDelete: 'set null' }),
    actor: text('actor').notNull(),
    via: text('via').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type', { enum: auditEntityTypes }).notNull(),
    entityId: integer('entity_id').notNull(),
    entityLabel: text('entity_label').notNull(),
    changes: text('changes', { mode: 'json' }).$type<AuditChanges>().notNull().default(sql`'{}'`),
  },
  (t) => [index('audit_log_entity_idx').on(t.entityType, t.entityId, t.id), index('audit_log_at_idx').on(t.at)],
);

export type OperatorRow = typeof operators.$inferSelect;
export type AuditLogRow = typeof auditLog.$inferSelect;

export const engineNodeStates = ['running', 'stopped'] as const;
export type EngineNodeState = (typeof engineNodeStates)[number];

/**
 * One row per registrar engine process (`<hostname>/<SIP_BIND>`): its heartbeat, written at start
 * and every `interval_ms`, and why it stopped (clean shut-down, or a start that failed).
 */
export const engineNodes = sqliteTable('engine_nodes', {
  nodeId: text('node_id').primaryKey(),
  state: text('state', { enum: engineNodeStates }).notNull(),
  bind: text('bind').notNull(),
  pid: integer('pid').notNull(),
  startedAt: integer('started_at').notNull(),
  heartbeatAt: integer('heartbeat_at').notNull(),
  intervalMs: integer('interval_ms').notNull(),
  /** Why the engine is stopped; null while it runs. */
  reason: text('reason'),
  /** Calls relayed to the forward target and calls refused (no forward target), since the engine started. */
  callsRelayed: integer('calls_relayed').notNull().default(0),
  callsRefused: integer('calls_refused').notNull().default(0),
  /** The engine's counters (JSON of Engine.counters()) as of the last beat: /metrics reads them, wherever the engine runs. */
  counters: text('counters'),
});

/**
 * "Test registration" handed to the engine process (journal command `test`): the request sealed
 * with the keyring (it holds the typed password), claimed by one engine, its result (redacted
 * status and SIP messages) written back; the portal deletes the row once it has the answer.
 */
export const testRegistrations = sqliteTable('test_registrations', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  request: text('request').notNull(),
  claimedAt: integer('claimed_at'),
  result: text('result'),
  createdAt: integer('created_at').notNull(),
});

export type EngineNodeRow = typeof engineNodes.$inferSelect;
