/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the handlers
 * parse with (request bodies and query strings: io 'input') and the response contracts (io
 * 'output'), with the glossary texts as field descriptions.
 */
import { z } from 'zod';
import { ddiProviderGlossary, registrationGlossary, type GlossaryEntry } from '../glossary';
import { ddiProviderDeleteQuerySchema, ddiProviderInputSchema, ddiProviderPatchSchema } from '../ddi-providers/schema';
import {
  accountAvailabilityQuerySchema,
  ddiAvailabilityQuerySchema,
  registrationInputSchema,
  registrationListQuerySchema,
  registrationPatchSchema,
  registrationSummaryQuerySchema,
  STATE_FILTER_VALUES,
  suggestDdiQuerySchema,
} from '../registrations/schema';
import { BULK_CHUNK, bulkRequestSchema } from '../registrations/bulk-schema';
import { bandsQuerySchema } from '../registrations/history-schema';
import { auditQuerySchema, entityAuditQuerySchema } from '../audit/schema';
import { requiredAccess } from '../auth/policy';
import { apiTokenCreateSchema, loginSchema, operatorCreateSchema, operatorPatchSchema, passwordChangeSchema, setupSchema } from '../auth/schema';
import * as contracts from './contracts';
import { authPaths, describeAuthInputs, operatorPaths, securitySchemes, tokenPaths } from './openapi-auth';
import { alertsPaths, alertsRequestSchemas, alertsResponseSchemas } from './openapi-alerts';
import { importPaths } from './openapi-import';
import { body, error, errors, idParameter, jsonContent, ref, response } from './openapi-parts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

function withGlossary(schema: JsonSchema, glossary: Record<string, GlossaryEntry>): JsonSchema {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const entry = glossary[key];
    if (!entry) continue;
    prop.title = entry.label;
    prop.description = entry.help;
    if (entry.example !== undefined && !prop.examples) prop.examples = [key === 'expires' ? Number(entry.example) : entry.example];
  }
  return schema;
}

function components(entries: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(entries)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, JsonSchema>;
  };
  for (const s of Object.values(schemas)) {
    delete s.$schema;
    delete s.$id;
  }
  return schemas;
}

/** Query parameters from a zod object schema (io 'input'). */
function queryParameters(schema: z.ZodType, descriptions: Record<string, string> = {}, optionalAll = false) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: 'query',
      required: !optionalAll && required.has(name),
      description: descriptions[name] ?? (description as string | undefined),
      schema: rest,
    };
  });
}

const auditQueryDescriptions = {
  actor: "Text matched (case-insensitively, anywhere) against the actor's e-mail and the way they acted (e.g. `token:ci-bot`).",
  action: "Only this action ('create', 'update', 'enable', 'disable', 'delete', 'register_now', 'unregister', …).",
  page: 'Page number, from 1.',
  pageSize: 'Entries per page (at most 200).',
};

type Operation = { responses: Record<string, unknown>; security?: unknown[]; 'x-required-role'?: string };

/**
 * Who may call each operation, from the one access table (lib/auth/policy.ts): public ones need
 * no credentials; the others answer 401 without them and 403 below the role they need.
 */
function withAccess<P extends Record<string, Record<string, unknown>>>(paths: P): P {
  for (const [path, item] of Object.entries(paths)) {
    const concrete = path.replace(/\{[^}]+\}/g, '1');
    for (const [method, value] of Object.entries(item)) {
      if (method === 'parameters') continue;
      const operation = value as Operation;
      const access = requiredAccess(method.toUpperCase(), concrete);
      if (access === 'public') {
        operation.security = [];
        continue;
      }
      operation['x-required-role'] = access;
      operation.responses['401'] ??= error('No valid session cookie or API token (`unauthorized`).');
      const refusals = [
        access === 'viewer' ? null : `the caller's role is below \`${access}\` (\`forbidden\`)`,
        method === 'get' ? null : "a write authenticated by the session cookie came without the portal's own Origin (`csrf`)",
      ].filter((r): r is string => r !== null);
      if (refusals.length > 0) operation.responses['403'] ??= error(`${refusals.join(', or ')}.`.replace(/^./, (c) => c.toUpperCase()));
    }
  }
  return paths;
}

