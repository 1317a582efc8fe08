// PostgreSQL twin of schema-sqlite.ts: the same tables, columns, nullability, defaults and indexes
// (tests/unit/db/schema-parity.test.ts compares them). Times are ms since the epoch: bigint here.
// Migrations: drizzle-kit with drizzle-pg.config.ts into drizzle-pg/.
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, json, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { alertScopes, alertStates, deliveryEvents, deliveryStatuses, notificationChannelKinds } from '../alerts/vocabulary';
import { REGISTRATION_STATES, ROLES, TRACE_DIRECTIONS, TRANSPORT_SETTINGS } from '../../registrar/domain/vocabulary';

const now = sql`(floor(extract(epoch from clock_timestamp()) * 1000))::bigint`;

export const ddiProviders = pgTable('ddi_providers', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  ddis: json('ddis').$type<string[]>().notNull().default(sql`'[]'::json`),
  /** Where calls to this provider's registrations' DDIs are relayed (sip:/sips: URI); null: SIP_FORWARD_TO. */
  forwardTo: text('forward_to'),
  /** Seconds a registration of this provider must stay out of `registered` before it raises an alert; null: ALERTS_HOLD_S. */
  alertHoldS: integer('alert_hold_s'),
  revision: integer('revision').notNull().default(1),
  createdAt: bigint('created_at', { mode: 'number' }).notNull().default(now),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull().default(now),
});

export const registrations = pgTable(
  'registrations',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
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
    enabled: boolean('enabled').notNull().default(true),
    revision: integer('revision').notNull().default(1),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().default(now),
    updatedAt: bigint('updated_at', { mode: 'number' }).notNull().default(now),
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
export const registrationStatus = pgTable(
  'registration_status',
  {
  registrationId: integer('registration_id')
    .primaryKey()
    .references(() => registrations.id, { onDelete: 'cascade' }),
  state: text('state', { enum: REGISTRATION_STATES }).notNull(),
  code: integer('code'),
  reason: text('reason'),
  at: bigint('at', { mode: 'number' }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  requestedExpires: integer('requested_expires'),
  grantedExpires: integer('granted_expires'),
  expiresAt: bigint('expires_at', { mode: 'number' }),
  nextAttemptAt: bigint('next_attempt_at', { mode: 'number' }),
  target: text('target'),
  lastSuccessAt: bigint('last_success_at', { mode: 'number' }),
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
export const registrationChanges = pgTable('registration_changes', {
  seq: integer('seq').primaryKey().generatedByDefaultAsIdentity(),
  registrationId: integer('registration_id').notNull(),
  command: text('command', { enum: registrationCommands }).notNull().default('sync'),
  at: bigint('at', { mode: 'number' }).notNull().default(now),
});

export type DdiProviderRow = typeof ddiProviders.$inferSelect;
export type RegistrationRow = typeof registrations.$inferSelect;
export type RegistrationStatusRow = typeof registrationStatus.$inferSelect;

/** Timeline of state transitions (bounded by retention, gone with the registration); its id is the live stream's event id. */
export const registrationEvents = pgTable(
  'registration_events',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    state: text('state', { enum: REGISTRATION_STATES }).notNull(),
    code: integer('code'),
    reason: text('reason'),
    at: bigint('at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }),
    nextAttemptAt: bigint('next_attempt_at', { mode: 'number' }),
    target: text('target'),
  },
  (t) => [index('registration_events_registration_idx').on(t.registrationId, t.at)],
);

/** Recent SIP messages per registration (redacted), bounded per registration, gone with it. */
export const registrationTraces = pgTable(
  'registration_traces',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    registrationId: integer('registration_id')
      .notNull()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    direction: text('direction', { enum: TRACE_DIRECTIONS }).notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
    remote: text('remote').notNull(),
    text: text('text').notNull(),
    /** A request retransmitted over UDP (Timer E): when each retransmission went out, ms after `at` (JSON array); null when none was. */
    retransmits: json('retransmits').$type<number[]>(),
  },
  (t) => [index('registration_traces_registration_idx').on(t.registrationId, t.id)],
);

export type RegistrationEventRow = typeof registrationEvents.$inferSelect;
export type RegistrationTraceRow = typeof registrationTraces.$inferSelect;

/** People who sign in to the portal. `email` is stored lower-cased; the password only as a scrypt hash. */
export const operators = pgTable('operators', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  email: text('email').notNull().unique(),
  name: text('name').notNull().default(''),
  role: text('role', { enum: ROLES }).notNull(),
  passwordHash: text('password_hash').notNull(),
  disabled: boolean('disabled').notNull().default(false),
  createdAt: bigint('created_at', { mode: 'number' }).notNull().default(now),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull().default(now),
});

/** Signed-in browser sessions; `id` is the SHA-256 of the cookie value, never the value itself. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    lastSeenAt: bigint('last_seen_at', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_operator_idx').on(t.operatorId)],
);

/** Named API tokens for scripts; only the SHA-256 of the token is kept (it is shown once). */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull().default(now),
    lastUsedAt: bigint('last_used_at', { mode: 'number' }),
    revokedAt: bigint('revoked_at', { mode: 'number' }),
  },
  (t) => [index('api_tokens_operator_idx').on(t.operatorId)],
);

