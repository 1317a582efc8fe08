import { z } from 'zod';
import { REGISTRATION_STATES, ROLES, TRANSPORT_SETTINGS } from '../../registrar/domain/vocabulary';
import { auditEntityTypes } from '../db/schema';
import { errorStatus, type ErrorCode } from './result';

/**
 * Response shapes of the REST API. They document the API (OpenAPI document) and the tests parse
 * responses with them, so the JSON the handlers produce cannot drift from what is published.
 * Timestamps are integers: milliseconds since the Unix epoch.
 */
type RegistrationStateOrNone = (typeof REGISTRATION_STATES)[number] | 'none';

const epochMs = z.number().int().meta({ description: 'Milliseconds since the Unix epoch.' });

export const importRowErrorJsonSchema = z
  .object({
    row: z.number().int().min(1).meta({ description: 'The 1-based number of the data row: the CSV header row is not counted (the first registration is row 1); in a JSON array, its position from 1.' }),
    line: z.number().int().min(1).optional().meta({ description: 'CSV only: the line of the file the row starts on (the header is line 1; a quoted field may span lines).' }),
    field: z.string().nullable().meta({ description: 'The field (column) at fault; null when the row as a whole is (wrong number of fields, not a JSON object, CSV syntax).' }),
    message: z.string(),
  })
  .strict();

export const errorBodySchema = z
  .object({
    error: z
      .object({
        code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
        message: z.string(),
        fields: z
          .record(z.string(), z.string())
          .optional()
          .meta({ description: 'Message per field name (JSON key), to show next to that field.' }),
        current: z.unknown().optional().meta({ description: 'With `stale`: the entity as it is now.' }),
        rows: z.array(importRowErrorJsonSchema).optional().meta({ description: 'With a refused import (`validation`): every bad row, in file order.' }),
      })
      .strict(),
  })
  .strict()
  ;

export const registrationStatusJsonSchema = z
  .object({
    state: z.enum(REGISTRATION_STATES),
    code: z.number().int().nullable().meta({ description: 'SIP status code of the last final response, if any.' }),
    reason: z.string().nullable().meta({ description: 'Reason phrase or local error explaining the state.' }),
    at: epochMs,
    attempts: z.number().int().meta({ description: 'Consecutive failed attempts (0 after a success).' }),
    requestedExpires: z.number().int().nullable(),
    grantedExpires: z.number().int().nullable(),
    expiresAt: epochMs.nullable(),
    nextAttemptAt: epochMs.nullable(),
    target: z
      .string()
      .nullable()
      .meta({ description: "Server the last REGISTER was sent to, as 'ip:port/transport'. For transport `auto` its transport is the one DNS chose (RFC 3263 §4.1)." }),
    lastSuccessAt: epochMs.nullable(),
  })
  .strict()
  .meta({ description: 'Latest state reported by the registrar engine.' });

export const registrationLeaseJsonSchema = z
  .object({
    nodeId: z.string().meta({ description: 'The engine node of the lease (`<host name>/<SIP_BIND>`).' }),
    expiresAt: epochMs.meta({ description: 'When the lease ends unless its node renews it (0: handed back by a node that stopped cleanly).' }),
    live: z.boolean().meta({ description: 'Whether the lease was unexpired when read: false means no node holds the registration now (the next live node claims it).' }),
  })
  .strict();

export const registrationJsonSchema = z
  .object({
    id: z.number().int(),
    ddiProviderId: z.number().int(),
    ddiProviderName: z.string(),
    username: z.string(),
    domain: z.string(),
    ddi: z.string(),
    authUsername: z.string().nullable(),
    registerServerUri: z.string().nullable(),
    realm: z.string().nullable(),
    expires: z.number().int(),
    transport: z.enum(TRANSPORT_SETTINGS),
    enabled: z.boolean(),
    hasPassword: z.boolean().meta({ description: 'Whether a password is stored. The password itself is never returned.' }),
    revision: z.number().int().meta({ description: 'Starts at 1 and grows by one on every update that changes something; send it back with PATCH to detect concurrent edits.' }),
    createdAt: epochMs,
    updatedAt: epochMs,
    status: registrationStatusJsonSchema.nullable(),
    lease: registrationLeaseJsonSchema.nullable().meta({ description: 'Which engine node holds the registration (null: no node ever held it).' }),
  })
  .strict()
  ;

