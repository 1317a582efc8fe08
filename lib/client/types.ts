/**
 * JSON shapes returned by the portal REST API (what the browser sees), derived from the zod
 * contracts in lib/api/contracts.ts that the handlers' answers are checked against: one source per
 * type. Type-only imports: nothing of the contracts (or of zod) reaches the browser bundle.
 */
import type { z } from 'zod';
import type * as contracts from '../api/contracts';
import type { bulkRequestSchema } from '../registrations/bulk-schema';
import type { registrationListQuerySchema } from '../registrations/schema';

type Json<S extends z.ZodType> = z.output<S>;

export type DdiProvider = Json<typeof contracts.ddiProviderJsonSchema>;
export type RegistrationStatus = Json<typeof contracts.registrationStatusJsonSchema>;
export type Registration = Json<typeof contracts.registrationJsonSchema>;
export type RegistrationList = Json<typeof contracts.registrationListJsonSchema>;
/** Which engine node holds a registration (null: none ever did). */
export type RegistrationLease = Json<typeof contracts.registrationLeaseJsonSchema>;

/** GET /api/nodes: the engine nodes and how many registrations each holds. */
export type EngineNodeList = Json<typeof contracts.engineNodeListJsonSchema>;
export type EngineNode = EngineNodeList['items'][number];

/** GET /api/registrations: the query (the server's parsed form; the browser sends every field it sets). */
export type RegistrationListParams = z.output<typeof registrationListQuerySchema>;
export type RegistrationSort = RegistrationListParams['sort'];

/** GET /api/registrations/summary: counts per state (plus `none`) and the first problem registrations. */
export type RegistrationSummary = Json<typeof contracts.registrationSummaryJsonSchema>;
export type Availability = Json<typeof contracts.availabilityJsonSchema>;

/** One entry of a registration's state timeline (newest first). */
export type StatusEventJson = Json<typeof contracts.registrationEventListJsonSchema>['items'][number];

/** Fraction (0..1) of the time a registration was registered; null when there is no data. */
export type Uptime = Json<typeof contracts.uptimeJsonSchema>;

/** One SIP message of the ladder (already redacted by the server). */
export type TraceMessage = Json<typeof contracts.sipTraceJsonSchema>['items'][number];

export type TestOutcome = Json<typeof contracts.testOutcomeJsonSchema>;

/** An operator as the operators API returns it (never the password or its hash). */
export type OperatorAccount = Json<typeof contracts.operatorJsonSchema>;

/** The signed-in operator, as returned by sign-in and first-run setup. */
export type SignedInOperator = Json<typeof contracts.operatorPublicJsonSchema>;

/** A named API token; the token itself is only in `CreatedApiToken`, once. */
export type ApiToken = Json<typeof contracts.apiTokenJsonSchema>;
export type CreatedApiToken = Json<typeof contracts.apiTokenCreatedJsonSchema>;

/** POST /api/registrations/bulk: the request and one request's answer. */
export type BulkRequestBody = z.input<typeof bulkRequestSchema>;
export type BulkResultBody = Json<typeof contracts.bulkResultJsonSchema>;
export type BulkActionName = BulkRequestBody['action'];

/** GET /api/registrations/{id}/availability/bands and GET /api/registrations/history. */
export type AvailabilityBands = Json<typeof contracts.availabilityBandsJsonSchema>;
export type BandSegment = AvailabilityBands['segments'][number];
export type StateHistory = Json<typeof contracts.stateHistoryJsonSchema>;