/** Failed sign-ins per key (`ip:<address>` or `account:<email>`), for throttling. */
export const loginFailures = pgTable(
  'login_failures',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    key: text('key').notNull(),
    at: bigint('at', { mode: 'number' }).notNull(),
  },
  (t) => [index('login_failures_key_idx').on(t.key, t.at)],
);

export const auditEntityTypes = ['registration', 'ddi_provider', 'operator', 'api_token', 'notification_channel', 'alert'] as const;
export type AuditEntityType = (typeof auditEntityTypes)[number];

/** A field's value before and after a change; secrets are recorded only as "changed". */
export type AuditChanges = Record<string, { before: unknown; after: unknown }>;

/**
 * Who did what to which entity, and when. Kept after the entity is deleted (no foreign key to
 * it); `actor` keeps the operator's e-mail even if the operator is deleted later.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    at: bigint('at', { mode: 'number' }).notNull(),
    operatorId: integer('operator_id').references(() => operators.id, { onDelete: 'set null' }),
    actor: text('actor').notNull(),
    via: text('via').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type', { enum: auditEntityTypes }).notNull(),
    entityId: integer('entity_id').notNull(),
    entityLabel: text('entity_label').notNull(),
    changes: json('changes').$type<AuditChanges>().notNull().default(sql`'{}'::json`),
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
export const engineNodes = pgTable('engine_nodes', {
  nodeId: text('node_id').primaryKey(),
  state: text('state', { enum: engineNodeStates }).notNull(),
  bind: text('bind').notNull(),
  pid: integer('pid').notNull(),
  startedAt: bigint('started_at', { mode: 'number' }).notNull(),
  heartbeatAt: bigint('heartbeat_at', { mode: 'number' }).notNull(),
  intervalMs: integer('interval_ms').notNull(),
  /** Why the engine is stopped; null while it runs. */
  reason: text('reason'),
  /** Calls relayed to the forward target and calls refused (no forward target), since the engine started. */
  callsRelayed: integer('calls_relayed').notNull().default(0),
  callsRefused: integer('calls_refused').notNull().default(0),
  /** The engine's counters (JSON of Engine.counters()) as of the last beat: /metrics reads them, wherever the engine runs. */
  counters: text('counters'),
  /** The package version the node runs (package.json), for the portal's Nodes panel. */
  version: text('version'),
});

/**
 * "Test registration" handed to the engine process (journal command `test`): the request sealed
 * with the keyring (it holds the typed password), claimed by one engine, its result (redacted
 * status and SIP messages) written back; the portal deletes the row once it has the answer.
 */
export const testRegistrations = pgTable('test_registrations', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  request: text('request').notNull(),
  claimedAt: bigint('claimed_at', { mode: 'number' }),
  result: text('result'),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
});

export type EngineNodeRow = typeof engineNodes.$inferSelect;

/**
 * Which engine node owns each registration (registrar/cluster/): at most one live node registers
 * it, until `expires_at` (ms) unless the owner renews it with its heartbeat. `token` grows by one
 * each time the registration changes owner (fencing: every status, event and trace write of the
 * engine names the token it holds and is refused once it is no longer current). `call_id`, `cseq`
 * and `contact` are the binding as last sent (RFC 3261 §10.2): the next owner refreshes it under
 * the same Call-ID with a higher CSeq and removes the old Contact. node_id '' (token 0): never held.
 */