export const registrationListJsonSchema = z
  .object({
    items: z.array(registrationJsonSchema),
    total: z.number().int().meta({ description: 'Number of registrations matching the query (all pages).' }),
    page: z.number().int(),
    pageSize: z.number().int(),
    lastEventId: z
      .number()
      .int()
      .meta({ description: 'The newest status event this answer includes: `GET /api/events` with `Last-Event-ID` set to it sends the changes since (no snapshot needed).' }),
  })
  .strict()
  ;

export const registrationSummaryJsonSchema = z
  .object({
    total: z.number().int().meta({ description: 'Number of registrations.' }),
    counts: z
      .object(Object.fromEntries([...REGISTRATION_STATES, 'none'].map((s) => [s, z.number().int()])) as Record<RegistrationStateOrNone, z.ZodNumber>)
      .strict()
      .meta({ description: "Registrations per state as read now (a `registered` one past its `expiresAt` counts as `retrying`); `none`: no status reported yet. They add up to `total`." }),
    problems: z
      .object({
        items: z.array(registrationJsonSchema).meta({ description: 'Rejected ones first, then retrying ones; the longest in their state first.' }),
        total: z.number().int().meta({ description: 'Number of registrations that are rejected or retrying (all of them, not only those listed).' }),
      })
      .strict(),
    at: epochMs.meta({ description: 'When the counts were taken.' }),
    lastEventId: z.number().int().meta({ description: 'The newest status event the counts include (as in the list).' }),
  })
  .strict();

export const ddiProviderJsonSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    description: z.string(),
    ddis: z.array(z.string()),
    forwardTo: z.string().nullable(),
    alertHoldS: z.number().int().nullable(),
    registrationCount: z.number().int(),
    revision: z.number().int().meta({ description: 'Starts at 1 and grows by one on every update that changes something; send it back with PATCH to detect concurrent edits.' }),
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .strict()
  ;

export const ddiProviderListJsonSchema = z
  .object({ items: z.array(ddiProviderJsonSchema), total: z.number().int() })
  .strict()
  ;

export const holderJsonSchema = z
  .object({ registrationId: z.number().int(), ddiProviderId: z.number().int(), ddiProviderName: z.string() })
  .strict()
  ;

export const availabilityJsonSchema = z
  .object({
    available: z.boolean(),
    heldBy: holderJsonSchema.optional().meta({ description: 'The registration already using the value.' }),
  })
  .strict()
  ;

export const ddiSuggestionJsonSchema = z
  .object({
    ddi: z.string(),
    source: z.enum(['provider', 'generated']).meta({
      description: "'provider': the first of the provider's own DDIs that no registration uses; 'generated': a free numeric value.",
    }),
  })
  .strict()
  ;

export const deletedJsonSchema = z
  .object({
    id: z.number().int(),
    deletedRegistrations: z.number().int().optional().meta({ description: 'Registrations deleted with the provider.' }),
  })
  .strict()
  ;

const engineHealthJsonSchema = z
  .object({
    state: z.enum(['running', 'stopped', 'unknown']).meta({
      description: "'running': an engine's heartbeat is at most three intervals old; 'stopped': the engine shut down, failed to start, or its heartbeat went silent; 'unknown': no engine has ever written a heartbeat to this database.",
    }),
    heartbeatAt: epochMs.nullable().meta({ description: 'The last heartbeat (null when unknown).' }),
    bind: z.string().nullable().meta({ description: "The engine's SIP_BIND as served, e.g. `0.0.0.0:5060,[::]:5060` (only the IPv4 entries when its host has no IPv6; null when unknown)." }),
    since: epochMs.optional().meta({ description: 'When stopped: since when (its last heartbeat).' }),
    reason: z.string().optional().meta({ description: 'When stopped: why, e.g. "SIP_BIND 127.0.0.1:5060 is in use", "shut down".' }),
    calls: z
      .object({
        relayed: z.number().int().meta({ description: 'Calls relayed to the forward target (SIP_FORWARD_TO or the DDI provider\'s Forward to).' }),
        refused: z.number().int().meta({ description: 'Calls refused with 480 because no forward target is configured for their DDI.' }),
      })
      .strict()
      .optional()
      .meta({ description: 'Calls since the engine started: summed over running engines; for a stopped one, its last count.' }),
    down: z
      .array(
        z
          .object({
            nodeId: z.string().meta({ description: 'The engine node: `<host name>/<SIP_BIND>`.' }),
            bind: z.string(),
            since: epochMs.meta({ description: 'Its last heartbeat.' }),
            reason: z.string().meta({ description: 'Why it is down: what it wrote when it stopped, or that its heartbeat went silent.' }),
          })
          .strict(),
      )
      .optional()
      .meta({
        description:
          'Engine nodes that died (heartbeat silent, or stopped other than by a clean shutdown) in the last 24 hours, newest first. While another node runs, their registrations move to the live nodes within the lease time (REGISTRAR_LEASE_S). When none runs, listed only if more than one node ever reported.',
      }),
  })
  .strict()
  .meta({ description: 'The registrar engine, from its heartbeat.' });

