import { z } from 'zod';
import { REGISTRATION_STATES, TRANSPORT_SETTINGS } from '../../registrar/domain/vocabulary';
import { fieldMask, insertSchema } from '../forms/insert-schema';
import { registrationsColumns } from '../forms/table-columns.generated';
import {
  authUsernameRule,
  ddiRule,
  domainRule,
  expiresRule,
  optionalText,
  passwordRule,
  realmRule,
  registerServerUriRule,
  usernameRule,
} from './rules';

/**
 * The rules of the registration form's fields, each a column of the `registrations` table; the
 * form edits these and no other column.
 */
export const REGISTRATION_FIELD_RULES = {
  ddiProviderId: z.number({ error: 'Choose a DDI provider.' }).int().positive('Choose a DDI provider.'),
  username: usernameRule,
  domain: domainRule,
  ddi: ddiRule,
  authUsername: optionalText(authUsernameRule),
  registerServerUri: optionalText(registerServerUriRule),
  realm: optionalText(realmRule),
  expires: expiresRule,
  transport: z.enum(TRANSPORT_SETTINGS),
  enabled: z.boolean(),
};

/**
 * The registration form schema, derived from the drizzle table (through its generated column
 * description, lib/forms/, so the browser never loads the table: tests/unit/forms/ prove it
 * equals drizzle-zod's createInsertSchema) and parsed both in the browser (react-hook-form
 * resolver) and on the server (route handlers and actions).
 * Password semantics on write: absent or '' keeps the stored one, null clears it.
 */
const registrationFieldsSchema = insertSchema(registrationsColumns, REGISTRATION_FIELD_RULES)
  .pick(fieldMask(REGISTRATION_FIELD_RULES))
  .extend({ password: z.union([passwordRule, z.literal('')]).nullish() })
  .strict();

/**
 * Transport of a new registration when none is given (API and form): `auto`, RFC 3263 §4.1
 * (DNS decides). Stored rows keep theirs; the SQL column default stays 'udp' (lib/db/schema.ts).
 */
export const DEFAULT_TRANSPORT = 'auto' satisfies (typeof TRANSPORT_SETTINGS)[number];

export const registrationInputSchema = registrationFieldsSchema.extend({
  expires: expiresRule.default(3600),
  transport: z.enum(TRANSPORT_SETTINGS).default(DEFAULT_TRANSPORT),
  enabled: z.boolean().default(true),
});

/**
 * Optimistic concurrency: the `revision` an edit was made on. When given and no longer the
 * stored one, the update is refused with 409 `stale`.
 */
export const revisionRule = z
  .number()
  .int()
  .positive()
  .meta({ description: 'The revision this edit was based on. If it is no longer the current one, nothing changes and the answer is 409 `stale` with `current`. Leave it out to apply the change regardless.' });

/** PATCH: every field optional, no defaults (an absent field keeps its stored value). */
export const registrationPatchSchema = registrationFieldsSchema.partial().extend({ revision: revisionRule.optional() });

export type RegistrationInput = z.input<typeof registrationInputSchema>;
export type RegistrationValues = z.output<typeof registrationInputSchema>;
export type RegistrationPatch = z.output<typeof registrationPatchSchema>;

const excludeIdRule = z.coerce.number().int().positive();

/** `?ddi=…[&excludeId=…]`: is this DDI free? */
export const ddiAvailabilityQuerySchema = z.object({ ddi: ddiRule, excludeId: excludeIdRule.optional() }).strict();
/** `?username=…&domain=…[&excludeId=…]`: is this account free? */
export const accountAvailabilityQuerySchema = z
  .object({ username: usernameRule, domain: domainRule, excludeId: excludeIdRule.optional() })
  .strict();
export const availabilityQuerySchema = z.union([ddiAvailabilityQuerySchema, accountAvailabilityQuerySchema]);
export type AvailabilityQuery = z.output<typeof availabilityQuerySchema>;

/** `?ddiProviderId=…[&excludeId=…]` for the "generate a unique DDI" action. */
export const suggestDdiQuerySchema = z
  .object({ ddiProviderId: z.coerce.number().int().positive().optional(), excludeId: excludeIdRule.optional() })
  .strict();

/** What the `state` filter may name: a registration state, or `none` (no status reported yet). */
export const STATE_FILTER_VALUES = [...REGISTRATION_STATES, 'none'] as const;
export type StateFilterValue = (typeof STATE_FILTER_VALUES)[number];
const stateAlternatives = STATE_FILTER_VALUES.join('|');

/** `retrying,rejected`: a comma-separated list of STATE_FILTER_VALUES. */
const stateFilterSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^(${stateAlternatives})(,(${stateAlternatives}))*$`), `A comma-separated list of: ${STATE_FILTER_VALUES.join(', ')}.`);

/** The states a `state` filter names (deduplicated). */
export function parseStateFilter(value: string | undefined): StateFilterValue[] | null {
  if (!value) return null;
  return [...new Set(value.split(','))] as StateFilterValue[];
}

export const registrationListQuerySchema = z.object({
  q: z.string().trim().max(200).optional(),
  ddiProviderId: z.coerce.number().int().positive().optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
  sort: z.enum(['id', 'username', 'domain', 'ddi', 'provider', 'updatedAt']).default('id'),
  order: z.enum(['asc', 'desc']).default('asc'),
  state: stateFilterSchema.optional(),
});

export type RegistrationListQuery = z.output<typeof registrationListQuerySchema>;

/** `?dryRun=1` (or true/yes/on) of POST /api/registrations/import: only check, write nothing. */
export const importQuerySchema = z
  .object({ dryRun: z.stringbool().default(false).meta({ description: 'Only check the file: write nothing, answer as the import would.' }) })
  .strict();

/** `?problems=` of GET /api/registrations/summary: how many problem registrations to list. */
export const registrationSummaryQuerySchema = z
  .object({ problems: z.coerce.number().int().min(0).max(500).default(100) })
  .strict();
export type RegistrationSummaryQuery = z.output<typeof registrationSummaryQuerySchema>;