export const registrationLeases = pgTable(
  'registration_leases',
  {
    registrationId: integer('registration_id')
      .primaryKey()
      .references(() => registrations.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    token: bigint('token', { mode: 'number' }).notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    callId: text('call_id'),
    cseq: integer('cseq'),
    contact: text('contact'),
    updatedAt: bigint('updated_at', { mode: 'number' }),
  },
  (t) => [index('registration_leases_node_idx').on(t.nodeId, t.expiresAt)],
);

export type RegistrationLeaseRow = typeof registrationLeases.$inferSelect;

export { alertScopes, alertStates, deliveryEvents, deliveryStatuses, notificationChannelKinds };
export type NotificationChannelKind = (typeof notificationChannelKinds)[number];

/**
 * Where alerts are sent (admins manage them). `config` holds the kind's non-secret settings
 * (webhook: url; e-mail: host, port, starttls, user, from, to); `secret` the one secret, sealed
 * like SIP passwords (lib/secrets): the webhook's signing secret or the SMTP password.
 */
export const notificationChannels = pgTable('notification_channels', {
  id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: notificationChannelKinds }).notNull(),
  enabled: boolean('enabled').notNull().default(true),
  config: json('config').$type<Record<string, unknown>>().notNull().default(sql`'{}'::json`),
  secret: text('secret'),
  revision: integer('revision').notNull().default(1),
  createdAt: bigint('created_at', { mode: 'number' }).notNull().default(now),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull().default(now),
});

export type AlertScope = (typeof alertScopes)[number];
export type AlertState = (typeof alertStates)[number];

/**
 * Alerts raised by the evaluator (lib/alerts). `key` names what an alert is about
 * (`registration:<id>`, `provider:<id>`, `platform`); at most one alert per key is open (unique
 * index), so two evaluators, or one restarted, never open the same alert twice.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    key: text('key').notNull(),
    scope: text('scope', { enum: alertScopes }).notNull(),
    /** The registration or the provider the alert is about; null for platform alerts. Not a foreign key: alerts outlive them. */
    subjectId: integer('subject_id'),
    /** The provider of a registration alert (for grouping and filters). */
    providerId: integer('provider_id'),
    state: text('state', { enum: alertStates }).notNull().default('open'),
    summary: text('summary').notNull(),
    /** Registrations failing: 1 for a registration alert; for a group, when opened and now. */
    count: integer('count').notNull(),
    currentCount: integer('current_count').notNull(),
    /** Enabled registrations in the group (provider or platform) when opened; 1 for a registration. */
    total: integer('total').notNull(),
    /** Since when (the earliest of) its registration(s) left `registered`. */
    failingSince: bigint('failing_since', { mode: 'number' }).notNull(),
    openedAt: bigint('opened_at', { mode: 'number' }).notNull(),
    resolvedAt: bigint('resolved_at', { mode: 'number' }),
    /** State, SIP code and reason of the registration when opened (registration alerts). */
    detail: json('detail').$type<Record<string, unknown>>().notNull().default(sql`'{}'::json`),
  },
  (t) => [
    uniqueIndex('alerts_open_key_unique').on(t.key).where(sql`state = 'open'`),
    index('alerts_state_idx').on(t.state, t.id),
  ],
);

export type DeliveryEvent = (typeof deliveryEvents)[number];
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One notification of one channel (an alert opened or resolved, or a test), with its attempts:
 * the per-channel delivery log. `pending` ones are sent (again) at `next_attempt_at`; `sending`
 * is claimed by one process until `claimed_until` (a process that died leaves it to the next).
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    channelId: integer('channel_id')
      .notNull()
      .references(() => notificationChannels.id, { onDelete: 'cascade' }),
    alertId: integer('alert_id').references(() => alerts.id, { onDelete: 'set null' }),
    event: text('event', { enum: deliveryEvents }).notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    /** The JSON document sent (webhook body; the e-mail is written from it), fixed at creation. */
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: bigint('next_attempt_at', { mode: 'number' }).notNull(),
    claimedUntil: bigint('claimed_until', { mode: 'number' }),
    /** HTTP status or SMTP reply code of the last attempt (null: no answer). */
    lastCode: integer('last_code'),
    lastError: text('last_error'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    finishedAt: bigint('finished_at', { mode: 'number' }),
  },
  (t) => [index('notification_deliveries_due_idx').on(t.status, t.nextAttemptAt), index('notification_deliveries_channel_idx').on(t.channelId, t.id), index('notification_deliveries_alert_idx').on(t.alertId)],
);

export type NotificationChannelRow = typeof notificationChannels.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type NotificationDeliveryRow = typeof notificationDeliveries.$inferSelect;

/**
 * How many registrations were in each effective state, sampled by the engine once a minute
 * (registrar/store/state-samples.ts; `at` is the minute, ms): the dashboard's 24-hour chart.
 * Kept 8 days; a minute without a sample is a minute the engine was not running.
 */
export const stateSamples = pgTable('state_samples', {
  at: bigint('at', { mode: 'number' }).primaryKey(),
  total: integer('total').notNull(),
  registered: integer('registered').notNull(),
  retrying: integer('retrying').notNull(),
  rejected: integer('rejected').notNull(),
  disabled: integer('disabled').notNull(),
});

export type StateSampleRow = typeof stateSamples.$inferSelect;