export const engineNodeJsonSchema = z
  .object({
    nodeId: z.string().meta({ description: 'The engine node: `<host name>/<SIP_BIND>` (one per `npm run registrar`, or the engine child of `npm start`).' }),
    bind: z.string().meta({ description: 'Its SIP_BIND as served.' }),
    state: z.enum(['running', 'stale', 'stopped']).meta({
      description: "'running': its heartbeat is at most three intervals old; 'stale': it did not stop but its heartbeat went silent (killed or hung); 'stopped': it stopped (cleanly, or failed to start), `reason` says why.",
    }),
    reason: z.string().nullable().meta({ description: 'Why it stopped (null while running or stale).' }),
    pid: z.number().int().meta({ description: 'Its process id on its host.' }),
    version: z.string().nullable().meta({ description: 'The package version it runs (null: a node older than this field).' }),
    startedAt: epochMs,
    heartbeatAt: epochMs.meta({ description: 'Its last heartbeat.' }),
    intervalMs: z.number().int().meta({ description: 'Its heartbeat interval (REGISTRAR_HEARTBEAT_MS).' }),
    held: z.number().int().meta({ description: 'Registrations whose lease it holds now (unexpired leases).' }),
  })
  .strict();

export const engineNodeListJsonSchema = z
  .object({
    items: z.array(engineNodeJsonSchema).meta({ description: 'Running nodes first, then stale, then stopped; by node id within each.' }),
    registrations: z
      .object({
        enabled: z.number().int().meta({ description: 'Enabled registrations.' }),
        unheld: z.number().int().meta({ description: 'Enabled registrations no node holds now (no lease, or an expired one): waiting to be claimed.' }),
      })
      .strict(),
    at: epochMs.meta({ description: 'When it was read (leases are unexpired as of this time).' }),
  })
  .strict();

export const healthJsonSchema = z.object({ status: z.literal('ok'), engine: engineHealthJsonSchema }).strict();

export const auditEntryJsonSchema = z
  .object({
    id: z.number().int(),
    at: epochMs,
    operatorId: z.number().int().nullable().meta({ description: 'The operator who made the change (null: the system, or an operator since deleted).' }),
    actor: z.string().meta({ description: "The operator's e-mail address as it was then, or 'system'." }),
    via: z.string().meta({ description: "How the actor acted: 'session', 'token:<token name>', 'setup', 'env' or 'system'." }),
    action: z.string().meta({ description: "What was done: 'create', 'update', 'enable', 'disable', 'delete', 'register_now', 'unregister', 'revoke', 'import' (a bulk import: the entity is its first registration, `changes.imported` the count), …" }),
    entityType: z.enum(auditEntityTypes),
    entityId: z.number().int(),
    entityLabel: z.string().meta({ description: 'A readable name of the entity as it was then (a registration: `<username>@<domain> (DDI <ddi>)`).' }),
    entityExists: z.boolean().meta({ description: 'Whether the entity still exists.' }),
    changes: z
      .record(z.string(), z.object({ before: z.unknown(), after: z.unknown() }).strict())
      .meta({ description: "Field-level before/after (null: no value). Secrets are never recorded: a password shows only as before 'set' / after 'changed'." }),
  })
  .strict();

export const auditListJsonSchema = z
  .object({
    items: z.array(auditEntryJsonSchema).meta({ description: 'Newest first.' }),
    total: z.number().int().meta({ description: 'Number of entries matching the query (all pages).' }),
    page: z.number().int(),
    pageSize: z.number().int(),
  })
  .strict();

export const importReportJsonSchema = z
  .object({
    dryRun: z.boolean().meta({ description: 'True: only checked, nothing was written.' }),
    rows: z.number().int().meta({ description: 'Data rows in the file (all valid).' }),
    imported: z.number().int().meta({ description: 'Registrations created (0 on a dry run).' }),
  })
  .strict();