export function buildOpenApiDocument() {
  const requestSchemas = components(
    {
      RegistrationInput: registrationInputSchema,
      RegistrationPatch: registrationPatchSchema,
      DdiProviderInput: ddiProviderInputSchema,
      DdiProviderPatch: ddiProviderPatchSchema,
      LoginInput: loginSchema,
      SetupInput: setupSchema,
      PasswordChange: passwordChangeSchema,
      ApiTokenInput: apiTokenCreateSchema,
      OperatorInput: operatorCreateSchema,
      OperatorPatch: operatorPatchSchema,
      BulkRequest: bulkRequestSchema,
      ...alertsRequestSchemas,
    },
    'input',
  );
  const responseSchemas = components(
    {
      Error: contracts.errorBodySchema,
      Registration: contracts.registrationJsonSchema,
      RegistrationStatus: contracts.registrationStatusJsonSchema,
      RegistrationList: contracts.registrationListJsonSchema,
      RegistrationSummary: contracts.registrationSummaryJsonSchema,
      DdiProvider: contracts.ddiProviderJsonSchema,
      DdiProviderList: contracts.ddiProviderListJsonSchema,
      Holder: contracts.holderJsonSchema,
      Availability: contracts.availabilityJsonSchema,
      DdiSuggestion: contracts.ddiSuggestionJsonSchema,
      Deleted: contracts.deletedJsonSchema,
      AuditEntry: contracts.auditEntryJsonSchema,
      AuditList: contracts.auditListJsonSchema,
      Health: contracts.healthJsonSchema,
      EngineNodeList: contracts.engineNodeListJsonSchema,
      RegistrationEvents: contracts.registrationEventListJsonSchema,
      Uptime: contracts.uptimeJsonSchema,
      SipTrace: contracts.sipTraceJsonSchema,
      Queued: contracts.queuedJsonSchema,
      BulkResult: contracts.bulkResultJsonSchema,
      AvailabilityBands: contracts.availabilityBandsJsonSchema,
      StateHistory: contracts.stateHistoryJsonSchema,
      TestOutcome: contracts.testOutcomeJsonSchema,
      Operator: contracts.operatorJsonSchema,
      OperatorList: contracts.operatorListJsonSchema,
      OperatorPublic: contracts.operatorPublicJsonSchema,
      Me: contracts.meJsonSchema,
      Login: contracts.loginJsonSchema,
      SetupState: contracts.setupStateJsonSchema,
      SetupDone: contracts.setupDoneJsonSchema,
      SignedOut: contracts.signedOutJsonSchema,
      PasswordChanged: contracts.passwordChangedJsonSchema,
      Unlocked: contracts.unlockedJsonSchema,
      ApiToken: contracts.apiTokenJsonSchema,
      ApiTokenList: contracts.apiTokenListJsonSchema,
      ApiTokenCreated: contracts.apiTokenCreatedJsonSchema,
      ImportReport: contracts.importReportJsonSchema,
      ...alertsResponseSchemas,
    },
    'output',
  );
  for (const id of ['RegistrationInput', 'RegistrationPatch', 'Registration']) {
    withGlossary((requestSchemas[id] ?? responseSchemas[id])!, registrationGlossary);
  }
  for (const id of ['DdiProviderInput', 'DdiProviderPatch', 'DdiProvider']) {
    withGlossary((requestSchemas[id] ?? responseSchemas[id])!, ddiProviderGlossary);
  }
  describeAuthInputs(requestSchemas);
  const patchPassword = requestSchemas.RegistrationPatch?.properties?.password;
  if (patchPassword) patchPassword.description = `${registrationGlossary.password.help} Absent or '' keeps the stored password, null clears it.`;

  const availabilityParams = [
    ...queryParameters(ddiAvailabilityQuerySchema, { ddi: registrationGlossary.ddi.help }, true),
    ...queryParameters(accountAvailabilityQuerySchema, {}, true).filter((p) => p.name !== 'excludeId'),
  ].map((p) =>
    p.name === 'excludeId'
      ? { ...p, description: 'Id of the registration being edited: its own value counts as available.' }
      : p.name === 'ddi'
        ? p
        : { ...p, description: `${registrationGlossary[p.name as 'username' | 'domain'].help} Give username and domain together (instead of ddi).` },
  );

  return {
    openapi: '3.1.0',
    info: {
      title: 'DDI Provider Registrations API',
      version: '1.0.0',
      description:
        'REST API of the DDI registrations portal. Every operation needs a signed-in operator (the session cookie, or an API token as a bearer token) except the health check, sign-in and first-run setup; `x-required-role` says the least role an operation needs (viewer < editor < admin). Errors have the shape `{ error: { code, message, fields?, current? } }`. Bodies are JSON objects of at most 64 KiB; unknown keys are rejected. Timestamps are milliseconds since the Unix epoch. A request whose `Host` is not one the portal answers to (localhost, the configured HOST, ALLOWED_HOSTS) gets 421 `misdirected`.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'DDI providers' },
      { name: 'Registrations' },
      { name: 'Live status' },
      { name: 'Audit' },
      { name: 'Authentication' },
      { name: 'API tokens' },
      { name: 'Operators' },
      { name: 'Alerts' },
      { name: 'System' },
    ],
    security: [{ sessionCookie: [] }, { bearerToken: [] }],
    paths: withAccess({
      '/api/health': {
        get: {
          tags: ['System'],
          summary: 'Health check',
          description: '200 once the database answers `SELECT 1` (whatever the engine does), with the state of the registrar engine from its heartbeat.',
          responses: { '200': response('The portal and its database answer.', ref('Health')), '503': error('The database does not answer.') },
        },
      },
      '/api/nodes': {
        get: {
          tags: ['System'],
          summary: 'Engine nodes',
          description:
            'Every engine node that beat to this database (one per `npm run registrar`, or the engine child of `npm start`): its SIP address, state from its heartbeat, version, process, and how many registrations it holds now (unexpired leases). With the enabled registrations no node holds.',
          responses: { '200': response('The nodes.', ref('EngineNodeList')) },
        },
      },
      '/metrics': {
        get: {
          tags: ['System'],
          summary: 'Prometheus metrics',
          description:
            'Whether the registrar engine runs (`registrar_engine_up`), and per engine node (label `node`) whether it is up (`registrar_engine_node_up`), the registrations it holds (`registrar_registrations_held`) and its counters: REGISTER transactions by response class, transaction latency histogram, retransmissions, dropped messages, calls; registrations by state, events pushed and stream clients. Who may read it is METRICS_ACCESS: `admin` (default: admins, by session or token), `token` (any API token, e.g. a viewer\'s for a scrape job, or an admin), `viewer` (anyone signed in); the Node.js version (`nodejs_version_info`) is shown to admins only. `Cache-Control: no-store`.',
          responses: {
            '200': { description: 'Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
            '403': error('METRICS_ACCESS does not let this caller read it (`forbidden`).'),
          },
        },
      },
      '/api/openapi.json': {
        get: { tags: ['System'], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document.', content: jsonContent({ type: 'object' }) } } },
      },
      '/api/ddi-providers': {
        get: {
          tags: ['DDI providers'],
          summary: 'List DDI providers',
          responses: { '200': response('All providers, by name.', ref('DdiProviderList')) },
        },
        post: {
          tags: ['DDI providers'],
          summary: 'Create a DDI provider',
          requestBody: body('DdiProviderInput'),
          responses: {
            '201': response('Created.', ref('DdiProvider')),
            '400': errors.invalidJson,
            '409': errors.conflict,
            '413': errors.tooLarge,
            '422': errors.validation,
          },
        },
      },
      '/api/ddi-providers/{id}': {
        parameters: [idParameter('DDI provider')],
        get: {
          tags: ['DDI providers'],
          summary: 'Get a DDI provider',
          responses: { '200': response('The provider.', ref('DdiProvider')), '404': errors.notFound },
        },
        patch: {
          tags: ['DDI providers'],
          summary: 'Update a DDI provider',
          description:
            'Only the fields given change. Every update that changes something increments `revision`. Send the `revision` the edit was made on to be told (409 `stale`) when someone else changed the provider meanwhile.',
          requestBody: body('DdiProviderPatch'),
          responses: {
            '200': response('Updated.', ref('DdiProvider')),
            '400': errors.invalidJson,
            '404': errors.notFound,
            '409': errors.conflictOrStale,
            '413': errors.tooLarge,
            '422': errors.validation,
          },
        },
        delete: {
          tags: ['DDI providers'],
          summary: 'Delete a DDI provider',
          description: 'A provider with registrations is only deleted with `?confirm=true`, and its registrations are deleted with it.',
          parameters: queryParameters(ddiProviderDeleteQuerySchema, {
            confirm: 'Must be true to delete a provider that has registrations (they are deleted too).',
          }),
          responses: {
            '200': response('Deleted.', ref('Deleted')),
            '404': errors.notFound,
            '409': error('The provider has registrations and `confirm` is not true (`has_registrations`); `fields.registrationCount` says how many.'),
            '422': errors.validation,
          },
        },
      },
      '/api/registrations': {
        get: {
          tags: ['Registrations'],
          summary: 'List registrations',
          parameters: queryParameters(registrationListQuerySchema, {
            q: 'Search text, matched (case-insensitively, anywhere) against username, domain, DDI and provider name.',
            ddiProviderId: 'Only registrations of this DDI provider.',
            page: 'Page number, from 1.',
            pageSize: 'Registrations per page.',
            sort: 'Sort key (`provider` sorts by provider name); ties are broken by id.',
            order: 'Sort direction.',
            state: `Only registrations in these states, as read now (a \`registered\` one past its \`expiresAt\` reads as \`retrying\`): a comma-separated list of ${STATE_FILTER_VALUES.map((s) => `\`${s}\``).join(', ')} (\`none\`: no status reported yet).`,
          }),
          responses: { '200': response('One page of registrations.', ref('RegistrationList')), '422': errors.validation },
        },
        post: {
          tags: ['Registrations'],
          summary: 'Create a registration',
          requestBody: body('RegistrationInput'),
          responses: {
            '201': response('Created.', ref('Registration')),
            '400': errors.invalidJson,
            '409': errors.conflict,
            '413': errors.tooLarge,
            '422': errors.validation,
          },
        },
      },
      '/api/registrations/bulk': {
        post: {
          tags: ['Registrations'],
          summary: 'Enable, disable, register now, unregister, delete or move many registrations',
          description: [
            `Select registrations by \`ids\` (at most ${BULK_CHUNK}) or by \`filter\` (every registration GET /api/registrations would list with that \`q\`, \`ddiProviderId\` and \`state\`). One request handles at most ${BULK_CHUNK} registrations, in one transaction; with \`filter\` they are taken in id order above \`after\`, and the answer's \`next\` and \`remaining\` say where to continue and how many are left (send requests until \`next\` is null).`,
            'Each changed registration gets its own audit entry (`enable`, `disable`, `register_now`, `unregister`, `delete`, or `update` of `ddiProviderId` for `move`) and its own journal entry, so the engine acts on it as after a single edit. `register` and `unregister` skip disabled registrations; ids that do not exist are skipped too.',
          ].join('\n\n'),
          requestBody: body('BulkRequest'),
          responses: {
            '200': response('What this request did.', ref('BulkResult')),
            '400': errors.invalidJson,
            '413': errors.tooLarge,
            '422': errors.validation,
          },
        },
      },
      '/api/registrations/summary': {
        get: {
          tags: ['Registrations'],
          summary: 'Registrations per state, and the problem ones',
          description:
            'What the dashboard shows first, at a cost independent of the number of registrations: how many there are per state, and the first rejected or retrying ones (rejected first, then the longest in their state). Counts and problems are read together, so they agree.',
          parameters: queryParameters(registrationSummaryQuerySchema, { problems: 'How many problem registrations to list (0 to 500).' }),
          responses: { '200': response('The counts and the first problem registrations.', ref('RegistrationSummary')), '422': errors.validation },
        },
      },
      '/api/registrations/history': {
        get: {
          tags: ['Live status'],
          summary: 'Registrations per state, minute by minute, over the last 24 hours',
          description: 'Sampled by the registrar engine once a minute and kept 8 days (the dashboard chart of registered vs failing). A minute without a sample is a minute no engine ran.',
          responses: { '200': response('Samples, oldest first.', ref('StateHistory')) },
        },
      },
      '/api/registrations/{id}': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Registrations'],
          summary: 'Get a registration',
          responses: { '200': response('The registration.', ref('Registration')), '404': errors.notFound },
        },
        patch: {
          tags: ['Registrations'],
          summary: 'Update a registration',
          description:
            'Only the fields given change. Every update that changes something increments `revision`. Send the `revision` the edit was made on to be told (409 `stale`) when someone else changed the registration meanwhile.',
          requestBody: body('RegistrationPatch'),
          responses: {
            '200': response('Updated.', ref('Registration')),
            '400': errors.invalidJson,
            '404': errors.notFound,
            '409': errors.conflictOrStale,
            '413': errors.tooLarge,
            '422': errors.validation,
          },
        },
        delete: {
          tags: ['Registrations'],
          summary: 'Delete a registration',
          responses: { '200': response('Deleted.', ref('Deleted')), '404': errors.notFound },
        },
      },
      '/api/registrations/{id}/audit': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Audit'],
          summary: "A registration's history: who changed what and when",
          description: 'Also answered after the registration was deleted (its entries stay).',
          parameters: queryParameters(entityAuditQuerySchema, auditQueryDescriptions),
          responses: { '200': response('Newest first.', ref('AuditList')), '404': errors.notFound, '422': errors.validation },
        },
      },
      '/api/audit': {
        get: {
          tags: ['Audit'],
          summary: 'The audit log: who created, changed, disabled or deleted what, and when',
          parameters: queryParameters(auditQuerySchema, {
            ...auditQueryDescriptions,
            entityType: 'Only entries about this kind of entity.',
            entityId: 'Only entries about the entity with this id (give entityType too).',
          }),
          responses: { '200': response('Newest first.', ref('AuditList')), '422': errors.validation },
        },
      },
      '/api/registrations/{id}/events': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Live status'],
          summary: 'Timeline of state transitions',
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 200 } }],
          responses: { '200': response('Newest first.', ref('RegistrationEvents')), '404': errors.notFound, '422': errors.validation },
        },
      },
      '/api/registrations/{id}/availability': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Live status'],
          summary: 'Share of time registered over the last 24 hours and 7 days',
          responses: { '200': response('Ratios from 0 to 1.', ref('Uptime')), '404': errors.notFound },
        },
      },
      '/api/registrations/{id}/availability/bands': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Live status'],
          summary: 'State bands over the last 24 hours or 7 days (the availability chart)',
          description: 'From the timeline of transitions: each segment says which band (registered, retrying, rejected, disabled, other) the registration was in, from when to when, with the SIP code and reason that started it.',
          parameters: queryParameters(bandsQuerySchema, { range: 'The window: the last 24 hours or 7 days.' }),
          responses: { '200': response('Segments, oldest first.', ref('AvailabilityBands')), '404': errors.notFound, '422': errors.validation },
        },
      },
      '/api/registrations/{id}/trace': {
        parameters: [idParameter('registration')],
        get: {
          tags: ['Live status'],
          summary: 'Recent SIP messages (the ladder), credentials redacted',
          responses: { '200': response('Oldest first.', ref('SipTrace')), '404': errors.notFound },
        },
      },
      '/api/registrations/{id}/register': {
        parameters: [idParameter('registration')],
        post: {
          tags: ['Live status'],
          summary: 'Register now (also resets the retry wait)',
          responses: { '202': response('Queued for the engine.', ref('Queued')), '404': errors.notFound, '409': errors.conflict },
        },
      },
      '/api/registrations/{id}/unregister': {
        parameters: [idParameter('registration')],
        post: {
          tags: ['Live status'],
          summary: 'Remove the binding now (REGISTER with Expires: 0); it stays unregistered until "register"',
          responses: { '202': response('Queued for the engine.', ref('Queued')), '404': errors.notFound, '409': errors.conflict },
        },
      },
      '/api/registrations/test': {
        post: {
          tags: ['Live status'],
          summary: 'Test a registration before saving it',
          description:
            'Runs one REGISTER with the given values (then an Expires: 0 if it bound) without storing anything. `ddiProviderId` is optional; `id` names a saved registration whose stored password is used when `password` is empty — only with its own `domain`, `registerServerUri` and `realm` (else 422 on `password`: type it). Audited; paced per operator (2 at a time, 10 a minute). Without any SIP answer the outcome is `retrying` / `no-answer` with no messages, after 10 s. Sent by the registrar engine from its SIP socket (`SIP_BIND`).',
          requestBody: body('RegistrationInput'),
          responses: {
            '200': response('The outcome and the SIP ladder.', ref('TestOutcome')),
            '400': errors.invalidJson,
            '403': error('Every server of the target is in `TEST_REGISTRATION_DENY` (`forbidden`); nothing was sent.'),
            '404': errors.notFound,
            '413': errors.tooLarge,
            '422': errors.validation,
            '429': {
              ...error('Too many test registrations for this operator (`throttled`).'),
              headers: { 'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } } },
            },
            '503': error('No registrar engine runs to send it (`unavailable`): the test runs in the engine process, from its SIP socket; start `npm run registrar` or enable `REGISTRAR_ENABLED`.'),
          },
        },
      },
      '/api/events': {
        get: {
          tags: ['Live status'],
          summary: 'Live status stream (Server-Sent Events)',
          description:
            'First `event: snapshot` with `data: { registrations: [...] }` (every registration status, with `grantedExpires`), then one `event: status` per transition (a change of state, code, reason or target) with `data: { registrationId, state, code, reason, expiresAt, nextAttemptAt, target, at }` and an `id:`. A refresh that changes nothing (only `expiresAt`/`nextAttemptAt` move) is not sent: while `registered`, the binding is refreshed at `nextAttemptAt` and lasts `grantedExpires` from then. Bursts are coalesced per registration. A client that reconnects with `Last-Event-ID` gets the missed transitions (coalesced), or a fresh snapshot when they are no longer kept. With `snapshot=none` the snapshot lists no statuses (`registrations: null`, a few hundred bytes at any number of registrations) and its `id:` is the stream position: read the rows you show from `GET /api/registrations` (its `lastEventId` is the newest event the answer includes; re-read one older than the snapshot) and follow the `status` events. Opening the stream with `Last-Event-ID` set to a list answer\'s `lastEventId` sends the changes since, without a snapshot. `Cache-Control: no-store`. At most MAX_STREAMS_PER_PRINCIPAL (default 10) streams are open at once per session or API token.',
          parameters: [
            {
              name: 'snapshot',
              in: 'query',
              required: false,
              description: '`none`: the snapshot carries no statuses (what the dashboard asks for). Absent or anything else: every registration\'s status (about 2 MB at 10,000 registrations, 19 MB at 100,000).',
              schema: { type: 'string', enum: ['all', 'none'] },
            },
          ],
          responses: {
            '200': { description: 'An endless text/event-stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
            '429': error('Too many streams open for this session or token (`too_many_streams`); `Retry-After` says when to try again.'),
          },
        },
      },
      '/api/registrations/availability': {
        get: {
          tags: ['Registrations'],
          summary: 'Is a DDI, or a username+domain, still free?',
          description: 'Give either `ddi`, or `username` and `domain`.',
          parameters: availabilityParams,
          responses: { '200': response('Whether the value is free and, if not, who holds it.', ref('Availability')), '422': errors.validation },
        },
      },
      '/api/registrations/availability/suggest-ddi': {
        get: {
          tags: ['Registrations'],
          summary: 'Suggest a unique DDI',
          description: "The first of the provider's DDIs that no registration uses, else a generated free numeric value.",
          parameters: queryParameters(suggestDdiQuerySchema, {
            ddiProviderId: 'Provider whose DDIs are tried first.',
            excludeId: 'Id of the registration being edited: its own DDI counts as free.',
          }),
          responses: {
            '200': response('A free DDI.', ref('DdiSuggestion')),
            '404': errors.notFound,
            '422': errors.validation,
          },
        },
      },
      ...importPaths(),
      ...authPaths(),
      ...tokenPaths(),
      ...operatorPaths(),
      ...alertsPaths(queryParameters),
    }),
    components: { schemas: { ...requestSchemas, ...responseSchemas }, securitySchemes },
  };
}