export type ImportRowErrorJson = z.infer<typeof importRowErrorJsonSchema>;
export type ImportReportJson = z.infer<typeof importReportJsonSchema>;
export type RegistrationStatusJson = z.infer<typeof registrationStatusJsonSchema>;
export type RegistrationJson = z.infer<typeof registrationJsonSchema>;
export type RegistrationList = z.infer<typeof registrationListJsonSchema>;
export type RegistrationSummary = z.infer<typeof registrationSummaryJsonSchema>;
export type DdiProviderJson = z.infer<typeof ddiProviderJsonSchema>;
export type DdiProviderList = z.infer<typeof ddiProviderListJsonSchema>;
export type Holder = z.infer<typeof holderJsonSchema>;
export type Availability = z.infer<typeof availabilityJsonSchema>;
export type DdiSuggestion = z.infer<typeof ddiSuggestionJsonSchema>;
export type Deleted = z.infer<typeof deletedJsonSchema>;
export type AuditEntryJson = z.infer<typeof auditEntryJsonSchema>;
export type AuditList = z.infer<typeof auditListJsonSchema>;
export type EngineNodeListJson = z.infer<typeof engineNodeListJsonSchema>;

const registrationEventJsonSchema = z
  .object({
    id: z.number().int().meta({ description: 'Event id; also the live stream event id.' }),
    state: z.enum(REGISTRATION_STATES),
    code: z.number().int().nullable(),
    reason: z.string().nullable(),
    at: epochMs,
    expiresAt: epochMs.nullable(),
    nextAttemptAt: epochMs.nullable(),
    target: z.string().nullable(),
  })
  .strict();

export const registrationEventListJsonSchema = z
  .object({ items: z.array(registrationEventJsonSchema).meta({ description: 'State transitions, newest first.' }) })
  .strict();

export const uptimeJsonSchema = z
  .object({
    last24h: z.number().min(0).max(1).nullable().meta({ description: 'Share of the last 24 hours spent registered (null: no data).' }),
    last7d: z.number().min(0).max(1).nullable().meta({ description: 'Share of the last 7 days spent registered (null: no data).' }),
  })
  .strict();

const sipMessageJsonSchema = z
  .object({
    id: z.number().int().optional(),
    direction: z
      .enum(['out', 'in', 'note'])
      .meta({ description: "'out': sent by us; 'in': received; 'note': the engine's remark (e.g. why a refresh replaced a binding query), in `text`; `remote` is empty." }),
    at: epochMs,
    remote: z.string().meta({ description: "The peer as 'ip:port/transport'." }),
    text: z.string().meta({ description: 'The whole SIP message; passwords and digest responses redacted.' }),
    retransmits: z
      .array(z.number().int().nonnegative())
      .nullish()
      .meta({
        description:
          "A request sent over UDP that was retransmitted (Timer E, RFC 3261 §17.1.2.2): when each retransmission went out, ms after `at`, oldest first; known once its transaction ended. Absent or null: none was (or not yet known).",
      }),
  })
  .strict();

export const sipTraceJsonSchema = z
  .object({ items: z.array(sipMessageJsonSchema).meta({ description: 'Recent SIP messages, oldest first.' }) })
  .strict();

export const queuedJsonSchema = z.object({ queued: z.literal(true) }).strict();

export const availabilityBandsJsonSchema = z
  .object({
    from: epochMs.meta({ description: 'Start of the window (now − 24 h or 7 days).' }),
    to: epochMs.meta({ description: 'End of the window (now).' }),
    segments: z
      .array(
        z
          .object({
            band: z.enum(['registered', 'retrying', 'rejected', 'disabled', 'other']).meta({ description: '`other`: pending, registering, unregistering or unregistered.' }),
            state: z.string().meta({ description: 'The state the engine reported.' }),
            from: epochMs,
            to: epochMs,
            code: z.number().int().nullable().meta({ description: 'SIP status code of the transition, if any.' }),
            reason: z.string().nullable().meta({ description: 'Reason phrase or cause (e.g. `timeout`, `binding-lost`).' }),
          })
          .strict(),
      )
      .meta({ description: 'Oldest first; time before the first known transition has no segment.' }),
  })
  .strict();

export const stateHistoryJsonSchema = z
  .object({
    from: epochMs,
    to: epochMs,
    samples: z
      .array(
        z
          .object({
            at: epochMs.meta({ description: 'The minute sampled.' }),
            total: z.number().int(),
            registered: z.number().int(),
            retrying: z.number().int().meta({ description: 'Including registered ones past their expiry.' }),
            rejected: z.number().int(),
            disabled: z.number().int(),
            failing: z.number().int().meta({ description: 'retrying + rejected.' }),
          })
          .strict(),
      )
      .meta({ description: 'One per minute the engine ran, oldest first (a gap: no engine).' }),
  })
  .strict();

/** One request of POST /api/registrations/bulk: what it did. */
export const bulkResultJsonSchema = z
  .object({
    action: z.enum(['enable', 'disable', 'register', 'unregister', 'delete', 'move']),
    done: z.number().int().min(0).meta({ description: 'Registrations changed (register/unregister: commands queued for the engine) by this request; each has its own audit entry.' }),
    unchanged: z.number().int().min(0).meta({ description: 'Selected registrations already as asked (enabling an enabled one, moving one to its own provider): no change, no audit entry.' }),
    skipped: z
      .array(z.object({ id: z.number().int(), reason: z.enum(['not_found', 'disabled']) }).strict())
      .meta({ description: 'Selected registrations left alone: `not_found` (no such id, e.g. deleted meanwhile), `disabled` (register/unregister on a disabled one).' }),
    next: z.number().int().nullable().meta({ description: 'With `filter`: send this as `after` for the next part of the selection; null when nothing is left.' }),
    remaining: z.number().int().min(0).meta({ description: 'With `filter`: registrations matching it after `next` (for progress); 0 with `ids`.' }),
  })
  .strict();

export const testOutcomeJsonSchema = z
  .object({
    status: registrationStatusJsonSchema.extend({ registrationId: z.string() }).meta({ description: 'Outcome of the REGISTER.' }),
    trace: z.array(sipMessageJsonSchema),
  })
  .strict();

/** An operator as the operators API returns it: never the password or its hash. */
export const operatorJsonSchema = z
  .object({
    id: z.number().int(),
    email: z.string().meta({ description: 'Sign-in e-mail address, stored lower-cased; unique.' }),
    name: z.string(),
    role: z.enum(ROLES).meta({ description: "'admin': everything, including operators; 'editor': providers and registrations; 'viewer': read-only, no secrets." }),
    disabled: z.boolean().meta({ description: 'A disabled operator cannot sign in, and their API tokens are refused.' }),
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .strict();

export const operatorListJsonSchema = z
  .object({ items: z.array(operatorJsonSchema).meta({ description: 'Every operator, by e-mail.' }) })
  .strict();

/** What a signed-in operator may know about themselves. */
export const operatorPublicJsonSchema = z
  .object({ id: z.number().int(), email: z.string(), name: z.string(), role: z.enum(ROLES) })
  .strict();

export const meJsonSchema = z
  .object({
    operator: operatorPublicJsonSchema,
    via: z.enum(['session', 'token']).meta({ description: "How the caller authenticated: the session cookie, or an API token." }),
  })
  .strict();

export const loginJsonSchema = z
  .object({
    operator: operatorPublicJsonSchema,
    expiresAt: epochMs.meta({ description: 'When the session ends if unused (each use extends it, up to an absolute limit).' }),
  })
  .strict();

export const setupStateJsonSchema = z
  .object({ needed: z.boolean().meta({ description: 'True while no operator exists: the first admin still has to be created.' }) })
  .strict();

export const setupDoneJsonSchema = z.object({ operator: operatorJsonSchema }).strict();

export const signedOutJsonSchema = z.object({ signedOut: z.literal(true) }).strict();

export const passwordChangedJsonSchema = z
  .object({ changed: z.literal(true), tokensRevoked: z.number().int().meta({ description: 'How many of your API tokens were revoked with the change.' }) })
  .strict();

/** An admin's unlock of an operator's sign-in. */
export const unlockedJsonSchema = z
  .object({ unlocked: z.literal(true), cleared: z.number().int().meta({ description: 'How many recorded sign-in failures were cleared.' }) })
  .strict();

/** An API token as listed: never the token itself, only its first characters. */
export const apiTokenJsonSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    prefix: z.string().meta({ description: 'The first characters of the token, to recognise it.' }),
    createdAt: epochMs,
    lastUsedAt: epochMs.nullable().meta({ description: 'Last use (updated at most once a minute); null: never used.' }),
    revokedAt: epochMs.nullable().meta({ description: 'When it was revoked; null: still valid.' }),
  })
  .strict();

export const apiTokenListJsonSchema = z
  .object({ items: z.array(apiTokenJsonSchema).meta({ description: "The caller's tokens, newest first, revoked ones included." }) })
  .strict();

export const apiTokenCreatedJsonSchema = z
  .object({
    token: z.string().meta({ description: 'The token to send as `Authorization: Bearer <token>`. Shown in this response only: it is stored hashed.' }),
    apiToken: apiTokenJsonSchema,
  })
  .strict();
export * from './contracts-alerts';
